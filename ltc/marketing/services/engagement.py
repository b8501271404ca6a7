"""Engagement scoring (互动度评分): how much a lead responds to marketing, from its touches.

Each touch earns its kind's weight, halved every ENGAGEMENT_HALF_LIFE_DAYS (settings
`LTC_ENGAGEMENT_HALF_LIFE_DAYS`, default 30) since it happened; the sum, clipped to 0–100, is the
lead's engagement, stored on the lead with its breakdown per kind (leads_engagement_set). It is
recomputed for the leads a batch of touches reached (a touch hook) and for every engaged lead by the
daily decay job. Both read touches as plain rows and write by one UPDATE per distinct result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from ltc.leads.models import Lead
from ltc.leads.services.engagement import MAX_ENGAGEMENT, leads_engagement_set
from ltc.marketing.models import Touch, TouchKind

# Points of one fresh touch of each kind (a hand-recorded touch is how a journey adjusts
# engagement); kinds not listed (imports) earn nothing.
WEIGHTS: dict[str, float] = {
    TouchKind.OPEN: 1.0,
    TouchKind.CLICK: 3.0,
    TouchKind.VISIT: 2.0,
    TouchKind.FORM: 10.0,
    TouchKind.REGISTRATION: 8.0,
    TouchKind.ATTENDANCE: 15.0,
    TouchKind.MANUAL: 5.0,
}
# Touches older than this many half-lives weigh under 0.1 % of their points: not read at all.
HORIZON_HALF_LIVES = 10
CHUNK = 2000
# The untranslated label of each kind: stored with the breakdown, translated where it is shown.
with translation.override(None):
    _LABELS = {str(kind): str(kind.label) for kind in TouchKind}


def half_life_days() -> float:
    days = float(getattr(settings, "LTC_ENGAGEMENT_HALF_LIFE_DAYS", 30))
    return days if days > 0 else 30.0


def engagement_of(
    touches: Iterable[tuple[str, datetime]], *, now: datetime, half_life: float
) -> tuple[int, list[dict[str, Any]]]:
    """The score of one lead's touches (kind, when) and its breakdown:
    [{"kind", "label", "count", "points"}] per kind that earned points, the largest first."""
    points: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for kind, at in touches:
        weight = WEIGHTS.get(kind)
        if weight is None:
            continue
        age_days = max(0.0, (now - at).total_seconds() / 86400)
        points[kind] += weight * 0.5 ** (age_days / half_life)
        counts[kind] += 1
    total = round(sum(points.values()))
    details = [
        {"kind": kind, "label": _LABELS.get(kind, kind), "count": counts[kind], "points": round(value, 1)}
        for kind, value in sorted(points.items(), key=lambda item: (-item[1], item[0]))
        if round(value, 1) > 0
    ]
    return max(0, min(MAX_ENGAGEMENT, total)), details


def leads_engagement_compute(lead_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recompute the engagement of these leads from their touches and store it (leads without a
    scoring touch in the horizon go back to 0). Returns how many leads were written."""
    now = now or timezone.now()
    half_life = half_life_days()
    since = now - timedelta(days=half_life * HORIZON_HALF_LIVES)
    ids = sorted(set(lead_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        by_lead: dict[int, list[tuple[str, datetime]]] = {pk: [] for pk in part}
        rows = Touch.objects.filter(
            lead_id__in=part, kind__in=list(WEIGHTS), occurred_at__gte=since, occurred_at__lte=now
        ).values_list("lead_id", "kind", "occurred_at")
        for lead_id, kind, at in rows.iterator(chunk_size=5000):
            by_lead[lead_id].append((kind, at))
        values = {pk: engagement_of(touches, now=now, half_life=half_life) for pk, touches in by_lead.items()}
        written += leads_engagement_set(values)
    return written


def engagement_decay_all(*, now: datetime | None = None) -> int:
    """The daily run: every lead with a touch inside the horizon, and every lead still showing an
    engagement (whose touches have aged out), recomputed as of `now`."""
    now = now or timezone.now()
    since = now - timedelta(days=half_life_days() * HORIZON_HALF_LIVES)
    touched = Touch.objects.filter(lead__isnull=False, kind__in=list(WEIGHTS), occurred_at__gte=since)
    ids = set(touched.values_list("lead_id", flat=True).distinct())
    ids.update(Lead.objects.filter(engagement__gt=0).values_list("pk", flat=True))
    return leads_engagement_compute(ids, now=now)


def engagement_on_touches(touches: list[Touch]) -> None:
    """The touch hook: the leads these new touches reached get their engagement now."""
    lead_ids = {t.lead_id for t in touches if t.lead_id is not None and t.kind in WEIGHTS}
    if lead_ids:
        leads_engagement_compute(lead_ids)
