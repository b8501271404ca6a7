"""The demo's service cases, on the demo customers' accounts, in every state: new, in progress,
waiting on the customer, resolved, closed, reopened, a merged duplicate, and one opened eight
days ago whose resolution is overdue (the SLA sweep seeded next breaches and escalates it).
Customer messages, replies and internal notes; opened through the real services (numbered, timed,
routed by the demo rules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from ltc.customers.models import Account
from ltc.org.models import User
from ltc.service.models import Asset, Case, CaseMessage
from ltc.service.services import cases as svc


def _backdate(case: Case, *, days: int) -> Case:
    """As if opened `days` ago: its SLA due times follow (case_sla_recompute)."""
    opened = timezone.now() - timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    CaseMessage.objects.filter(case=case).update(created_at=opened)
    case.refresh_from_db()
    return svc.case_sla_recompute(case)


def _opened_earlier(case: Case) -> Case:
    """As if opened earlier, before it is answered: past its first response due, short of its
    resolution warning. Its opening, SLA times and messages move back together (a case opened
    earlier would have them), so the late reply that follows is recorded as missed."""
    case.refresh_from_db()
    due, warn = case.first_response_due, case.resolution_warn_at
    if due is None or warn is None:
        return case
    back = due - timezone.now() + (warn - due) / 2
    times = ("opened_at", "first_response_due", "response_warn_at", "resolution_due", "resolution_warn_at")
    Case.objects.filter(pk=case.pk).update(**{name: F(name) - back for name in times if getattr(case, name)})
    CaseMessage.objects.filter(case=case).update(created_at=F("created_at") - back)
    case.refresh_from_db()
    return case


def _status(case: Case, actor: User, status: str, resolution: str = "") -> Case:
    case.refresh_from_db()
    return svc.case_set_status(actor=actor, case=case, status=status, version=case.version, resolution=resolution)


def seed_cases(users: dict[str, User]) -> None:
    if Case.objects.exists():
        return
    accounts = list(Account.objects.filter(contracts__signed_on__isnull=False).distinct().order_by("id")[:3])
    if not accounts:
        accounts = list(Account.objects.order_by("id")[:3])
    if not accounts:
        return
    he, ma = users["he"], users["ma"]
    first = accounts[0]
    second = accounts[1 % len(accounts)]
    third = accounts[2 % len(accounts)]
    asset = Asset.objects.filter(account=first).order_by("id").first()

    def contact(account: Account) -> Any:
        return account.contacts.order_by("id").first()

    def open_case(account: Account, subject: str, description: str, **kwargs: Any) -> Case:
        actor = kwargs.pop("actor", he)
        return svc.case_create(actor=actor, account=account, subject=subject, description=description, **kwargs)

    # 1. new, from the portal, still in the queue or with the routed agent
    open_case(
        second,
        "发票抬头需要修改",
        "我们公司名称变更了，后续发票请使用新抬头。",
        actor=None,
        channel="portal",
        category="request",
        priority="p4",
        contact=contact(second),
    )
    # 2. in progress: answered by phone, later than the first response was due
    working = open_case(
        first,
        "数据采集网关偶发掉线",
        "网关每天会掉线一到两次，重启后恢复。",
        channel="phone",
        category="incident",
        priority="p2",
        asset=asset,
        contact=contact(first),
    )
    working = _opened_earlier(working)  # answered late: its first response missed
    svc.case_reply(actor=he, case=working, body="您好，已收到。请把网关的运行日志发给我们，我们来分析。")
    svc.case_reply(actor=he, case=working, body="怀疑是固件版本问题，已联系研发确认。", internal=True)
    # 3. waiting on the customer
    waiting = open_case(first, "报表导出乱码", "导出的 CSV 用 Excel 打开是乱码。", channel="email", priority="p3")
    svc.case_reply(actor=he, case=waiting, body="请问您使用的 Excel 版本是多少？可以先试试以 UTF-8 导入。")
    _status(waiting, he, "waiting")
    # 4. resolved
    resolved = open_case(second, "账号无法登录", "新员工账号登录提示密码错误。", priority="p3")
    svc.case_reply(actor=he, case=resolved, body="已为该账号重置密码，请查收邮件。")
    _status(resolved, he, "resolved", "重置密码后可以正常登录。")
    # 5. closed
    closed = open_case(third, "咨询培训安排", "想了解下季度的操作培训时间。", category="question", priority="p4")
    svc.case_reply(actor=he, case=closed, body="下季度培训定在 4 月第二周，届时会发邀请。")
    _status(closed, he, "resolved", "已答复培训安排。")
    _status(closed, he, "closed")
    # 6. reopened: the customer wrote again after the resolution
    reopened = open_case(first, "设备告警灯常亮", "设备面板黄色告警灯一直亮着。", category="incident", priority="p3")
    svc.case_reply(actor=he, case=reopened, body="请断电重启一次，观察告警灯是否熄灭。")
    _status(reopened, he, "resolved", "重启后告警消失。")
    reopened.refresh_from_db()
    svc.case_customer_message(
        case=reopened, body="今天告警灯又亮了。", contact=contact(first), channel="email", from_address=""
    )
    # 7. a duplicate merged into case 2
    duplicate = open_case(first, "网关又掉线了", "同一个网关今天又掉线。", channel="phone", priority="p2")
    svc.case_merge(actor=he, duplicate=duplicate, into=working)
    # 8. opened eight days ago (working days whatever the weekday), P1: past its resolution due (the sweep breaches and escalates it)
    overdue = open_case(
        third,
        "生产线控制系统宕机",
        "控制系统无法启动，整条产线停产。",
        channel="phone",
        category="incident",
        priority="p1",
        contact=contact(third),
    )
    if overdue.owner_id != he.pk:  # 何涛 works it: its breach escalates to his manager 马丽
        svc.case_assign(actor=ma, case=overdue, owner=he)
    _backdate(overdue, days=8)
    svc.case_reply(actor=ma, case=overdue, body="已安排工程师赶往现场，请保持电话畅通。", internal=True)
