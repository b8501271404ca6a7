"""The facts of invoicing and collection, for later stages and integrations (see
`ltc.core.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from ltc.core.events import Event


@dataclass(frozen=True)
class InvoiceIssued(Event):
    """A draft invoice was issued: numbered, dated, due; its amount is open for collection."""

    kind: ClassVar[str] = "invoice.issued"
    subject_model: ClassVar[str] = "billing.invoice"
    emitted_by: ClassVar[str] = "`billing.invoice_issue`"

    number: str
    contract: str
    contract_id: int
    account_id: int
    total: Decimal
    currency: str
    due_date: date


@dataclass(frozen=True)
class InvoiceCredited(Event):
    """A credit note (`credit_note`) of `amount` was issued against the invoice (the subject),
    lowering its open balance."""

    kind: ClassVar[str] = "invoice.credited"
    subject_model: ClassVar[str] = "billing.invoice"
    emitted_by: ClassVar[str] = "`billing.invoice_credit`, `billing.invoice_cancel`"

    number: str
    credit_note: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentReceived(Event):
    """A customer's payment (回款) was recorded, allocated to invoices when they were given."""

    kind: ClassVar[str] = "payment.received"
    subject_model: ClassVar[str] = "billing.payment"
    emitted_by: ClassVar[str] = "`billing.payment_record`"

    number: str
    account: int
    amount: Decimal
    currency: str
    received_on: date


@dataclass(frozen=True)
class PaymentReversed(Event):
    """A recorded receipt (the subject) was reversed — recorded in error or returned by the bank —
    by a reversal entry (`reversal`); the invoices it paid are open again."""

    kind: ClassVar[str] = "payment.reversed"
    subject_model: ClassVar[str] = "billing.payment"
    emitted_by: ClassVar[str] = "`billing.payment_reverse`"

    number: str
    reversal: str
    account: int
    amount: Decimal
    currency: str
    reason: str
