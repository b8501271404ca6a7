"""The inbox (待办): everything waiting for a user's decision, from every stage, in one place.

Each stage registers an `InboxSource` from its AppConfig.ready() — core never names a later
stage. A source lists what waits for a user (their own items and those routed to a principal
who delegated to them today, marked "for <principal>") in a bounded number of queries, and
decides an item by calling its own stage's decide service: the inbox never writes itself, so
the stage's rules (authority, versions, timeline) apply unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class InboxField:
    """One extra input a decision needs (e.g. the conditions of "go with conditions")."""

    name: str
    label: str | Promise
    required_for: tuple[str, ...] = ()
    shown_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboxItem:
    """One thing waiting: what it is, how much, who asked, since when, whether it was escalated
    (and past whom), and whose item it is when the user decides as a delegate."""

    kind: str
    item_id: int
    record: str
    title: str
    amount: Decimal | None
    currency: str
    requested_by: str
    since: datetime
    url: str
    decide_api: str
    due: datetime | None = None
    escalated_past: tuple[str, ...] = ()
    for_user: str = ""
    decidable: bool = True
    # What the button of an item not decided here says (default: "Open to assess").
    open_label: str = ""

    @property
    def escalated(self) -> bool:
        return bool(self.escalated_past)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.item_id}"


class AlreadyDecided(Exception):
    """The item was decided (or withdrawn) since the user read it: nothing changed."""


@dataclass(frozen=True)
class InboxSource:
    """A kind of item. `waiting(user)` lists the items in a bounded number of queries whatever
    their number; `decide(actor=, item_id=, decision=, note=, extra=)` calls the owning stage's
    own service and returns the outcome text; it raises AlreadyDecided for a stale item,
    ValidationError for bad input, PermissionDenied / Http404 for someone who may not decide."""

    key: str
    title: Callable[[], str | Promise]
    waiting: Callable[[Any], list[InboxItem]]
    decisions: tuple[tuple[str, str | Promise], ...] = ()
    decide: Callable[..., str] | None = None
    fields: tuple[InboxField, ...] = ()
    note_required_for: tuple[str, ...] = ()
    order: int = 100

    def check(self, decision: str, note: str, extra: dict[str, str]) -> None:
        """The inbox form's own checks (a decision is chosen; a note says why it is refused),
        before the stage's service, which checks everything else, the extra fields included."""
        errors: dict[str, list[str]] = {}
        if decision not in {value for value, _label in self.decisions}:
            errors["decision"] = [_("Choose a decision.")]
        if decision in self.note_required_for and not note.strip():
            errors["note"] = [_("Say why.")]
        if errors:
            raise ValidationError(errors)


_SOURCES: dict[str, InboxSource] = {}


def register(source: InboxSource) -> InboxSource:
    _SOURCES[source.key] = source
    return source


def sources() -> list[InboxSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def source(key: str) -> InboxSource | None:
    return _SOURCES.get(key)


def waiting(user: Any) -> list[tuple[InboxSource, list[InboxItem]]]:
    """Every source with what waits for `user`, oldest first (sources with nothing included)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return [(s, sorted(s.waiting(user), key=lambda i: (i.since, i.item_id))) for s in sources()]


def count(user: Any) -> int:
    return sum(len(items) for _source, items in waiting(user))


def decide(*, actor: Any, key: str, item_id: int, decision: str, note: str, extra: dict[str, str]) -> str:
    """Decide one item through its source (and so its stage's own service)."""
    chosen = _SOURCES.get(key)
    if chosen is None or chosen.decide is None:
        raise ValidationError({"decision": [_("This item is not decided in the inbox.")]})
    chosen.check(decision, note, extra)
    return chosen.decide(actor=actor, item_id=item_id, decision=decision, note=note.strip(), extra=extra)
