"""Engagement scoring: weights, half-life decay, the daily recompute and the lead API output."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.leads.models import Lead
from ltc.marketing.models import TouchKind
from ltc.marketing.services.engagement import engagement_decay_all, engagement_of
from ltc.marketing.services.touches import TouchIn, touches_record
from ltc.marketing.tests.events_factories import show_campaign

pytestmark = pytest.mark.django_db


def test_weights_halve_every_half_life() -> None:
    now = timezone.now()
    touches = [(TouchKind.ATTENDANCE, now), (TouchKind.FORM, now - timedelta(days=30)), (TouchKind.IMPORT, now)]
    score, details = engagement_of(touches, now=now, half_life=30)
    assert score == 20  # 15 fresh + 10 halved; imports earn nothing
    assert [(d["kind"], d["count"], d["points"]) for d in details] == [("attendance", 1, 15.0), ("form", 1, 5.0)]


def test_touches_set_engagement_and_the_daily_run_decays_it(world: Any, api_as: Any, settings: Any) -> None:
    settings.LTC_ENGAGEMENT_HALF_LIFE_DAYS = 10
    campaign = show_campaign(world.marketing)
    lead = world.lead
    touches_record(
        [
            TouchIn(campaign_id=campaign.pk, kind=TouchKind.CLICK, key=f"t:{lead.pk}:{n}", lead_id=lead.pk)
            for n in range(4)
        ]
    )
    lead.refresh_from_db()
    assert lead.engagement == 12
    version = lead.version
    assert engagement_decay_all(now=timezone.now() + timedelta(days=10)) >= 1
    lead.refresh_from_db()
    assert lead.engagement == 6
    assert lead.version == version  # derived, not an edit: no stale forms
    assert engagement_decay_all(now=timezone.now() + timedelta(days=200)) >= 1
    assert Lead.objects.get(pk=lead.pk).engagement == 0
    body = api_as(world.owner).get(f"/leads/{lead.pk}").json()
    assert (body["engagement"], body["engagement_details"]) == (0, [])
