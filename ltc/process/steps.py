"""The step log: where each record of the value stream stood in the process map, and when.

A record stands in a node while its status (or its deal stage) is bound to the node by a
position binding (`POSITION_KINDS`). `step_sync` keeps the log up to date when a record moves
(called by the reactions to the stages' events, ltc/process/reactions.py); `step_visits_rebuild`
rebuilds the whole log from the records' timelines (an existing installation, the demo).

Every write is set-based: syncing a chunk of records costs the same few queries as syncing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from ltc.billing.models import Invoice
from ltc.contracts.models import Contract
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity, Stage
from ltc.process.models import POSITION_KINDS, BindingKind, ProcessBinding, StepVisit
from ltc.quotes.models import Quote

REBUILD_CHUNK = 2000

Visit = tuple[int, int, datetime, datetime | None, int | None]  # pk, node, entered, left, next node


@dataclass(frozen=True)
class Tracked:
    """A kind of record whose position the log follows: the field that says where it stands
    (`attname`, as stored) and the name its timeline records changes of it under."""

    model: type[models.Model]
    kind: str
    attname: str
    timeline_field: str


TRACKED: tuple[Tracked, ...] = (
    Tracked(Lead, BindingKind.LEAD_STATUS, "status", "status"),
    Tracked(Opportunity, BindingKind.STAGE, "stage_id", "stage"),
    Tracked(Quote, BindingKind.QUOTE_STATUS, "status", "status"),
    Tracked(Contract, BindingKind.CONTRACT_STATUS, "status", "status"),
    Tracked(Invoice, BindingKind.INVOICE_STATUS, "status", "status"),
)


def tracked_for(model: type[models.Model]) -> Tracked:
    return next(t for t in TRACKED if t.model is model)


def positions() -> dict[tuple[str, str], int]:
    """(binding kind, key) → node id of every position binding of an active node (one query)."""
    rows = ProcessBinding.objects.filter(kind__in=POSITION_KINDS, node__active=True).values_list(
        "kind", "key", "node_id"
    )
    return {(kind, key): node_id for kind, key, node_id in rows}


def step_sync(record: models.Model, at: datetime | None = None) -> None:
    """Bring the record's step log up to where it stands now: when its node changed, close its open
    visit (left_at, seconds, next_node: the new node or None) and open one at the new node. A record in no bound state keeps no open
    visit; a record still in the same node keeps its visit."""
    tracked = tracked_for(type(record))
    steps_sync(tracked, {record.pk: getattr(record, tracked.attname)}, at=at)


def steps_sync_ids(model: type[models.Model], ids: Iterable[int], at: datetime | None = None) -> None:
    """`step_sync` for many records of one model, read in one query (the bulk paths)."""
    tracked = tracked_for(model)
    ids = list(ids)
    if not ids:
        return
    where = dict(model._default_manager.filter(pk__in=ids).values_list("pk", tracked.attname))
    steps_sync(tracked, where, at=at)


def steps_sync(tracked: Tracked, where: dict[int, Any], *, at: datetime | None = None) -> None:
    """Sync the records `where` maps (pk → status or stage id) in four queries whatever their number
    (the bindings, the open visits, one update, one insert)."""
    if not where:
        return
    at = at or timezone.now()
    bound = positions()
    target = {pk: bound.get((tracked.kind, str(value))) for pk, value in where.items()}
    content_type = ContentType.objects.get_for_model(tracked.model)
    with transaction.atomic(savepoint=False):  # inside the mover's transaction: no savepoint to pay
        open_visits = StepVisit.objects.filter(
            content_type=content_type, object_id__in=list(where), left_at__isnull=True
        ).select_for_update()
        closing: list[StepVisit] = []
        staying: set[int] = set()
        for visit in open_visits:
            if target[visit.object_id] == visit.node_id:
                staying.add(visit.object_id)
                continue
            visit.left_at = max(at, visit.entered_at)
            visit.seconds = int((visit.left_at - visit.entered_at).total_seconds())
            visit.next_node_id = target[visit.object_id]
            closing.append(visit)
        if closing:
            StepVisit.objects.bulk_update(closing, ["left_at", "seconds", "next_node"])
        opening = [
            StepVisit(node_id=node_id, content_type=content_type, object_id=pk, entered_at=at)
            for pk, node_id in target.items()
            if node_id is not None and pk not in staying
        ]
        if opening:
            StepVisit.objects.bulk_create(opening)


# --- rebuilding the log from the timelines ------------------------------------------------------


def step_visits_rebuild() -> int:
    """Rebuild the whole step log from the records' timelines: each record stood in its first
    position from its creation, then in each new value its timeline records for the position's
    field (status, or the deal's stage by name within its pipeline) from that change on. Replaces
    the log in one transaction; returns how many visits were written. A change the timeline does
    not record (a status set without a timeline entry) is caught at the end: a record whose
    replayed position differs from where it stands now moves there at its last update."""
    bound = positions()
    written = 0
    with transaction.atomic():
        StepVisit.objects.all().delete()
        for tracked in TRACKED:
            content_type = ContentType.objects.get_for_model(tracked.model)
            for chunk in _record_chunks(tracked):
                visits = [
                    StepVisit(
                        node_id=node_id,
                        content_type=content_type,
                        object_id=pk,
                        entered_at=entered,
                        left_at=left,
                        seconds=None if left is None else int((left - entered).total_seconds()),
                        next_node_id=next_node_id,
                    )
                    for pk, node_id, entered, left, next_node_id in _replay(tracked, content_type, chunk, bound)
                ]
                StepVisit.objects.bulk_create(visits, batch_size=REBUILD_CHUNK)
                written += len(visits)
    return written


def _record_chunks(tracked: Tracked) -> Iterator[list[dict[str, Any]]]:
    fields = ["pk", "created_at", "updated_at", tracked.attname]
    if tracked.model is Opportunity:
        fields.append("pipeline_id")
    last = 0
    base = tracked.model._default_manager.order_by("pk").values(*fields)
    while chunk := list(base.filter(pk__gt=last)[:REBUILD_CHUNK]):
        last = chunk[-1]["pk"]
        yield chunk


def _replay(
    tracked: Tracked, content_type: ContentType, chunk: list[dict[str, Any]], bound: dict[tuple[str, str], int]
) -> Iterator[Visit]:
    """(pk, node id, entered at, left at, next node id) of each visit of the chunk's records, in order."""
    changes: dict[int, list[tuple[datetime, str, str]]] = {}
    events = (
        TimelineEvent.objects.filter(
            content_type=content_type, kind=TimelineKind.CHANGED, object_id__in=[row["pk"] for row in chunk]
        )
        .order_by("object_id", "at", "id")
        .values_list("object_id", "at", "changes")
    )
    for object_id, at, changed in events:
        for change in changed or ():
            if change.get("field") == tracked.timeline_field:
                changes.setdefault(object_id, []).append((at, change.get("old", ""), change.get("new", "")))
    stage_ids = _stage_ids(chunk) if tracked.model is Opportunity else {}
    for row in chunk:
        history = changes.get(row["pk"], [])
        current = str(row[tracked.attname])

        def key(value: str, row: dict[str, Any] = row) -> str:
            if tracked.model is Opportunity:  # the timeline names the stage; the binding holds its id
                return str(stage_ids.get((row["pipeline_id"], value), ""))
            return value

        steps = [(row["created_at"], key(history[0][1]) if history else current)]
        steps += [(at, key(new)) for at, _old, new in history]
        if steps[-1][1] != current:
            steps.append((max(row["updated_at"], steps[-1][0]), current))
        yield from _visits(row["pk"], [(at, bound.get((tracked.kind, value))) for at, value in steps])


def _visits(pk: int, steps: list[tuple[datetime, int | None]]) -> Iterator[Visit]:
    """The visits of one record from its positions in time (consecutive equal nodes are one visit),
    each with the node the record went to when it left (None: still there, or no node)."""
    node: int | None = None
    entered: datetime | None = None
    for at, next_node in steps:
        if next_node == node:
            continue
        if node is not None and entered is not None:
            yield pk, node, entered, max(at, entered), next_node
        node, entered = next_node, at
    if node is not None and entered is not None:
        yield pk, node, entered, None, None


def _stage_ids(chunk: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    pipelines = {row["pipeline_id"] for row in chunk}
    rows = Stage.objects.filter(pipeline_id__in=pipelines).values_list("pipeline_id", "name", "pk")
    return {(pipeline_id, name): pk for pipeline_id, name, pk in rows}
