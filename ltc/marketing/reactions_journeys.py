"""Journeys' reactions: a lead created enters the journeys that start on it (in the creating
transaction, set-based for an import's leads), and a response to a campaign enters the journeys
that start on it (a touch hook)."""

from __future__ import annotations

from typing import Any

from ltc.core.events import IN_TRANSACTION, react
from ltc.leads.events import LeadCreated


def _created(event: Any) -> None:
    from ltc.marketing.services.journeys import leads_created_enrol

    leads_created_enrol([event])


def _created_many(events: list[Any]) -> None:
    from ltc.marketing.services.journeys import leads_created_enrol

    leads_created_enrol(events)


def register() -> None:
    from ltc.marketing.services.journeys import touches_enrol
    from ltc.marketing.services.touches import on_touches

    react(LeadCreated, _created, runs=IN_TRANSACTION, many=_created_many)
    on_touches(touches_enrol)
