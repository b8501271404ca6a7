"""The facts of managing opportunities (MO), for later stages and integrations (see
`ltc.core.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from ltc.core.events import Event


@dataclass(frozen=True)
class DealEvent(Event):
    subject_model: ClassVar[str] = "opportunities.opportunity"


@dataclass(frozen=True)
class OpportunityCreated(DealEvent):
    """A deal was opened in a pipeline (by hand, or from a converted lead: `source_lead_id`)."""

    kind: ClassVar[str] = "opportunity.created"
    emitted_by: ClassVar[str] = "`opportunities.opportunity_create`, `opportunities.opportunity_from_lead`"

    account_id: int
    pipeline_id: int
    stage_id: int
    owner_id: int
    amount: Decimal
    currency: str
    source_lead_id: int | None


@dataclass(frozen=True)
class OpportunityStageChanged(DealEvent):
    """An open deal moved to another open stage: by a person (through the stage gates) or by a
    customer's acceptance of a quote. Winning, losing and reopening are their own events."""

    kind: ClassVar[str] = "opportunity.stage_changed"
    emitted_by: ClassVar[str] = "`opportunities.opportunity_advance`, `opportunities.opportunity_quote_accepted`"

    from_stage_id: int
    to_stage_id: int
    probability: int


@dataclass(frozen=True)
class OpportunityWon(DealEvent):
    """A deal was closed as won: by a person, or by the signing of its contract."""

    kind: ClassVar[str] = "opportunity.won"
    emitted_by: ClassVar[str] = "`opportunities.opportunity_win`, `opportunities.opportunity_contract_signed`"

    amount: Decimal
    currency: str
    reason: str
    closed_on: date


@dataclass(frozen=True)
class OpportunityLost(DealEvent):
    """A deal was closed as lost (by a person, or by a No-go decision), with the reason and the
    competitor who won, if any."""

    kind: ClassVar[str] = "opportunity.lost"
    emitted_by: ClassVar[str] = "`opportunities.opportunity_lose`, `opportunities.review_decide` (No-go)"

    amount: Decimal
    currency: str
    reason: str
    competitor: str


@dataclass(frozen=True)
class OpportunityReopened(DealEvent):
    """A closed deal was reopened at the stage it was closed from."""

    kind: ClassVar[str] = "opportunity.reopened"
    emitted_by: ClassVar[str] = "`opportunities.opportunity_reopen`"

    stage_id: int


@dataclass(frozen=True)
class ReviewDecided(Event):
    """A decision review of a deal (ATI, ATB, ATC) ended in a decision — Go, Go with conditions,
    No-go or Hold — taken in the system or recorded from outside it."""

    kind: ClassVar[str] = "review.decided"
    subject_model: ClassVar[str] = "opportunities.decisionreview"
    emitted_by: ClassVar[str] = "`opportunities.review_decide`, `opportunities.review_record_external`"

    opportunity_id: int
    review_type: str
    decision: str
    amount: Decimal
    currency: str
