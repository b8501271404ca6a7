"""/api/v1 billing: schedules, invoices and credit notes, payments, receivables, collections and
bank statements — thin over billing.services and .selectors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ltc.billing import documents, selectors, services
from ltc.billing.choices import InvoiceKind, InvoiceStatus, PaymentKind, PaymentMethod, PromiseStatus
from ltc.billing.models import BankStatement, Invoice, Payment, PromiseToPay, StatementLine
from ltc.core.api import Page, etag, file_download, if_match_version, paginate
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf
from ltc.org.types import AuthedRequest

router = Router(tags=["billing"])


# --- schemas ---------------------------------------------------------------------------------


class ScheduleLineOut(Schema):
    id: int
    contract_id: int
    contract_version: int
    position: int
    label: str
    trigger: str
    milestone_id: int | None
    days: int
    percent: Decimal
    amount: Money
    currency: str
    expected_on: date | None
    due_on: date | None
    status: str
    invoice_id: int | None


class ScheduleOut(Schema):
    contract_id: int
    contract_number: str
    currency: str
    total: Money
    lines: list[ScheduleLineOut]


class InvoiceLineOut(Schema):
    position: int
    contract_line_id: int | None
    line_key: int | None
    code: str
    name: str
    net_amount: Money
    tax_rate: int
    tax_amount: Money
    total: Money


class InvoiceOut(Schema):
    id: int
    version: int
    kind: Annotated[str, OneOf(InvoiceKind)]
    number: str
    status: Annotated[str, OneOf(InvoiceStatus)]
    account_id: int
    account_name: str
    contract_id: int
    contract_number: str
    billing_line_id: int | None
    credited_invoice_id: int | None
    currency: Annotated[str, OneOf(Currency)]
    issue_date: date | None
    payment_days: int
    due_date: date | None
    tax_invoice_number: str
    tax_invoice_date: date | None
    net_total: Money
    tax_total: Money
    total: Money
    credited: Money
    allocated: Money
    open_amount: Money
    collection_level: int
    note: str
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_account_name(obj: Invoice) -> str:
        return obj.account.name

    @staticmethod
    def resolve_contract_number(obj: Invoice) -> str:
        return obj.contract.number


class VatOut(Schema):
    rate: int
    net: Money
    tax: Money


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]
    vat: list[VatOut]
    quote_version_id: int
    acceptance_document: str | None
    acceptance_document_url: str | None = Field(
        description="The API path that downloads the acceptance document behind the invoice, if any."
    )

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_vat(obj: Invoice) -> list[dict[str, Any]]:
        return documents.vat_summary(list(obj.lines.all()))

    @staticmethod
    def resolve_quote_version_id(obj: Invoice) -> int:
        return obj.contract.quote_version_id

    @staticmethod
    def resolve_acceptance_document(obj: Invoice) -> str | None:
        return documents.acceptance_url(obj)

    @staticmethod
    def resolve_acceptance_document_url(obj: Invoice) -> str | None:
        line = obj.billing_line
        milestone = line.milestone if line is not None else None
        if milestone is None or not milestone.acceptance_document:
            return None
        return f"/api/v1/milestones/{milestone.pk}/acceptance-document"


class InvoicePatch(Schema):
    payment_days: int | None = None
    note: str | None = None


class InvoiceQuery(Schema):
    q: str = ""
    status: Annotated[str, OneOf(InvoiceStatus, blank=True)] = ""
    kind: Annotated[str, OneOf(InvoiceKind, blank=True)] = ""
    overdue: bool = False
    account: int | None = None
    contract: int | None = None
    sort: str = "-created"
    limit: int = 50
    offset: int = 0


class IssueIn(Schema):
    issue_date: date | None = None


class ReasonIn(Schema):
    reason: str = ""


class CreditIn(Schema):
    amount: Decimal | None = None
    reason: str = ""


class TaxInvoiceIn(Schema):
    number: str = ""
    issued_on: date | None = None


class AllocationIn(Schema):
    invoice_id: int
    amount: Decimal


class PaymentIn(Schema):
    account_id: int
    amount: Decimal
    currency: Annotated[str, OneOf(Currency)] = Currency.CNY
    received_on: date
    method: Annotated[str, OneOf(PaymentMethod)] = "bank"
    bank_reference: str = ""
    note: str = ""
    allocations: list[AllocationIn] = []


class AllocationOut(Schema):
    id: int
    payment_id: int
    invoice_id: int
    amount: Money
    applied_on: date


class PaymentOut(Schema):
    id: int
    number: str
    kind: Annotated[str, OneOf(PaymentKind)]
    account_id: int
    account_name: str
    currency: Annotated[str, OneOf(Currency)]
    amount: Money
    received_on: date
    method: Annotated[str, OneOf(PaymentMethod)]
    bank_reference: str
    note: str
    original_id: int | None
    allocated: Money
    refunded: Money
    reversed: bool
    unallocated: Money
    recorded_at: datetime

    @staticmethod
    def resolve_account_name(obj: Payment) -> str:
        return obj.account.name


class PaymentDetailOut(PaymentOut):
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj: Payment) -> list[Any]:
        return list(obj.allocations.all())


class PaymentQuery(Schema):
    q: str = ""
    kind: Annotated[str, OneOf(PaymentKind, blank=True)] = ""
    account: int | None = None
    unallocated: bool = False
    limit: int = 50
    offset: int = 0


class AllocateIn(Schema):
    allocations: list[AllocationIn]
    applied_on: date | None = None


class RefundIn(Schema):
    amount: Decimal | None = None
    refunded_on: date | None = None
    bank_reference: str = ""
    note: str = ""


class AgingRowOut(Schema):
    key: int | None
    name: str | None
    not_due: Money
    d1_30: Money
    d31_60: Money
    d61_90: Money
    d90_plus: Money
    total: Money


class AgingOut(Schema):
    as_of: date
    currency: str
    group: str
    total: dict[str, Money]
    grand_total: Money
    dso: Decimal | None
    rows: list[AgingRowOut]


class ForecastOut(Schema):
    month: date
    invoiced: Money
    scheduled: Money
    total: Money


class PromiseIn(Schema):
    amount: Decimal | None = None
    promised_on: date | None = None
    note: str = ""


class PromiseOut(Schema):
    id: int
    invoice_id: int
    amount: Money
    promised_on: date
    note: str
    status: Annotated[str, OneOf(PromiseStatus)]


class CollectionOut(Schema):
    invoice: InvoiceOut
    days_overdue: int
    level: int
    promises: list[PromiseOut]


class StatementLineOut(Schema):
    id: int
    row: int
    booked_on: date
    amount: Money
    currency: str
    payer: str
    reference: str
    status: str
    payment_id: int | None
    suggestions: list[dict[str, Any]]

    @staticmethod
    def resolve_suggestions(obj: StatementLine) -> list[dict[str, Any]]:
        if obj.status != "open":
            return []
        return [
            {
                "invoice_id": s.invoice.pk,
                "number": s.invoice.number,
                "account_id": s.invoice.account_id,
                "open_amount": s.invoice.open_amount,
                "score": s.score,
                "reasons": list(s.reasons),
            }
            for s in services.suggestions(obj)
        ]


class StatementOut(Schema):
    id: int
    filename: str
    imported_at: datetime
    line_count: int
    lines: list[StatementLineOut]

    @staticmethod
    def resolve_lines(obj: BankStatement) -> list[Any]:
        return list(obj.lines.all())


class RecordLineIn(Schema):
    account_id: int | None = None
    allocations: list[AllocationIn] = []


# --- helpers ---------------------------------------------------------------------------------


def _invoice(request: AuthedRequest, invoice_id: int, response: HttpResponse | None = None) -> Invoice:
    invoice = selectors.invoice_get(user=request.user, pk=invoice_id)
    if response is not None:
        response["ETag"] = etag(invoice.version)
    return invoice


def _items(allocations: list[AllocationIn]) -> list[dict[str, Any]]:
    return [{"invoice_id": a.invoice_id, "amount": a.amount} for a in allocations]


# --- schedules -------------------------------------------------------------------------------


@router.get("/billing-schedules", response=Page[ScheduleLineOut])
def schedule_list(request: AuthedRequest, status: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Schedule lines of every contract the user may see (`status`: planned, due, invoiced, superseded)."""
    return paginate(selectors.schedule_list(user=request.user, status=status), limit=limit, offset=offset)


@router.get("/billing-schedules/{contract_id}", response=ScheduleOut)
def schedule_get(request: AuthedRequest, contract_id: int) -> dict[str, Any]:
    contract = selectors.schedule_contract(user=request.user, pk=contract_id)
    return {
        "contract_id": contract.pk,
        "contract_number": contract.number,
        "currency": contract.currency,
        "total": contract.total,
        "lines": selectors.schedule_lines(contract),
    }


@router.post("/billing-schedules/lines/{line_id}/invoice", response={201: InvoiceDetailOut})
def schedule_line_invoice(request: AuthedRequest, line_id: int, response: HttpResponse) -> Status[Any]:
    """Invoice a due line anew (its earlier invoice was cancelled)."""
    line = selectors.schedule_line_get(user=request.user, pk=line_id)
    invoice = services.billing_line_invoice(actor=request.user, line=line)
    return Status(201, _invoice(request, invoice.pk, response))


# --- invoices --------------------------------------------------------------------------------


@router.get("/invoices", response=Page[InvoiceOut])
def invoice_list(request: AuthedRequest, query: Query[InvoiceQuery]) -> dict[str, Any]:
    filters = selectors.InvoiceFilters(**query.model_dump(exclude={"limit", "offset"}))
    return paginate(selectors.invoice_list(user=request.user, filters=filters), limit=query.limit, offset=query.offset)


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut)
def invoice_get(request: AuthedRequest, invoice_id: int, response: HttpResponse) -> Invoice:
    return _invoice(request, invoice_id, response)


@router.patch("/invoices/{invoice_id}", response=InvoiceDetailOut)
def invoice_update(request: AuthedRequest, invoice_id: int, payload: InvoicePatch, response: HttpResponse) -> Invoice:
    """Edit a draft (payment days, note); needs If-Match. An issued invoice is never edited."""
    invoice = _invoice(request, invoice_id)
    services.invoice_update(
        actor=request.user,
        invoice=invoice,
        expected_version=if_match_version(request, invoice),
        data=payload.model_dump(exclude_unset=True),
    )
    return _invoice(request, invoice_id, response)


@router.post("/invoices/{invoice_id}/issue", response=InvoiceDetailOut)
def invoice_issue(request: AuthedRequest, invoice_id: int, payload: IssueIn, response: HttpResponse) -> Invoice:
    """Issue the draft: the next number of its series; needs If-Match."""
    invoice = _invoice(request, invoice_id)
    services.invoice_issue(
        actor=request.user,
        invoice=invoice,
        expected_version=if_match_version(request, invoice),
        issue_date=payload.issue_date,
    )
    return _invoice(request, invoice_id, response)


@router.post("/invoices/{invoice_id}/cancel", response=InvoiceDetailOut)
def invoice_cancel(request: AuthedRequest, invoice_id: int, payload: ReasonIn, response: HttpResponse) -> Invoice:
    """Cancel a draft, or an issued invoice nothing was paid on (by a credit note of its total)."""
    services.invoice_cancel(actor=request.user, invoice=_invoice(request, invoice_id), reason=payload.reason)
    return _invoice(request, invoice_id, response)


@router.post("/invoices/{invoice_id}/credit", response={201: InvoiceDetailOut})
def invoice_credit(request: AuthedRequest, invoice_id: int, payload: CreditIn, response: HttpResponse) -> Status[Any]:
    """Issue a credit note (红字) of at most the open balance; answers the credit note."""
    note = services.invoice_credit(
        actor=request.user, invoice=_invoice(request, invoice_id), value=payload.amount, reason=payload.reason
    )
    response["Location"] = f"/api/v1/invoices/{note.pk}"
    return Status(201, _invoice(request, note.pk, response))


@router.post("/invoices/{invoice_id}/tax-invoice", response=InvoiceDetailOut)
def invoice_tax_invoice(
    request: AuthedRequest, invoice_id: int, payload: TaxInvoiceIn, response: HttpResponse
) -> Invoice:
    """Record the tax invoice (发票) number and date."""
    services.tax_invoice_record(
        actor=request.user, invoice=_invoice(request, invoice_id), number=payload.number, issued_on=payload.issued_on
    )
    return _invoice(request, invoice_id, response)


@router.get("/invoices/{invoice_id}/pdf", openapi_extra=file_download("application/pdf"))
def invoice_pdf(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    return documents.pdf_response(_invoice(request, invoice_id))


@router.post("/invoices/{invoice_id}/promises", response={201: PromiseOut})
def invoice_promise(request: AuthedRequest, invoice_id: int, payload: PromiseIn) -> Status[PromiseToPay]:
    """Record the customer's promise to pay by a date (finance or the AR)."""
    promise = services.promise_add(actor=request.user, invoice=_invoice(request, invoice_id), data=payload.model_dump())
    return Status(201, promise)


# --- payments --------------------------------------------------------------------------------


@router.get("/payments", response=Page[PaymentOut])
def payment_list(request: AuthedRequest, query: Query[PaymentQuery]) -> dict[str, Any]:
    filters = selectors.PaymentFilters(**query.model_dump(exclude={"limit", "offset"}))
    return paginate(selectors.payment_list(user=request.user, filters=filters), limit=query.limit, offset=query.offset)


@router.post("/payments", response={201: PaymentDetailOut})
def payment_create(request: AuthedRequest, payload: PaymentIn, response: HttpResponse) -> Status[Any]:
    """Record a payment received, optionally allocated. Send an `Idempotency-Key`: a retry
    answers the first response and never records the money twice."""
    data = payload.model_dump()
    data["allocations"] = _items(payload.allocations)
    payment = services.payment_record(actor=request.user, data=data)
    response["Location"] = f"/api/v1/payments/{payment.pk}"
    return Status(201, payment)  # as recorded: finance may see every payment


@router.get("/payments/{payment_id}", response=PaymentDetailOut)
def payment_get(request: AuthedRequest, payment_id: int) -> Payment:
    return selectors.payment_get(user=request.user, pk=payment_id)


@router.post("/payments/{payment_id}/allocate", response=PaymentDetailOut)
def payment_allocate(request: AuthedRequest, payment_id: int, payload: AllocateIn) -> Payment:
    payment = selectors.payment_get(user=request.user, pk=payment_id)
    services.payment_allocate(
        actor=request.user, payment=payment, items=_items(payload.allocations), applied_on=payload.applied_on
    )
    return selectors.payment_get(user=request.user, pk=payment_id)


@router.post("/payments/{payment_id}/refund", response={201: PaymentDetailOut})
def payment_refund(request: AuthedRequest, payment_id: int, payload: RefundIn) -> Status[Any]:
    """Pay back (part of) the unallocated credit: answers the refund entry."""
    payment = selectors.payment_get(user=request.user, pk=payment_id)
    refund = services.payment_refund(actor=request.user, payment=payment, data=payload.model_dump())
    return Status(201, selectors.payment_get(user=request.user, pk=refund.pk))


@router.post("/payments/{payment_id}/reverse", response={201: PaymentDetailOut})
def payment_reverse(request: AuthedRequest, payment_id: int, payload: ReasonIn) -> Status[Any]:
    """Reverse a receipt (returned by the bank, recorded in error): answers the reversal entry."""
    payment = selectors.payment_get(user=request.user, pk=payment_id)
    reversal = services.payment_reverse(actor=request.user, payment=payment, reason=payload.reason)
    return Status(201, selectors.payment_get(user=request.user, pk=reversal.pk))


# --- receivables and collections -------------------------------------------------------------


def _currency(raw: str) -> str:
    if raw not in Currency.values:
        raise ValidationError({"currency": [_("Choose a currency.")]})
    return raw


@router.get("/receivables/aging", response=AgingOut)
def receivables_aging(
    request: AuthedRequest, as_of: date | None = None, group: str = "customer", currency: str = "CNY", limit: int = 200
) -> dict[str, Any]:
    """Open receivables in aging buckets as of `as_of` (default today), by `group`: customer,
    contract, ar or invoice; with the DSO (90 days)."""
    if group not in selectors.GROUPS:
        raise ValidationError({"group": [_("Group by customer, contract, ar or invoice.")]})
    day = as_of or timezone.localdate()
    result = selectors.aging(
        user=request.user, as_of=day, group=group, currency=_currency(currency), limit=max(0, min(limit, 1000))
    )
    return {
        "as_of": day,
        "currency": result.currency,
        "group": group,
        "total": result.total,
        "grand_total": result.grand_total,
        "dso": selectors.dso(user=request.user, as_of=day, currency=currency, receivable=result.grand_total),
        "rows": result.rows,
    }


@router.get("/receivables/forecast", response=list[ForecastOut])
def receivables_forecast(request: AuthedRequest, months: int = 12, currency: str = "CNY") -> list[dict[str, Any]]:
    """Expected collections by month (回款预测) from open invoices and the schedule."""
    return selectors.forecast(
        user=request.user, today=timezone.localdate(), months=max(1, min(months, 36)), currency=_currency(currency)
    )


@router.get("/receivables/balances/{account_id}", response=dict[str, Decimal])
def receivables_balance(request: AuthedRequest, account_id: int) -> dict[str, Decimal]:
    """A customer's balance and its parts."""
    return selectors.balances(user=request.user, account=account_id)


@router.get("/collections", response=Page[CollectionOut])
def collection_list(request: AuthedRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Overdue invoices with their collection level and promises to pay, oldest due first."""
    today = timezone.localdate()
    page = paginate(selectors.overdue_list(user=request.user, today=today), limit=limit, offset=offset)
    page["items"] = [
        {
            "invoice": inv,
            "days_overdue": inv.days_overdue(today),
            "level": inv.collection_level,
            "promises": list(inv.promises.all()),
        }
        for inv in page["items"]
    ]
    return page


# --- bank statements -------------------------------------------------------------------------


@router.post("/bank-statements", response={201: StatementOut})
def statement_import(request: AuthedRequest, file: File[UploadedFile]) -> Status[Any]:
    """Import a bank statement CSV (header: date, amount, payer, reference; currency optional)."""
    statement = services.statement_import(actor=request.user, filename=file.name or "", content=file.read())
    return Status(201, statement)


@router.get("/bank-statements/{statement_id}", response=StatementOut)
def statement_get(request: AuthedRequest, statement_id: int) -> BankStatement:
    """The statement's lines, each open one with its match suggestions."""
    return selectors.statement_get(user=request.user, pk=statement_id)


def _line(request: AuthedRequest, line_id: int) -> StatementLine:
    return selectors.statement_line_get(user=request.user, pk=line_id)


@router.post("/bank-statements/lines/{line_id}/record", response={201: PaymentDetailOut})
def statement_line_record(request: AuthedRequest, line_id: int, payload: RecordLineIn) -> Status[Any]:
    """Record the credit as a payment of `account_id`, allocated as given."""
    payment = services.statement_line_record(
        actor=request.user,
        line=_line(request, line_id),
        account_id=payload.account_id,
        allocations=_items(payload.allocations),
    )
    return Status(201, selectors.payment_get(user=request.user, pk=payment.pk))


@router.post("/bank-statements/lines/{line_id}/ignore", response=StatementLineOut)
def statement_line_ignore(request: AuthedRequest, line_id: int) -> StatementLine:
    return services.statement_line_ignore(actor=request.user, line=_line(request, line_id))
