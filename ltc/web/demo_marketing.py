"""The demo's marketing: a trade show and an e-mail nurture campaign with their costs, members,
touches, a segment, a mailing, a journey with members at different steps, an event with its
attendees, and the attribution figures they add up to. Each area seeds its part below."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ltc.marketing.models import Campaign, CampaignCost, CampaignKind, CampaignStatus
from ltc.org.models import User
from ltc.web.demo_marketing_attribution import seed_attribution
from ltc.web.demo_marketing_campaigns import seed_campaigns
from ltc.web.demo_marketing_consent import seed_consent
from ltc.web.demo_marketing_email import seed_email
from ltc.web.demo_marketing_events import seed_events
from ltc.web.demo_marketing_journeys import seed_journeys
from ltc.web.demo_marketing_segments import seed_segments

TRADE_SHOW = "2026-ciie-shanghai"
NURTURE = "2026-q4-email-nurture"


def seed_marketing(users: dict[str, User]) -> None:
    today = timezone.localdate()
    marketing = users["sun"]
    show = Campaign.objects.create(
        name="2026 上海工业博览会",
        code=TRADE_SHOW,
        kind=CampaignKind.TRADE_SHOW,
        owner=marketing,
        created_by=marketing,
        status=CampaignStatus.COMPLETED,
        starts_on=today - timedelta(days=60),
        ends_on=today - timedelta(days=56),
        budget=Decimal("300000.00"),
        expected_responses=400,
        expected_revenue=Decimal("5000000.00"),
        utm_source="expo",
        utm_medium="event",
        description="展位 B2-118；现场扫码登记，会后两周内完成线索跟进。",
    )
    for spent_on, description, amount in (
        (today - timedelta(days=90), "展位费", "180000.00"),
        (today - timedelta(days=70), "展台搭建", "65000.00"),
        (today - timedelta(days=56), "差旅与物料", "28600.00"),
    ):
        CampaignCost.objects.create(
            campaign=show, spent_on=spent_on, description=description, amount=Decimal(amount), created_by=marketing
        )
    Campaign.objects.create(
        name="2026 Q4 制造业数字化邮件培育",
        code=NURTURE,
        kind=CampaignKind.EMAIL,
        owner=marketing,
        created_by=marketing,
        status=CampaignStatus.ACTIVE,
        starts_on=today - timedelta(days=30),
        budget=Decimal("20000.00"),
        expected_responses=150,
        utm_source="newsletter",
        utm_medium="email",
        description="面向制造业线索的四封邮件培育旅程：白皮书、案例、研讨会邀请、交给销售。",
    )
    # Each area seeds its part; the order matters (consent before e-mail, e-mail before journeys).
    seed_campaigns(users)  # first: the trade show's members and touches the others build on
    seed_segments(users)
    seed_consent(users)  # before any e-mail is sent: who may be mailed
    seed_email(users)  # templates and a sent mailing of the nurture campaign, with opens and clicks
    seed_journeys(users)  # after e-mail: the journey's first step sends a template
    seed_events(users)  # the show's booth: registrations, check-ins, a walk-in, and their engagement
    seed_attribution(users)  # last: touches on the paid demo deals, so the dashboard shows attributed cash
