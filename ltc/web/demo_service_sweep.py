"""The demo's SLA sweep: run once over the demo cases (one opened days ago, past its due times), so
the demo shows a warning, a breach and its escalation to the service team's manager (马丽), with
their timeline entries and notifications. A case in progress is first made older, to just past its
resolution warning time (its opening and SLA times moved back together, as a case opened earlier
would have them), so a warning shows too."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from ltc.org.models import User
from ltc.service.models import Case
from ltc.service.services.sla_sweep import sla_sweep


def seed_sweep(users: dict[str, User]) -> None:
    now = timezone.now()
    warned = (
        Case.objects.filter(
            status="in_progress",
            resolution_sla="running",
            resolution_warn_at__gt=now,
            resolution_due__gt=F("resolution_warn_at") + timedelta(minutes=30),
        )
        .order_by("id")
        .first()
    )
    if warned is not None and warned.resolution_warn_at is not None:
        back = warned.resolution_warn_at - now + timedelta(minutes=5)
        moved = {
            name: F(name) - back
            for name in ("opened_at", "first_response_due", "response_warn_at", "resolution_due", "resolution_warn_at")
            if getattr(warned, name) is not None
        }
        Case.objects.filter(pk=warned.pk).update(**moved)
    sla_sweep(now=now)
