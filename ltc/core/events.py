"""The event catalogue: every fact a stage of the value stream announces, as a typed event.

Each stage declares its events in `<app>/events.py`: a frozen dataclass subclassing `Event`, with
its `kind` ("contract.signed"), a `schema_version`, the model it is about (`subject_model`), the
service that emits it (`emitted_by`), a docstring saying what happened and when, and typed payload
fields (ids as int, money as Decimal, dates, short strings). Defining the class registers it in
the catalogue (`catalogue()`); `ltc events` prints the catalogue as the table in
docs/architecture.md.

A service emits inside its transaction, so an event exists exactly when its change was committed:

    emit(ContractSigned(subject_id=contract.pk, number=contract.number, total=contract.total))

`emit` writes the event to the outbox (`IntegrationEvent`, read by /api/v1/events and webhooks)
with its schema version. A later stage follows an earlier one's event without the earlier stage
importing it (DESIGN.md §2: imports flow upstream only): it registers a reaction from its
AppConfig.ready with `react(EventClass, fn, runs=...)`, saying how the reaction runs:

- `IN_TRANSACTION`: called inside `emit`, in the emitter's transaction — a consequence that must
  commit with the action (billing plans the schedule of a signed contract). A failure rolls the
  action back with it, on purpose.
- `AFTER_COMMIT`: a delivery row is written with the event (an outbox of reaction deliveries);
  after the commit the worker (`deliver_reactions`) calls the reaction with the event read back
  from the outbox. A failure is logged, kept with its error and retried later (`recover_jobs`
  queues what is pending); it never undoes the action. The reaction's own writes and the mark
  "done" commit together, so a delivery is done once; only an outside effect (a message sent)
  can repeat when a worker dies in between.

Bulk paths (an import's chunk) use `emit_many`: one set-based insert of outbox rows per chunk.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import types
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, Self, TypeVar, Union, get_args, get_origin, get_type_hints

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import module_has_submodule

from ltc.core import search
from ltc.core.bulk import bulk_insert, next_ids
from ltc.core.models import IntegrationEvent, ReactionDelivery

log = logging.getLogger(__name__)

Runs = Literal["in_transaction", "after_commit"]
IN_TRANSACTION: Literal["in_transaction"] = "in_transaction"
AFTER_COMMIT: Literal["after_commit"] = "after_commit"

# A delivery that failed this often is left for a person to look at (the admin lists it).
MAX_ATTEMPTS = 10

_CATALOGUE: dict[str, type[Event]] = {}
_DISCOVERED = False


@dataclass(frozen=True)
class Event:
    """A fact of the value stream about one record (`subject_model` #`subject_id`)."""

    kind: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1
    subject_model: ClassVar[str] = ""  # app_label.model, as Model._meta.label_lower
    emitted_by: ClassVar[str] = ""  # the service(s) that emit it, for the catalogue

    subject_id: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" not in cls.__dict__:
            return  # an intermediate base, not an event of the catalogue
        # Read before @dataclass runs: it invents a docstring for a class without one.
        doc = (cls.__dict__.get("__doc__") or "").strip()
        problems = [
            what
            for what, missing in (
                ("a docstring", not doc),
                ("a subject_model", not cls.subject_model),
                ("emitted_by", not cls.emitted_by),
                (
                    "a schema_version of at least 1",
                    not (isinstance(cls.schema_version, int) and cls.schema_version >= 1),
                ),
            )
            if missing
        ]
        if problems:
            raise TypeError(f"event {cls.__qualname__} ({cls.kind}) needs {', '.join(problems)}")
        known = _CATALOGUE.get(cls.kind)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"event kind {cls.kind} is declared twice: {known.__qualname__} and {cls.__qualname__}")
        _CATALOGUE[cls.kind] = cls

    def payload(self) -> dict[str, Any]:
        """The payload as written to the outbox (JSON: Decimals and dates as strings)."""
        values = {name: _plain(getattr(self, name)) for name in _payload_names(type(self))}
        if all(type(v) in _SCALARS or isinstance(v, str) for v in values.values()):
            # Flat events (most of them; bulk paths emit tens of thousands): what the JSON round
            # trip gives, value by value (a str subclass — a choice — as its plain string).
            return {k: _flat(v) for k, v in values.items()}
        loaded: dict[str, Any] = json.loads(_ENCODER.encode(values))
        return loaded

    @classmethod
    def from_outbox(cls, row: IntegrationEvent) -> Self:
        """The event read back from its outbox row (typed again: Decimals, dates)."""
        hints = get_type_hints(cls)
        values = {
            f.name: _decode(hints[f.name], row.payload.get(f.name))
            for f in dataclasses.fields(cls)
            if f.name != "subject_id" and (f.name in row.payload or _required(f))
        }
        return cls(subject_id=row.subject_id, **values)


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


_NAMES: dict[type, tuple[str, ...]] = {}


def _payload_names(cls: type[Event]) -> tuple[str, ...]:
    """The payload's fields of an event class (every field but the subject), read once."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name != "subject_id")
    return names


_ENCODER = DjangoJSONEncoder()
_JSON_SCALARS = frozenset({str, int, bool, type(None)})
# Values DjangoJSONEncoder.default turns into one JSON string each (floats stay in the round trip).
_SCALARS = _JSON_SCALARS | {datetime, date, Decimal}


def _flat(value: Any) -> Any:
    if type(value) in _JSON_SCALARS:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    return _ENCODER.default(value)


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _decode(hint: Any, value: Any) -> Any:
    """A JSON value back in the type the event declares."""
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _decode(next(arg for arg in get_args(hint) if arg is not type(None)), value)
    if origin in (tuple, list):
        inner = get_args(hint)[0]
        return tuple(_decode(inner, item) for item in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        return hint(**{f.name: _decode(hints[f.name], value.get(f.name)) for f in dataclasses.fields(hint)})
    if hint is Decimal:
        return Decimal(str(value))
    if hint is datetime:
        return parse_datetime(value)
    if hint is date:
        return date.fromisoformat(value)
    return value


E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Reaction:
    """What a later stage does when an event is emitted, and how it runs."""

    event: type[Event]
    fn: Callable[[Any], None]
    runs: Runs
    # An in-transaction reaction may also take a bulk path's events at once (`emit_many`).
    many: Callable[[list[Any]], None] | None = None

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


_REACTIONS: defaultdict[type[Event], list[Reaction]] = defaultdict(list)


def react(
    event: type[E], fn: Callable[[E], None], *, runs: Runs, many: Callable[[list[E]], None] | None = None
) -> None:
    """Call `fn(event)` whenever an `event` is emitted, IN_TRANSACTION or AFTER_COMMIT (registered
    once per process, from the reacting stage's AppConfig.ready). An IN_TRANSACTION reaction may
    give `many(events)`, called once with all of an `emit_many`'s events of the kind (a bulk path
    stays set-based) instead of `fn` per event."""
    if runs not in (IN_TRANSACTION, AFTER_COMMIT):
        raise ValueError(f"a reaction runs {IN_TRANSACTION} or {AFTER_COMMIT}, not {runs!r}")
    if many is not None and runs != IN_TRANSACTION:
        raise ValueError(f"only an {IN_TRANSACTION} reaction takes many events at once")
    reaction = Reaction(event, fn, runs, many)
    if reaction not in _REACTIONS[event]:
        _REACTIONS[event].append(reaction)


def unreact(event: type[Event], fn: Callable[[Any], None]) -> None:
    """Forget a reaction (tests that register one for a while)."""
    _REACTIONS[event] = [r for r in _REACTIONS[event] if r.fn is not fn]


def reactions_to(event: type[Event]) -> list[Reaction]:
    return list(_REACTIONS.get(event, ()))


def reaction_named(name: str) -> Reaction | None:
    return next((r for reactions in _REACTIONS.values() for r in reactions if r.name == name), None)


def emit(event: Event) -> IntegrationEvent:
    """Write `event` to the outbox, queue its after-commit reactions and run its in-transaction
    ones; call it inside the service's transaction.atomic(). A failing in-transaction reaction
    raises, and the caller's transaction rolls the change back with the event."""
    row = IntegrationEvent.objects.create(
        kind=event.kind,
        schema_version=event.schema_version,
        subject_type=event.subject_model,
        subject_id=event.subject_id,
        payload=event.payload(),
    )
    # The search index follows every announced record after the commit (core.search).
    search.mark_label(event.subject_model, [event.subject_id])
    reactions = reactions_to(type(event))
    later = [r for r in reactions if r.runs == AFTER_COMMIT]
    if later:
        ReactionDelivery.objects.bulk_create(ReactionDelivery(event=row, reaction=r.name) for r in later)
        _queue_delivery()
    for reaction in reactions:
        if reaction.runs == IN_TRANSACTION:
            reaction.fn(event)
    return row


OUTBOX_FIELDS = ("id", "kind", "schema_version", "subject_type", "subject_id", "payload", "created_at")


def emit_many(events: Sequence[Event]) -> int:
    """Emit many events at once (bulk paths: a chunk of an import): one set-based insert of outbox
    rows (and of delivery rows), in-transaction reactions called per event; inside the caller's
    transaction.atomic(), like `emit`. Returns how many."""
    if not events:
        return 0
    ids = next_ids(IntegrationEvent, len(events))  # the deliveries refer to them
    subjects: dict[str, list[int]] = defaultdict(list)
    for e in events:
        subjects[e.subject_model].append(e.subject_id)
    for label, subject_ids in subjects.items():
        search.mark_label(label, subject_ids)
    now = timezone.now()
    bulk_insert(
        IntegrationEvent,
        OUTBOX_FIELDS,
        (
            (pk, e.kind, e.schema_version, e.subject_model, e.subject_id, e.payload(), now)
            for pk, e in zip(ids, events, strict=True)
        ),
    )
    deliveries = [
        (pk, r.name, now, 0, "")
        for pk, e in zip(ids, events, strict=True)
        for r in reactions_to(type(e))
        if r.runs == AFTER_COMMIT
    ]
    if deliveries:
        bulk_insert(ReactionDelivery, ("event_id", "reaction", "created_at", "attempts", "last_error"), deliveries)
        _queue_delivery()
    batches: dict[Callable[[list[Any]], None], list[Event]] = {}
    for e in events:
        for reaction in reactions_to(type(e)):
            if reaction.runs != IN_TRANSACTION:
                continue
            if reaction.many is None:
                reaction.fn(e)
            else:
                batches.setdefault(reaction.many, []).append(e)
    for many, batch in batches.items():
        many(batch)
    return len(events)


def _queue_delivery() -> None:
    """Queue one delivery run for the commit: a run delivers every pending reaction, so a
    transaction that emits several events queues it once (and a failed delivery waits for the
    worker's retry instead of being run again by the next event's run of the same commit). Django
    drops the callbacks of a savepoint rolled back; one still listed was queued in a savepoint
    released or still open around this emit, so it runs at the commit that writes this event."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is _deliver_later for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_deliver_later)


def _deliver_later() -> None:
    from ltc.core.tasks import deliver_reactions

    deliver_reactions.enqueue()


def reactions_deliver(*, limit: int = 1000) -> int:
    """Run pending after-commit reactions, oldest first, each with its mark in its own transaction;
    returns how many succeeded. A failure is logged and kept (attempts, last error) for a later
    run. Several workers may deliver at once: a delivery is locked by one of them."""
    done = 0
    pending = ReactionDelivery.objects.filter(done_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    last = 0
    while ids := list(pending.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:limit]):
        last = ids[-1]
        done += sum(_deliver_one(pending, pk) for pk in ids)
    return done


def _deliver_one(pending: Any, pk: int) -> bool:
    with transaction.atomic():
        delivery = pending.filter(pk=pk).select_for_update(skip_locked=True).select_related("event").first()
        if delivery is None:
            return False
        try:
            with transaction.atomic():
                _run(delivery)
        except Exception as exc:  # noqa: BLE001 - the reaction's failure is kept and retried, never raised
            log.exception("reaction %s to event %s failed", delivery.reaction, delivery.event_id)
            ReactionDelivery.objects.filter(pk=pk).update(
                attempts=delivery.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            return False
        ReactionDelivery.objects.filter(pk=pk).update(attempts=delivery.attempts + 1, done_at=timezone.now())
        return True


def _run(delivery: ReactionDelivery) -> None:
    reaction = reaction_named(delivery.reaction)
    if reaction is None:
        raise LookupError(f"no reaction {delivery.reaction} is registered in this process")
    event_class = event_class_of(delivery.event.kind)
    if event_class is None:
        raise LookupError(f"no event {delivery.event.kind} in the catalogue")
    reaction.fn(event_class.from_outbox(delivery.event))


def _discover() -> None:
    """Import every installed app's `events` module, so the catalogue is complete."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    from importlib import import_module

    for config in apps.get_app_configs():
        if config.name.startswith("ltc.") and module_has_submodule(config.module, "events"):
            import_module(f"{config.name}.events")
    _DISCOVERED = True


def catalogue() -> list[type[Event]]:
    """Every event class of every stage, in the order of the value stream (then by kind)."""
    _discover()
    stages = [config.name for config in apps.get_app_configs()]

    def stage(event: type[Event]) -> int:
        return next((i for i, name in enumerate(stages) if event.__module__.startswith(name + ".")), len(stages))

    return sorted(_CATALOGUE.values(), key=lambda event: (stage(event), event.kind))


def event_class_of(kind: str) -> type[Event] | None:
    _discover()
    return _CATALOGUE.get(kind)


def payload_fields(event: type[Event]) -> list[tuple[str, str]]:
    """(name, type) of each payload field, for the catalogue's table."""
    hints = get_type_hints(event)
    return [(f.name, _type_name(hints[f.name])) for f in dataclasses.fields(event) if f.name != "subject_id"]


def _type_name(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):  # "or": a Markdown table's cell holds no "|"
        return " or ".join("null" if arg is type(None) else _type_name(arg) for arg in get_args(hint))
    if origin in (tuple, list):
        return f"list[{_type_name(get_args(hint)[0])}]"
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return "{" + ", ".join(f"{name}: {kind}" for name, kind in payload_fields_of(hint)) + "}"
    return getattr(hint, "__name__", str(hint))


def payload_fields_of(shape: type[Any]) -> list[tuple[str, str]]:
    hints = get_type_hints(shape)
    return [(f.name, _type_name(hints[f.name])) for f in dataclasses.fields(shape)]


def catalogue_table() -> str:
    """The catalogue as a Markdown table (docs/architecture.md holds a copy; a test compares)."""
    rows = [
        "| Kind | Version | Subject | Emitted by | Payload | Reactions |",
        "|---|---|---|---|---|---|",
    ]
    for event in catalogue():
        fields = ", ".join(f"`{name}` {kind}" for name, kind in payload_fields(event)) or "—"
        reactions = "<br>".join(f"`{r.name.removeprefix('ltc.')}` ({r.runs})" for r in reactions_to(event)) or "—"
        rows.append(
            f"| `{event.kind}` | {event.schema_version} | {event.subject_model} | {event.emitted_by} | "
            f"{fields} | {reactions} |"
        )
    return "\n".join(rows) + "\n"
