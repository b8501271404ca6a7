"""The demo's event (市场活动): the trade show's booth with its public registration page and a dozen
visitors who registered beforehand, came (签到), stayed away, cancelled or walked in on the day,
each a lead with the touches and engagement (互动度) that follow.

Everything goes through the events services, as it would have happened: the event is opened
while upcoming, people register on it and are checked in, then it moves to the show's real dates
(two months ago) and closes. The timestamps of what was recorded (registrations, touches, the
members and the leads made) are then set back to the show's days, and the engagement of the
leads it touched is computed as of today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ltc.leads.models import Lead
from ltc.marketing.models import Campaign, CampaignMember, CampaignStatus, Touch
from ltc.marketing.models.events import MarketingEvent, Registration
from ltc.marketing.services import events as services
from ltc.marketing.services.engagement import leads_engagement_compute
from ltc.org.models import User

TRADE_SHOW = "2026-ciie-shanghai"

# name, company, title, mobile, email, consent, what happened ("came", "no_show", "cancelled")
VISITORS = (
    ("陈立新", "苏州精工机械有限公司", "采购经理", "18621350101", "chen.lixin@sz-jinggong.example.cn", True, "came"),
    ("刘晓燕", "宁波海天注塑科技有限公司", "设备部主管", "18621350102", "liu.xy@nb-haitian.example.cn", True, "came"),
    ("王建国", "无锡恒远自动化有限公司", "总经理", "18621350103", "", False, "came"),
    ("赵敏", "杭州中联智能装备有限公司", "生产总监", "18621350104", "zhao.min@hz-zhonglian.example.cn", True, "came"),
    ("孙浩然", "常州博瑞精密制造有限公司", "工程师", "18621350105", "sun.hr@cz-borui.example.cn", False, "came"),
    ("周婷", "上海浦江电气股份有限公司", "采购专员", "18621350106", "zhou.ting@pj-electric.example.cn", True, "came"),
    ("吴志强", "南通江海重工有限公司", "技术副总", "18621350107", "", False, "came"),
    ("郑丽华", "嘉兴天成新材料有限公司", "厂长", "18621350108", "zheng.lh@jx-tiancheng.example.cn", True, "no_show"),
    ("冯伟", "合肥华星机电有限公司", "设备经理", "18621350109", "feng.wei@hf-huaxing.example.cn", False, "no_show"),
    ("何静", "绍兴越盛纺织机械有限公司", "信息化负责人", "18621350110", "", False, "no_show"),
    ("马俊", "扬州广陵液压件有限公司", "采购主管", "18621350111", "ma.jun@yz-guangling.example.cn", True, "cancelled"),
)
WALK_IN = ("黄志远", "昆山立达数控设备有限公司", "总工程师", "18621350112", "huang.zy@ks-lida.example.cn", True)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed_events(users: dict[str, User]) -> MarketingEvent:
    """The trade show's event with 12 registrations (7 came, 3 stayed away, 1 cancelled, 1 walk-in)."""
    show = Campaign.objects.get(code=TRADE_SHOW)
    marketing = users["sun"]
    started = timezone.now()
    today = timezone.localdate()
    first_day = show.starts_on or today - timedelta(days=60)
    last_day = show.ends_on or first_day + timedelta(days=4)
    starts_at, ends_at = _at(first_day, 9), _at(last_day, 17)
    # While upcoming: the same length, starting tomorrow, so the public page takes registrations;
    # the show is replayed as it was then, while its campaign was still active (an event only
    # joins a planned or active campaign).
    ahead = _at(today + timedelta(days=1), 9) - starts_at
    show_status = show.status
    Campaign.objects.filter(pk=show.pk).update(status=CampaignStatus.ACTIVE)
    show.status = CampaignStatus.ACTIVE
    event = services.event_create(
        actor=marketing,
        data={
            "campaign": show,
            "name": "2026 上海工业博览会 · 展位 B2-118",
            "venue": "国家会展中心（上海）2 号馆 B2-118",
            "starts_at": starts_at + ahead,
            "ends_at": ends_at + ahead,
            "capacity": 300,
            "description": "现场演示 LTC 线索到回款全流程；扫码登记即可领取《制造业数字化白皮书》。",
        },
    )
    registrations: list[tuple[Registration, str]] = []
    for n, (name, company, title, mobile, email, consent, outcome) in enumerate(VISITORS):
        data = {"name": name, "company": company, "title": title, "mobile": mobile, "email": email, "consent": consent}
        registration = services.registration_submit(event=event, data=data, ip=f"203.0.113.{10 + n}")
        if registration is None:  # only a filled honeypot gives None
            raise RuntimeError(name)
        registrations.append((registration, outcome))
    for registration, outcome in registrations:
        if outcome == "came":
            services.registration_check_in(actor=marketing, registration=registration)
        elif outcome == "cancelled":
            services.registration_cancel(actor=marketing, registration=registration)
    name, company, title, mobile, email, consent = WALK_IN
    walk_in = services.registration_walk_in(
        actor=marketing,
        event=event,
        data={"name": name, "company": company, "title": title, "mobile": mobile, "email": email, "consent": consent},
    )
    # The show is over: its real dates, registration closed.
    event = services.event_update(
        actor=marketing,
        event=event,
        data={"starts_at": starts_at, "ends_at": ends_at, "registration_open": False},
        expected_version=event.version,
    )
    _back_to_the_show(event, [r for r, _outcome in registrations] + [walk_in], started)
    Campaign.objects.filter(pk=show.pk).update(status=show_status)
    lead_ids = {r.lead_id for r in Registration.objects.filter(event=event) if r.lead_id}
    leads_engagement_compute(lead_ids)
    return event


def _back_to_the_show(event: MarketingEvent, registrations: list[Registration], started: datetime) -> None:
    """What was recorded just now, dated as it happened: registrations (and the leads they made,
    with their touches and campaign membership) over the three weeks before the show, check-ins
    across its days (mornings), the walk-in on the second day."""
    for n, registration in enumerate(registrations):
        fresh = Registration.objects.get(pk=registration.pk)
        checked_in: datetime | None
        if fresh.status == "walk_in":
            registered = checked_in = event.starts_at + timedelta(days=1, hours=2, minutes=15)
        else:
            registered = event.starts_at - timedelta(days=21 - n * 2, hours=n % 5)
            checked_in = event.starts_at + timedelta(days=n % 3, minutes=20 + 7 * n) if fresh.checked_in_at else None
        Registration.objects.filter(pk=fresh.pk).update(registered_at=registered, checked_in_at=checked_in)
        prefix = f"event:{event.pk}:"
        Touch.objects.filter(key=f"{prefix}reg:{fresh.pk}").update(occurred_at=registered)
        if checked_in is not None:
            Touch.objects.filter(key=f"{prefix}att:{fresh.pk}").update(occurred_at=checked_in)
        if fresh.lead_id:
            Lead.objects.filter(pk=fresh.lead_id, created_at__gte=started).update(created_at=registered)
            members = CampaignMember.objects.filter(campaign_id=event.campaign_id, lead_id=fresh.lead_id)
            members.filter(added_at__gte=started).update(added_at=registered)
            members.filter(status_at__gte=started).update(status_at=checked_in or registered)
