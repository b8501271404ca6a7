"""Case page helpers: the SLA badge of a case (the clock that matters now, its state and due time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from ltc.service.models.cases import Case, CaseStatus, SlaState

register = template.Library()

# How bad each state is: the badge shows the worse of the two clocks.
SEVERITY: dict[str, int] = {
    SlaState.BREACHED: 5,
    SlaState.MISSED: 4,
    SlaState.WARNING: 3,
    SlaState.RUNNING: 2,
    SlaState.MET: 1,
    SlaState.NONE: 0,
}
COLOURS: dict[str, str] = {
    SlaState.BREACHED: "red",
    SlaState.MISSED: "orange",
    SlaState.WARNING: "yellow",
    SlaState.RUNNING: "blue",
    SlaState.MET: "green",
    SlaState.NONE: "secondary",
}


def sla_clock(case: Case) -> tuple[str, datetime | None, str]:
    """(state, due time, clock "response"/"resolution") of the clock the badge shows: the first
    response while it runs unanswered, else the resolution, unless the response clock is worse."""
    response = (case.response_sla or SlaState.NONE, case.first_response_due, "response")
    resolution = (case.resolution_sla or SlaState.NONE, case.resolution_due, "resolution")
    if SEVERITY.get(response[0], 0) > SEVERITY.get(resolution[0], 0):
        return response
    return resolution


@register.inclusion_tag("service/case_sla_badge.html")
def case_sla_badge(case: Case) -> dict[str, Any]:
    state, due, clock = sla_clock(case)
    labels = dict(SlaState.choices)
    return {
        "state": state,
        "label": labels.get(state, state),
        "colour": COLOURS.get(state, "secondary"),
        "due": due if state in (SlaState.RUNNING, SlaState.WARNING, SlaState.BREACHED) else None,
        "clock": clock,
        "paused": case.status == CaseStatus.WAITING,
    }
