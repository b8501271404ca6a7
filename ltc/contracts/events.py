"""The facts of contract execution (MCE): the contract's life, its orders, deliveries and
milestones, for later stages and integrations (see `ltc.core.events`). Billing follows several of
them in the transaction (see the catalogue's reactions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from ltc.core.events import Event


@dataclass(frozen=True)
class ContractEvent(Event):
    subject_model: ClassVar[str] = "contracts.contract"


@dataclass(frozen=True)
class ContractSigned(ContractEvent):
    """The signature of an approved contract was recorded (date, signatories, signed copy); the
    deal is won and the account becomes a customer in the same transaction."""

    kind: ClassVar[str] = "contract.signed"
    emitted_by: ClassVar[str] = "`contracts.contract_sign`"

    number: str
    total: Decimal
    currency: str
    signed_on: date
    opportunity_id: int
    account_id: int


@dataclass(frozen=True)
class ContractAccepted(ContractEvent):
    """The FR accepted the signed contract for delivery after the hand-over meeting."""

    kind: ClassVar[str] = "contract.accepted"
    emitted_by: ClassVar[str] = "`contracts.contract_accept`"

    number: str
    meeting_on: date
    open_questions: int


@dataclass(frozen=True)
class ContractChangeDecided(ContractEvent):
    """A change request (CR) of a contract was approved or rejected. An approval also makes a new
    contract version: `contract.amended` follows in the same transaction."""

    kind: ClassVar[str] = "contract.change_decided"
    emitted_by: ClassVar[str] = "`contracts.change_decide`"

    number: str
    change: int
    approved: bool
    delta: Decimal


@dataclass(frozen=True)
class ContractAmended(ContractEvent):
    """An approved change made a new version of a signed contract; lines, milestones and open
    orders follow it, and its total is the contract's."""

    kind: ClassVar[str] = "contract.amended"
    emitted_by: ClassVar[str] = "`contracts.change_decide`"

    number: str
    version: int
    change: int
    total: Decimal


@dataclass(frozen=True)
class ContractCompleted(ContractEvent):
    """Everything of the contract was delivered and accepted: it awaits its close."""

    kind: ClassVar[str] = "contract.completed"
    emitted_by: ClassVar[str] = "`contracts.contract_complete`"

    number: str


@dataclass(frozen=True)
class ContractClosed(ContractEvent):
    """The contract was closed and evaluated (关闭和评价): its signing and fulfilment scores."""

    kind: ClassVar[str] = "contract.closed"
    emitted_by: ClassVar[str] = "`contracts.contract_close`"

    number: str
    satisfaction: int
    signing_score: Decimal
    fulfilment_score: Decimal


@dataclass(frozen=True)
class ContractTerminated(ContractEvent):
    """The contract was terminated early with a reason; what is not yet invoiced stops."""

    kind: ClassVar[str] = "contract.terminated"
    emitted_by: ClassVar[str] = "`contracts.contract_terminate`"

    number: str
    reason: str


@dataclass(frozen=True)
class OrderedLine:
    line: int
    code: str
    quantity: Decimal


@dataclass(frozen=True)
class OrderCreated(Event):
    """An order (for the ERP) was generated from the contract's deliverable lines."""

    kind: ClassVar[str] = "order.created"
    subject_model: ClassVar[str] = "contracts.order"
    emitted_by: ClassVar[str] = "`contracts.order_generate`"

    number: str
    contract: str
    customer: str
    lines: tuple[OrderedLine, ...]


@dataclass(frozen=True)
class OrderUpdated(Event):
    """The order's reference in the ERP was recorded or changed."""

    kind: ClassVar[str] = "order.updated"
    subject_model: ClassVar[str] = "contracts.order"
    emitted_by: ClassVar[str] = "`contracts.order_update`"

    number: str
    erp_reference: str


@dataclass(frozen=True)
class DeliveredLine:
    code: str
    quantity: Decimal


@dataclass(frozen=True)
class DeliveryRecorded(Event):
    """Goods were shipped or services performed against an order."""

    kind: ClassVar[str] = "delivery.recorded"
    subject_model: ClassVar[str] = "contracts.delivery"
    emitted_by: ClassVar[str] = "`contracts.delivery_record`"

    number: str
    order: str
    erp_reference: str
    delivered_on: date
    lines: tuple[DeliveredLine, ...]


@dataclass(frozen=True)
class MilestoneEvent(Event):
    subject_model: ClassVar[str] = "contracts.milestone"

    contract_id: int
    contract: str
    milestone: str


@dataclass(frozen=True)
class MilestoneDelivered(MilestoneEvent):
    """The FR reported a milestone delivered (its orders fulfilled); the customer may accept it.
    Payment terms triggered by delivery fall due."""

    kind: ClassVar[str] = "milestone.delivered"
    emitted_by: ClassVar[str] = "`contracts.milestone_deliver`"

    delivered_on: date


@dataclass(frozen=True)
class MilestoneAccepted(MilestoneEvent):
    """The customer's acceptance (验收) of a delivered milestone was recorded with its signed
    document; the payment terms it triggers fall due."""

    kind: ClassVar[str] = "milestone.accepted"
    emitted_by: ClassVar[str] = "`contracts.milestone_accept`"

    accepted_on: date
