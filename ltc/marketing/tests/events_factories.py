"""Campaigns and events for the events tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ltc.marketing.models import Campaign, CampaignKind
from ltc.marketing.models.events import MarketingEvent


def show_campaign(owner: Any, *, code: str = "EXPO-2026", kind: str = CampaignKind.TRADE_SHOW) -> Campaign:
    return Campaign.objects.create(name="工业博览会", code=code, kind=kind, owner=owner)


def make_event(owner: Any, *, campaign: Campaign | None = None, **fields: Any) -> MarketingEvent:
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "智能制造研讨会",
        "venue": "上海国际会展中心 B2",
        "starts_at": now + timedelta(days=1),
        "ends_at": now + timedelta(days=1, hours=4),
        "key": f"key-{MarketingEvent.objects.count() + 1}-abcdefgh",
        "description": "展位 B2-118",
        **fields,
    }
    return MarketingEvent.objects.create(campaign=campaign or show_campaign(owner), created_by=owner, **values)
