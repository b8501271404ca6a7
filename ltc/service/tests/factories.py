"""Test helpers for service records: a calendar, a policy with targets, an entitlement and cases
built with the models (fast), or `make_case(...)` through the real `case_create`."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from ltc.service.models import (
    BusinessCalendar,
    Case,
    CaseStatus,
    Entitlement,
    SlaPolicy,
    SlaTarget,
    SupportLevel,
)

# first response / resolution business minutes per priority of the test policy
TARGETS = {"p1": (60, 240), "p2": (240, 960), "p3": (480, 2400), "p4": (960, 4800)}


def make_calendar(*, name: str = "Test calendar", default: bool = True) -> BusinessCalendar:
    """A 09:00–18:00 Monday-to-Friday calendar without holidays (the default one unless told)."""
    found = BusinessCalendar.objects.filter(name=name).first()
    return found or BusinessCalendar.objects.create(
        name=name, day_starts=time(9, 0), day_ends=time(18, 0), is_default=default
    )


def make_policy(
    *, name: str = "Test policy", calendar: BusinessCalendar | None = None, warn_at_pct: int = 80, targets: Any = None
) -> SlaPolicy:
    policy = SlaPolicy.objects.create(name=name, calendar=calendar or make_calendar(), warn_at_pct=warn_at_pct)
    for priority, (first, resolution) in (targets or TARGETS).items():
        SlaTarget.objects.create(
            policy=policy, priority=priority, first_response_minutes=first, resolution_minutes=resolution
        )
    return policy


def make_entitlement(
    account: Any, *, policy: SlaPolicy | None = None, level: str = SupportLevel.PREMIUM
) -> Entitlement:
    today = timezone.localdate()
    return Entitlement.objects.create(
        account=account,
        name=f"Support {account.pk}",
        level=level,
        policy=policy or make_policy(),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
    )


def make_case(
    account: Any,
    *,
    actor: Any = None,
    subject: str = "Printer jams",
    description: str = "It jams on every page.",
    status: str = CaseStatus.NEW,
    owner: Any = None,
    **kwargs: Any,
) -> Case:
    """A case opened through `case_create` (numbered, timed, routed), then given `owner` and
    moved straight to `status` in the database when asked (no timeline: a fixture)."""
    from ltc.service.services.cases import case_create

    case = case_create(actor=actor, account=account, subject=subject, description=description, **kwargs)
    changes: dict[str, Any] = {}
    if owner is not None:
        changes.update(owner=owner, team_id=owner.team_id)
    if status != CaseStatus.NEW:
        changes["status"] = status
        if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            changes["resolved_at"] = timezone.now()
    if changes:
        Case.objects.filter(pk=case.pk).update(**changes)
        case.refresh_from_db()
    return case


def monday(hour: int = 10, minute: int = 0, *, weeks_ago: int = 0) -> Any:
    """A Monday (in the installation's time zone) at hour:minute, `weeks_ago` weeks back from a
    fixed week (2026-03-02 is a Monday without holidays around it)."""
    day = date(2026, 3, 2) - timedelta(weeks=weeks_ago)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, minute))
