"""The facts of quoting (CPQ), for later stages and integrations (see `ltc.core.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from ltc.core.events import Event


@dataclass(frozen=True)
class QuoteEvent(Event):
    subject_model: ClassVar[str] = "quotes.quote"

    number: str
    version: int
    opportunity_id: int
    total: Decimal
    currency: str


@dataclass(frozen=True)
class QuoteSent(QuoteEvent):
    """An approved quote version was sent to the customer with a private link (again, with a new
    link, when it is sent once more)."""

    kind: ClassVar[str] = "quote.sent"
    emitted_by: ClassVar[str] = "`quotes.quote_send`"

    valid_until: date


@dataclass(frozen=True)
class QuoteAccepted(QuoteEvent):
    """The customer accepted a sent version (through the link, or recorded by a person); the deal
    follows (`opportunity.stage_changed` when it moves)."""

    kind: ClassVar[str] = "quote.accepted"
    emitted_by: ClassVar[str] = "`quotes.quote_answer`"

    channel: str


@dataclass(frozen=True)
class QuoteDeclined(QuoteEvent):
    """The customer declined a sent version (through the link, or recorded by a person)."""

    kind: ClassVar[str] = "quote.declined"
    emitted_by: ClassVar[str] = "`quotes.quote_answer`"

    channel: str
