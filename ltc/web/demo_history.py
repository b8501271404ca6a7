"""The demo's past: the seeding works every record through the services in a few seconds, so each
stay in a step would last milliseconds and every move fall in this week. `backdate_history` gives
the seeded records the past a real company would have — the seeding's own clock, moved back: each
record's moves are spread over the last weeks, days to weeks apart, and everything the record
wrote (its timeline, its dates and times, an invoice's payments) moves with them, in order. The
step log is then rebuilt from that history (ltc/process/steps.py), so the map's figures are
measured, not made up.

Only times change, never a business date the pages and the checks read (an invoice's due date, a
payment's date) and never an order of events: a record's entries keep their sequence, and the
time between two of its moves grows from milliseconds to days.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ltc.billing.models import Allocation, Invoice
from ltc.contracts.models import Contract
from ltc.core.models import TimelineEvent
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity
from ltc.process.steps import position_history
from ltc.quotes.models import Quote

# How long a record of each kind stays in one position (days, low–high), and how recently its
# last move happened (days ago, at most): the past spans at most WINDOW, the figures' 12 weeks.
STAYS: dict[type[models.Model], tuple[float, float, float]] = {
    Lead: (1.5, 12.0, 70.0),
    Opportunity: (4.0, 21.0, 45.0),
    Quote: (2.0, 9.0, 30.0),
    Contract: (5.0, 20.0, 20.0),
    Invoice: (6.0, 25.0, 1.0),  # paid today: the demo's payments are dated today
}
WINDOW = timedelta(weeks=11)

Clock = Callable[[datetime], datetime]


def backdate_history(rng: random.Random, now: datetime) -> int:
    """Move the seeded records' pasts back (see the module); returns how many records moved."""
    moved = 0
    for model, (low, high, recent) in STAYS.items():
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        clocks = {pk: _clock(steps, rng, now, low, high, recent) for pk, steps in position_history(model, pks).items()}
        _rewrite(model, clocks)
        moved += len(clocks)
    return moved


def _clock(
    steps: list[tuple[datetime, str]], rng: random.Random, now: datetime, low: float, high: float, recent: float
) -> Clock:
    """The record's clock: its moves (the instants its position changed) spread `low`–`high` days
    apart, the last one at most `recent` days ago; between two moves time runs in proportion."""
    knots = [steps[0][0]]
    for (at, key), (_before, previous) in zip(steps[1:], steps, strict=False):
        if key != previous and at > knots[-1]:
            knots.append(at)
    stays = [timedelta(days=rng.uniform(low, high)) for _ in knots[1:]]
    total = sum(stays, timedelta())
    if total > WINDOW:
        stays = [stay * (WINDOW / total) for stay in stays]
        total = WINDOW
    last = now - timedelta(hours=2) - min(timedelta(days=rng.uniform(0, recent)), WINDOW - total)
    moved = [last - total]
    for stay in stays:
        moved.append(moved[-1] + stay)

    def clock(at: datetime) -> datetime:
        if at <= knots[0]:
            return moved[0] - (knots[0] - at)
        for i in range(1, len(knots)):
            if at <= knots[i]:
                share = (at - knots[i - 1]) / (knots[i] - knots[i - 1])
                return moved[i - 1] + (moved[i] - moved[i - 1]) * share
        return moved[-1] + (at - knots[-1])

    return clock


def _rewrite(model: type[models.Model], clocks: dict[int, Clock]) -> None:
    """Apply each record's clock to its times, its timeline and (an invoice) its allocations."""
    times = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
    records = list(model._default_manager.filter(pk__in=list(clocks)).only("pk", *times))
    for record in records:
        _shift(record, times, clocks[record.pk])
    model._default_manager.bulk_update(records, times, batch_size=500)
    content_type = ContentType.objects.get_for_model(model)
    # The timeline is append-only for the application; its seeding rewrites the times it wrote
    # seconds ago, once, before anyone reads them.
    events = list(
        TimelineEvent.objects.filter(content_type=content_type, object_id__in=list(clocks)).only(
            "pk", "object_id", "at"
        )
    )
    for event in events:
        event.at = clocks[event.object_id](event.at)
    TimelineEvent.objects.bulk_update(events, ["at"], batch_size=500)
    if model is Invoice:
        allocations = list(
            Allocation.objects.filter(invoice_id__in=list(clocks)).only("pk", "invoice_id", "created_at")
        )
        for allocation in allocations:
            allocation.created_at = clocks[allocation.invoice_id](allocation.created_at)
        Allocation.objects.bulk_update(allocations, ["created_at"], batch_size=500)


def _shift(record: Any, times: list[str], clock: Clock) -> None:
    for name in times:
        value = getattr(record, name)
        if value is not None:
            setattr(record, name, clock(value))
