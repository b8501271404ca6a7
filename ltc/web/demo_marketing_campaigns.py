"""The demo's campaign members and touches: the trade show reached the leads met at the booth
(工博会), who filled its scan form, and invited some customer contacts; a VIP dinner is a
sub-campaign of the show with its own cost, where two of them came."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ltc.customers.models import Contact
from ltc.leads.models import Lead
from ltc.marketing.models import (
    Campaign,
    CampaignCost,
    CampaignKind,
    CampaignStatus,
    MemberSource,
    MemberStatus,
    TouchKind,
)
from ltc.marketing.services.touches import Person, TouchIn, members_advance, touches_record
from ltc.org.models import User

TRADE_SHOW = "2026-ciie-shanghai"


def seed_campaigns(users: dict[str, User]) -> None:
    show = Campaign.objects.get(code=TRADE_SHOW)
    marketing = users["sun"]
    met = Q(campaign__contains="工博会") | Q(source="event")
    leads = list(Lead.objects.filter(met).order_by("pk")[:12]) or list(Lead.objects.order_by("pk")[:8])
    contacts = list(Contact.objects.filter(account__isnull=False).order_by("pk")[:6])
    held = timezone.now() - timedelta(days=58)
    members_advance(
        show.pk,
        [Person(lead_id=lead.pk) for lead in leads],
        MemberStatus.TARGETED,
        source=MemberSource.EVENT,
        at=held - timedelta(days=20),
    )
    members_advance(
        show.pk,
        [Person(contact_id=c.pk) for c in contacts],
        MemberStatus.TARGETED,
        source=MemberSource.LIST,
        at=held - timedelta(days=20),
    )
    # The booth's visitors filled its scan form (工博会展台登记): one response each at the show. Who
    # registered and came is the event's own record (demo_marketing_events), not repeated here;
    # the customer contacts were invited (targeted) and answered nothing yet.
    touches = [
        TouchIn(
            show.pk,
            TouchKind.FORM,
            f"demo:show:form:lead:{lead.pk}",
            lead_id=lead.pk,
            account_id=lead.account_id,
            at=held + timedelta(hours=n),
        )
        for n, lead in enumerate(leads)
    ]
    touches_record(touches)
    dinner = Campaign.objects.create(
        name="工博会 VIP 客户晚宴",
        code=f"{TRADE_SHOW}-vip-dinner",
        kind=CampaignKind.SEMINAR,
        parent=show,
        owner=marketing,
        created_by=marketing,
        status=CampaignStatus.COMPLETED,
        starts_on=show.starts_on + timedelta(days=1) if show.starts_on else None,
        ends_on=show.starts_on + timedelta(days=1) if show.starts_on else None,
        budget=Decimal("30000.00"),
        description="展会第二天晚上的重点客户答谢晚宴。",
    )
    CampaignCost.objects.create(
        campaign=dinner,
        spent_on=dinner.starts_on or timezone.localdate(),
        description="场地与餐饮",
        amount=Decimal("26800.00"),
        created_by=marketing,
    )
    members_advance(
        dinner.pk, [Person(contact_id=c.pk) for c in contacts[:3]], MemberStatus.TARGETED, source=MemberSource.MANUAL
    )
    # The dinner has no registration page: who came was recorded by hand.
    touches_record(
        [
            TouchIn(
                dinner.pk,
                TouchKind.MANUAL,
                f"demo:dinner:att:contact:{c.pk}",
                contact_id=c.pk,
                account_id=c.account_id,
                at=held + timedelta(days=1),
            )
            for c in contacts[:2]
        ]
    )
