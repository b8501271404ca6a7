"""The demo's marketing, seeded once (the whole demo takes minutes): the nurture campaign's sent
mailing with opens and clicks, its journey with members at different steps, the trade show's
event with attendees, touches dated at the show and engagement, and attribution credits built."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.marketing.models import Touch, TouchKind
from ltc.marketing.models.attribution import AttributionDay
from ltc.marketing.models.email import EmailMessage, EmailTemplate, Mailing
from ltc.marketing.models.events import MarketingEvent, Registration, RegistrationStatus
from ltc.marketing.models.journeys import Journey, JourneyMemberLog, LogAction, MemberState
from ltc.marketing.services.events import event_counts, registration_list
from ltc.org.models import User
from ltc.web.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_runs_marketing_from_the_trade_show_to_attributed_cash(db: Any) -> None:
    assert seed_demo() is True
    _a_sent_nurture_mailing_with_opens_and_clicks()
    _a_journey_with_members_finished_waiting_and_handed_to_sales()
    _the_trade_show_with_its_attendees_touches_and_engagement()
    # Cash collected (回款) is credited to campaigns under every model, the trade show's share included.
    cash = AttributionDay.objects.filter(outcome="cash", amount__gt=0)
    assert set(cash.values_list("model", flat=True)) == {"first", "last", "linear"}
    assert cash.filter(campaign__code="2026-ciie-shanghai", model="linear").exists()


def _a_sent_nurture_mailing_with_opens_and_clicks() -> None:

    assert EmailTemplate.objects.exclude(body_en="").count() >= 2
    mailing = Mailing.objects.get(campaign__code="2026-q4-email-nurture", name="10 月培育：白皮书")
    assert mailing.status == "sent"
    messages = EmailMessage.objects.filter(mailing=mailing)
    sent = messages.filter(status="sent")
    assert sent.exists()
    assert sent.filter(opened_at__isnull=False).exists()
    assert sent.filter(clicked_at__isnull=False).exists()
    assert not sent.filter(links=[]).exists()
    assert Touch.objects.filter(campaign=mailing.campaign, kind="click", key__startswith="email:").exists()


def _a_journey_with_members_finished_waiting_and_handed_to_sales() -> None:
    journey = Journey.objects.get(campaign__code="2026-q4-email-nurture")
    assert (journey.status, list(journey.steps.values_list("kind", flat=True))) == (
        "active",
        ["email", "wait", "branch", "hand_to_sales"],
    )
    states = set(journey.members.values_list("position", "status"))
    assert (2, MemberState.WAITING) in states
    assert any(status in (MemberState.FINISHED, MemberState.EXITED) for _position, status in states)
    assert JourneyMemberLog.objects.filter(member__journey=journey, action=LogAction.HANDED_TO_SALES).exists()
    assert JourneyMemberLog.objects.filter(
        member__journey=journey, action__in=[LogAction.BRANCH_YES, LogAction.BRANCH_NO]
    ).exists()


def _the_trade_show_with_its_attendees_touches_and_engagement() -> None:

    event = MarketingEvent.objects.get(campaign__code="2026-ciie-shanghai")
    assert event.registration_open is False
    assert event.starts_at.date() == event.campaign.starts_on
    assert event.ends_at < timezone.now() - timedelta(days=50)
    counts = event_counts(event=event)
    assert (counts.registered, counts.present, counts.walk_in, counts.cancelled) == (11, 8, 1, 1)

    rows = list(Registration.objects.filter(event=event).select_related("lead"))
    assert len(rows) == 12
    assert all(r.lead is not None and r.lead.source == "event" for r in rows)
    assert all(r.registered_at <= event.starts_at + timedelta(days=2) for r in rows)
    present = [r for r in rows if r.status in (RegistrationStatus.ATTENDED, RegistrationStatus.WALK_IN)]
    assert all(event.starts_at <= r.checked_in_at <= event.ends_at for r in present)
    assert [r.name for r in registration_list(user=User.objects.get(username="sun"), event=event, q="0112")] == [
        "黄志远"
    ]

    touches = Touch.objects.filter(key__startswith=f"event:{event.pk}:")
    assert touches.filter(kind=TouchKind.REGISTRATION).count() == 12
    assert touches.filter(kind=TouchKind.ATTENDANCE).count() == 8
    assert not touches.filter(occurred_at__gt=event.ends_at).exists()

    # Engagement as of today: attendance two months ago still counts, a no-show counts less.
    came = next(r.lead for r in present if r.status == RegistrationStatus.ATTENDED)
    stayed_away = next(r.lead for r in rows if r.status == RegistrationStatus.REGISTERED)
    assert came is not None
    assert stayed_away is not None
    assert {d["kind"] for d in came.engagement_details} >= {"registration", "attendance"}
    assert came.engagement > stayed_away.engagement > 0
    assert "attendance" not in {d["kind"] for d in stayed_away.engagement_details}
    # Nothing the event recorded is dated today: every touch of its leads happened by the show's end.
    leads = {r.lead_id for r in rows}
    assert not Touch.objects.filter(lead_id__in=leads, occurred_at__gt=event.ends_at).exists()
