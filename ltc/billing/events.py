"""The facts of invoicing and collection, for later stages and integrations (see
`ltc.core.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from ltc.core.events import Event


@dataclass(frozen=True)
class InvoiceDrafted(Event):
    """A draft invoice was made for a schedule line whose trigger fired (at signing, by the
    daily invoice run, or anew after its invoice was cancelled); it awaits issue by finance."""

    kind: ClassVar[str] = "invoice.drafted"
    subject_model: ClassVar[str] = "billing.invoice"
    emitted_by: ClassVar[str] = "`billing.schedule_bill_fired`, `billing.invoice_run`, `billing.billing_line_invoice`"

    contract: str
    contract_id: int
    account_id: int
    billing_line_id: int
    total: Decimal
    currency: str


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
class InvoiceCancelled(Event):
    """The invoice (the subject) was cancelled: a draft before issue (`number` and `credit_note`
    empty), or an issued invoice nothing was paid on, by a credit note of its whole total
    (`credit_note`, also announced as invoice.credited). Its schedule line is due again."""

    kind: ClassVar[str] = "invoice.cancelled"
    subject_model: ClassVar[str] = "billing.invoice"
    emitted_by: ClassVar[str] = "`billing.invoice_cancel`"

    number: str
    contract_id: int
    account_id: int
    total: Decimal
    currency: str
    credit_note: str
    reason: str


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
class AllocatedInvoice:
    invoice_id: int
    number: str
    amount: Decimal
    open_amount: Decimal


@dataclass(frozen=True)
class PaymentAllocated(Event):
    """Unallocated credit of a recorded receipt (the subject) was allocated (核销) to open invoices
    of its customer: `invoices` names each with the amount it got and what stays open on it (an
    invoice with nothing open is paid); `unallocated` is the credit left on the receipt."""

    kind: ClassVar[str] = "payment.allocated"
    subject_model: ClassVar[str] = "billing.payment"
    emitted_by: ClassVar[str] = "`billing.payment_allocate`"

    number: str
    account: int
    amount: Decimal
    currency: str
    applied_on: date
    unallocated: Decimal
    invoices: tuple[AllocatedInvoice, ...]


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
