"""Output schemas shared by every app's router."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db import models
from ninja import Schema
from pydantic import GetCoreSchemaHandler, PlainSerializer, WithJsonSchema
from pydantic_core import core_schema

from ltc.core.models import ActivityKind, TimelineEvent
from ltc.core.money import quantize


@dataclass(frozen=True)
class OneOf:
    """A code from a choices enum, published as a JSON-schema `enum` and refused (422) otherwise.

    Use as `status: Annotated[str, OneOf(LeadStatus)]`; the value stays a plain `str`. `blank`
    admits "" too (a filter left empty, a field the record may leave blank); `only` narrows the
    enum to the codes an operation accepts."""

    choices: type[models.Choices]
    blank: bool = False
    only: tuple[Any, ...] = ()

    def values(self) -> list[Any]:
        codes = [value for value in self.choices.values if not self.only or value in self.only]
        return [*codes, *([""] if self.blank and "" not in codes else [])]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.literal_schema(self.values())


def _two_places(amount: Decimal) -> str:
    return str(quantize(Decimal(str(amount))))


# An amount of money in an answer: a string with exactly two decimals ("1234.50"), so no reader
# parses it as a float; rounded half up like every amount.
Money = Annotated[
    Decimal,
    PlainSerializer(_two_places, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1234.50"]}, mode="serialization"),
]


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
    kind: Annotated[str, OneOf(ActivityKind)]
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


class ProblemFieldError(Schema):
    """One field-level message of a problem document; `field` is a dotted path or `__all__`."""

    field: str
    message: str
    code: str


class Problem(Schema):
    """An RFC 9457 problem document (`application/problem+json`), the answer to every refusal."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[ProblemFieldError] = []
