"""Output schemas shared by every app's router."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from ltc.core.models import TimelineEvent


class UserRef(Schema):
    """A user as other records show them: id and display name."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class FieldChangeOut(Schema):
    field: str
    label: str
    old: str
    new: str


class TimelineEventOut(Schema):
    id: int
    kind: str
    at: datetime
    actor: str | None
    text: str
    changes: list[FieldChangeOut]

    @staticmethod
    def resolve_changes(obj: TimelineEvent) -> list[dict[str, str]]:
        return obj.display_changes()

    @staticmethod
    def resolve_actor(obj: TimelineEvent) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class NoteIn(Schema):
    text: str


class DuplicateOut(Schema):
    id: int
    name: str
    reason: str
    visible: bool

    @staticmethod
    def resolve_id(obj: Any) -> int:
        return int(obj.pk)


class ActivityIn(Schema):
    kind: str
    title: str
    done: bool = False
    due_at: datetime | None = None
    remind_at: datetime | None = None
    outcome: str = ""


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    owner: UserRef
    due_at: datetime | None
    remind_at: datetime | None
    done_at: datetime | None
    outcome: str


class CompleteIn(Schema):
    outcome: str = ""
