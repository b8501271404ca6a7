"""The step log: where each record of the value stream stood in the process map, and when.

A record stands in a node while its status (or its deal stage) is bound to the node by a
position binding (`POSITION_KINDS`). `step_sync` keeps the log up to date when a record moves
(called by the reactions to the stages' events, ltc/process/reactions.py); `step_visits_rebuild`
rebuilds the whole log from the records' timelines (an existing installation, the demo).

An invoice stands where its status says, except that an issued invoice with nothing open (settled
by payments, credit notes or both) stands at `PAID` — a position of its own, bound to no step in the
shipped map, so a settled invoice leaves 管理开票和回款; a credit note awaits no payment and stands
nowhere.

Every write is set-based: syncing a chunk of records costs the same few queries as syncing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from ltc.billing.choices import InvoiceKind, InvoiceState, InvoiceStatus
from ltc.billing.models import Allocation, Invoice
from ltc.contracts.models import Contract
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity, Stage
from ltc.process.models import POSITION_KINDS, BindingKind, ProcessBinding, StepVisit
from ltc.quotes.models import Quote

REBUILD_CHUNK = 2000

Visit = tuple[int, int, datetime, datetime | None, int | None]  # pk, node, entered, left, next node


class InvoicePosition(models.TextChoices):
    """Where an invoice may stand, the keys of invoice position bindings: its status, or paid —
    issued with nothing open."""

    DRAFT = InvoiceStatus.DRAFT.value, InvoiceStatus.DRAFT.label
    ISSUED = InvoiceStatus.ISSUED.value, InvoiceStatus.ISSUED.label
    PAID = InvoiceState.PAID.value, InvoiceState.PAID.label
    CANCELLED = InvoiceStatus.CANCELLED.value, InvoiceStatus.CANCELLED.label


PAID = InvoicePosition.PAID.value


def invoice_position(*, status: str, kind: str, open_amount: Decimal) -> str:
    """The invoice position key of an invoice: its status, `PAID` for an issued invoice with
    nothing open, "" (nowhere) for a credit note."""
    if kind == InvoiceKind.CREDIT_NOTE:
        return ""
    if status == InvoiceStatus.ISSUED and open_amount <= 0:
        return PAID
    return str(status)


@dataclass(frozen=True)
class Tracked:
    """A kind of record whose position the log follows: the field that says where it stands
    (`attname`, as stored), the name its timeline records changes of it under, and the further
    fields its position reads (`reads`: an invoice's kind and balance)."""

    model: type[models.Model]
    kind: str
    attname: str
    timeline_field: str
    reads: tuple[str, ...] = ()

    @property
    def fields(self) -> list[str]:
        return [self.attname, *self.reads]

    def key(self, values: dict[str, Any]) -> str:
        """The position key (a binding's key) of a record whose `fields` hold `values`."""
        if self.model is Invoice:
            return invoice_position(
                status=values["status"], kind=values["kind"], open_amount=Decimal(values["open_amount"])
            )
        return str(values[self.attname])


TRACKED: tuple[Tracked, ...] = (
    Tracked(Lead, BindingKind.LEAD_STATUS, "status", "status"),
    Tracked(Opportunity, BindingKind.STAGE, "stage_id", "stage"),
    Tracked(Quote, BindingKind.QUOTE_STATUS, "status", "status"),
    Tracked(Contract, BindingKind.CONTRACT_STATUS, "status", "status"),
    Tracked(Invoice, BindingKind.INVOICE_STATUS, "status", "status", ("kind", "open_amount")),
)


def tracked_for(model: type[models.Model]) -> Tracked:
    return next(t for t in TRACKED if t.model is model)


def position_key(record: models.Model) -> str:
    """Where the record stands: the key a position binding of its kind names."""
    tracked = tracked_for(type(record))
    return tracked.key({name: getattr(record, name) for name in tracked.fields})


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
    steps_sync(tracked_for(type(record)), {record.pk: position_key(record)}, at=at)


def steps_sync_ids(model: type[models.Model], ids: Iterable[int], at: datetime | None = None) -> None:
    """`step_sync` for many records of one model, read in one query (the bulk paths)."""
    tracked = tracked_for(model)
    ids = list(ids)
    if not ids:
        return
    rows = model._default_manager.filter(pk__in=ids).values("pk", *tracked.fields)
    steps_sync(tracked, {row["pk"]: tracked.key(row) for row in rows}, at=at)


def steps_sync(tracked: Tracked, where: dict[int, str], *, at: datetime | None = None) -> None:
    """Sync the records `where` maps (pk → position key: status, stage id ...) in four queries
    whatever their number (the bindings, the open visits, one update, one insert)."""
    if not where:
        return
    at = at or timezone.now()
    bound = positions()
    target = {pk: bound.get((tracked.kind, key)) for pk, key in where.items()}
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
    """Rebuild the whole step log from the records' history: each record stood in its first
    position from its creation, then in each new value its timeline records for the position's
    field (status, or the deal's stage by name within its pipeline) from that change on; an
    invoice moves when it was issued and cancelled and whenever a payment, a reversal or a credit
    note changed its open balance. A change the timeline does not record (a status set without a
    timeline entry) is caught at the end: a record whose replayed position differs from where it
    stands now moves there at its last update. Returns how many visits were written.

    The log is rewritten in chunks of `REBUILD_CHUNK` records of one kind, each in its own
    transaction that locks the chunk's records (select_for_update, on PostgreSQL) while their
    visits are replaced: a live move of one of them — its service locks the record too — waits
    for the chunk and then syncs on top of the rebuilt log, or came before and is read by it. The
    rest of the installation keeps moving meanwhile; no lock is held for the whole rebuild."""
    bound = positions()
    written = 0
    for tracked in TRACKED:
        content_type = ContentType.objects.get_for_model(tracked.model)
        last = 0
        while True:
            with transaction.atomic():
                chunk = _locked_chunk(tracked, after=last)
                upto = chunk[-1]["pk"] if chunk else None
                # The visits of the chunk's range go, those of records no longer there included.
                gone = StepVisit.objects.filter(content_type=content_type, object_id__gt=last)
                (gone.filter(object_id__lte=upto) if upto is not None else gone).delete()
                if not chunk:
                    break
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
            last = chunk[-1]["pk"]
    return written


def _locked_chunk(tracked: Tracked, *, after: int) -> list[dict[str, Any]]:
    """The next `REBUILD_CHUNK` records of the kind after pk `after`, locked until the end of the
    transaction (select_for_update is a no-op where the database has no row locks: SQLite)."""
    records = tracked.model._default_manager.filter(pk__gt=after).order_by("pk")
    return list(records.select_for_update().values(*_replayed_fields(tracked))[:REBUILD_CHUNK])


def _replayed_fields(tracked: Tracked) -> list[str]:
    fields = ["pk", "created_at", "updated_at", *tracked.fields]
    if tracked.model is Opportunity:
        fields.append("pipeline_id")
    if tracked.model is Invoice:
        fields += ["total", "issued_at", "cancelled_at"]
    return fields


def position_history(model: type[models.Model], pks: Iterable[int]) -> dict[int, list[tuple[datetime, str]]]:
    """pk → (at, position key) of each record from its creation on, as the rebuild replays it
    (the demo's seeding reads it to spread the records' moves over the past weeks)."""
    tracked = tracked_for(model)
    content_type = ContentType.objects.get_for_model(model)
    chunk = list(model._default_manager.filter(pk__in=list(pks)).order_by("pk").values(*_replayed_fields(tracked)))
    return _history(tracked, content_type, chunk) if chunk else {}


def _replay(
    tracked: Tracked, content_type: ContentType, chunk: list[dict[str, Any]], bound: dict[tuple[str, str], int]
) -> Iterator[Visit]:
    """(pk, node id, entered at, left at, next node id) of each visit of the chunk's records, in order."""
    for pk, steps in _history(tracked, content_type, chunk).items():
        yield from _visits(pk, [(at, bound.get((tracked.kind, key))) for at, key in steps])


def _history(
    tracked: Tracked, content_type: ContentType, chunk: list[dict[str, Any]]
) -> dict[int, list[tuple[datetime, str]]]:
    invoices = tracked.model is Invoice
    history = _invoice_history(chunk) if invoices else _timeline_history(tracked, content_type, chunk)
    for row in chunk:
        steps = history[row["pk"]]
        current = tracked.key(row)
        if steps[-1][1] != current:
            steps.append((max(row["updated_at"], steps[-1][0]), current))
    return history


def _timeline_history(
    tracked: Tracked, content_type: ContentType, chunk: list[dict[str, Any]]
) -> dict[int, list[tuple[datetime, str]]]:
    """pk → (at, position key) of each record of the chunk from its creation, by its timeline."""
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
    history = {}
    for row in chunk:
        moves = changes.get(row["pk"], [])

        def key(value: str, row: dict[str, Any] = row) -> str:
            if tracked.model is Opportunity:  # the timeline names the stage; the binding holds its id
                return str(stage_ids.get((row["pipeline_id"], value), ""))
            return value

        first = key(moves[0][1]) if moves else str(row[tracked.attname])
        history[row["pk"]] = [(row["created_at"], first), *((at, key(new)) for at, _old, new in moves)]
    return history


def _invoice_history(chunk: list[dict[str, Any]]) -> dict[int, list[tuple[datetime, str]]]:
    """pk → (at, position key) of each invoice of the chunk: a draft from its creation, issued and
    cancelled when it was, and paid while the allocations (payments and their reversals) and the
    credit notes booked on it by then leave nothing open (two queries for the chunk)."""
    pks = [row["pk"] for row in chunk]
    booked: dict[int, list[tuple[datetime, Decimal]]] = {pk: [] for pk in pks}
    for invoice_id, at, value in Allocation.objects.filter(invoice_id__in=pks).values_list(
        "invoice_id", "created_at", "amount"
    ):
        booked[invoice_id].append((at, value))
    credit_notes = Invoice.objects.filter(
        credited_invoice_id__in=pks, kind=InvoiceKind.CREDIT_NOTE, status=InvoiceStatus.ISSUED
    ).values_list("credited_invoice_id", "issued_at", "created_at", "total")
    for invoice_id, issued_at, created_at, value in credit_notes:
        booked[invoice_id].append((issued_at or created_at, value))
    history = {}
    for row in chunk:
        if row["kind"] == InvoiceKind.CREDIT_NOTE:
            history[row["pk"]] = [(row["created_at"], "")]
            continue
        # A cancelled invoice had nothing booked but the credit note that cancelled it, in the
        # same transaction: it went from issued to cancelled, never through paid.
        cancelled = row["cancelled_at"] is not None
        facts: list[tuple[datetime, str | None, Decimal]] = (
            [] if cancelled else [(at, None, value) for at, value in booked[row["pk"]]]
        )
        if row["issued_at"] is not None:
            facts.append((row["issued_at"], InvoiceStatus.ISSUED, Decimal(0)))
        if cancelled:
            facts.append((row["cancelled_at"], InvoiceStatus.CANCELLED, Decimal(0)))
        status, open_amount = str(InvoiceStatus.DRAFT), Decimal(row["total"])
        steps = [(row["created_at"], str(status))]
        for at, new_status, value in sorted(facts, key=lambda fact: (fact[0], fact[1] is None)):
            status = new_status or status
            open_amount -= value
            steps.append((at, invoice_position(status=status, kind=row["kind"], open_amount=open_amount)))
        history[row["pk"]] = steps
    return history


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
