"""Invoices and credit notes: edit a draft, issue it (gapless number per series and year), record
the tax invoice (发票), cancel it, credit it (红字). Issued documents are never edited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.billing.access import require_billing
from ltc.billing.choices import InvoiceKind, InvoiceStatus, LineStatus
from ltc.billing.events import InvoiceCancelled, InvoiceCredited, InvoiceIssued
from ltc.billing.models import BillingLine, Invoice, InvoiceLine
from ltc.billing.services import notices, schedule
from ltc.billing.services.common import Errors, amount, day, raise_if, text
from ltc.contracts.models import ContractLine
from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.events import emit
from ltc.core.forms import is_id
from ltc.core.money import money_text
from ltc.core.numbering import document_number
from ltc.org.models import User

ZERO = Decimal(0)
SERIES = {InvoiceKind.INVOICE: "invoice", InvoiceKind.CREDIT_NOTE: "credit_note"}
MAX_PAYMENT_DAYS = 365


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _not_issued(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(
            {
                "status": [
                    _("An issued invoice is never edited: cancel it or issue a credit note.")
                    if invoice.status == InvoiceStatus.ISSUED
                    else _("This invoice is cancelled.")
                ]
            }
        )


def invoice_update(*, actor: User, invoice: Invoice, expected_version: int, data: dict[str, Any]) -> Invoice:
    """Edit a draft: its payment days and note."""
    require_billing(actor)
    _not_issued(invoice)
    errors: Errors = {}
    fields = []
    if "payment_days" in data:
        raw = str(data["payment_days"]).strip()
        if not is_id(raw) or int(raw) > MAX_PAYMENT_DAYS:
            errors["payment_days"] = [_("Enter a number of days from 0 to %(n)d.") % {"n": MAX_PAYMENT_DAYS}]
        else:
            invoice.payment_days = int(raw)
            fields.append("payment_days")
    if "note" in data:
        invoice.note = text(data["note"], "note", errors)
        fields.append("note")
    raise_if(errors)
    before = timeline.snapshot(Invoice.objects.get(pk=invoice.pk), fields)
    with transaction.atomic():
        save_if_current(invoice, expected_version=expected_version, fields=fields)
        timeline.record_changes(actor=actor, subject=invoice, before=before)
    return invoice


def _number(kind: str, year: int) -> str:
    return document_number(SERIES[kind], year)  # type: ignore[index]


def invoice_issue(*, actor: User, invoice: Invoice, expected_version: int, issue_date: Any = None) -> Invoice:
    """Issue a draft: it takes the next number of its series for the issue date's year (gapless,
    safe under concurrent issue: the sequence row is locked until the transaction commits), and
    its open balance starts at its total."""
    require_billing(actor)
    errors: Errors = {}
    issued_on = day(issue_date, "issue_date", errors, required=False) or timezone.localdate()
    raise_if(errors)
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.version != expected_version:
            raise StaleVersionError(invoice.version)
        _not_issued(invoice)
        if invoice.total <= 0:
            raise ValidationError({"total": [_("An invoice of zero cannot be issued.")]})
        invoice.number = _number(invoice.kind, issued_on.year)
        invoice.status, invoice.issue_date = InvoiceStatus.ISSUED, issued_on
        invoice.due_date = issued_on + timedelta(days=invoice.payment_days)
        invoice.open_amount, invoice.issued_by, invoice.issued_at = invoice.total, actor, timezone.now()
        save_if_current(
            invoice,
            expected_version=expected_version,
            fields=["number", "status", "issue_date", "due_date", "open_amount", "issued_by", "issued_at"],
        )
        timeline.note_add(
            actor=actor,
            subject=invoice,
            text=_("Issued as %(n)s, due %(d)s.") % {"n": invoice.number, "d": invoice.due_date},
        )
        timeline.note_add(
            actor=actor,
            subject=invoice.contract,
            text=_("Invoice %(n)s issued: %(a)s %(c)s.")
            % {"n": invoice.number, "a": money_text(invoice.total), "c": invoice.currency},
        )
        notices.close_tasks(invoice, _("Issued"))
        emit(
            InvoiceIssued(
                subject_id=invoice.pk,
                number=invoice.number,
                contract=invoice.contract.number,
                contract_id=invoice.contract_id,
                account_id=invoice.account_id,
                total=invoice.total,
                currency=invoice.currency,
                due_date=invoice.due_date,
            )
        )
    return invoice


def tax_invoice_record(*, actor: User, invoice: Invoice, number: Any, issued_on: Any) -> Invoice:
    """Record the external tax invoice (发票) for an issued invoice or credit note."""
    require_billing(actor)
    errors: Errors = {}
    value = text(number, "tax_invoice_number", errors, required=True, limit=40)
    when = day(issued_on, "tax_invoice_date", errors)
    if invoice.status == InvoiceStatus.DRAFT:
        errors["status"] = [_("Issue the invoice first.")]
    elif when and invoice.issue_date and when < invoice.issue_date:
        errors["tax_invoice_date"] = [_("The tax invoice cannot be dated before the invoice.")]
    raise_if(errors)
    with transaction.atomic():
        before = timeline.snapshot(invoice, ["tax_invoice_number", "tax_invoice_date"])
        invoice.tax_invoice_number, invoice.tax_invoice_date = value, when
        save_if_current(invoice, expected_version=invoice.version, fields=["tax_invoice_number", "tax_invoice_date"])
        timeline.record_changes(actor=actor, subject=invoice, before=before)
    return invoice


def _credit_note(actor: User, invoice: Invoice, value: Decimal, reason: str) -> Invoice:
    """Issue a credit note of `value` on the (locked) invoice and lower its open balance."""
    rows = [
        InvoiceLine(
            position=line.position,
            contract_line_id=line.contract_line_id,
            line_key=line.line_key,
            code=line.code,
            name=line.name,
            net_amount=line.net_amount,
            tax_rate=line.tax_rate,
            tax_amount=line.tax_amount,
            total=line.total,
        )
        for line in invoice.lines.all()
    ]
    if value != invoice.total:  # a part: the lines' shares of it
        rows = [
            InvoiceLine(
                position=r[0],
                contract_line_id=r[1],
                line_key=r[2],
                code=r[3],
                name=r[4],
                net_amount=r[5],
                tax_rate=r[6],
                tax_amount=r[7],
                total=r[8],
            )
            for r in schedule.invoice_lines(value, [_as_contract_line(r) for r in rows], Decimal(invoice.total))
        ]
    today = timezone.localdate()
    note = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        number=_number(InvoiceKind.CREDIT_NOTE, today.year),
        status=InvoiceStatus.ISSUED,
        account_id=invoice.account_id,
        contract_id=invoice.contract_id,
        credited_invoice=invoice,
        currency=invoice.currency,
        issue_date=today,
        payment_days=0,
        due_date=today,
        net_total=sum((r.net_amount for r in rows), ZERO),
        tax_total=sum((r.tax_amount for r in rows), ZERO),
        total=value,
        reason=reason,
        created_by=actor,
        issued_by=actor,
        issued_at=timezone.now(),
    )
    for row in rows:
        row.invoice = note
    InvoiceLine.objects.bulk_create(rows)
    invoice.credited += value
    invoice.open_amount -= value
    timeline.note_add(
        actor=actor,
        subject=invoice,
        text=_("Credit note %(n)s: %(a)s. %(r)s") % {"n": note.number, "a": money_text(value), "r": reason},
    )
    timeline.record_created(actor=actor, subject=note, text=reason)
    return note


def _credited(invoice: Invoice, note: Invoice) -> None:
    """Announce the credit note once the invoice is saved: in-transaction reactions (the step
    log) read the invoice as it now stands."""
    emit(
        InvoiceCredited(
            subject_id=invoice.pk,
            number=invoice.number,
            credit_note=note.number,
            amount=note.total,
            currency=invoice.currency,
        )
    )


def _as_contract_line(row: InvoiceLine) -> ContractLine:
    """An invoice line in the shape `schedule.invoice_lines` splits (its own total and VAT)."""
    return ContractLine(
        pk=row.contract_line_id,
        key=row.line_key or 0,
        code=row.code,
        name=row.name,
        net_amount=row.net_amount,
        tax_rate=row.tax_rate,
        tax_amount=row.tax_amount,
        total=row.total,
    )


def invoice_credit(*, actor: User, invoice: Invoice, value: Any, reason: Any) -> Invoice:
    """Correct an issued invoice by a credit note (红字) of at most its open balance."""
    require_billing(actor)
    errors: Errors = {}
    credit = amount(value, "amount", errors)
    why = text(reason, "reason", errors, required=True)
    if invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.ISSUED:
        errors["status"] = [_("Only an issued invoice can be credited.")]
    if errors or not (credit is not None):
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(invoice)
        if credit > locked.open_amount:
            raise ValidationError(
                {"amount": [_("At most the open balance, %(a)s.") % {"a": money_text(locked.open_amount)}]}
            )
        note = _credit_note(actor, locked, credit, why)
        locked.version += 1
        locked.save(update_fields=["credited", "open_amount", "version"])
        _credited(locked, note)
    invoice.refresh_from_db()
    return note


def invoice_cancel(*, actor: User, invoice: Invoice, reason: Any = "") -> Invoice:
    """Cancel a draft (its schedule line is due again), or an issued invoice nothing was paid on:
    a credit note of its whole total cancels it. A paid invoice is credited for its open part.
    Either way the cancellation is announced (invoice.cancelled)."""
    require_billing(actor)
    errors: Errors = {}
    why = text(reason, "reason", errors, required=invoice.status == InvoiceStatus.ISSUED)
    if invoice.kind != InvoiceKind.INVOICE or invoice.status == InvoiceStatus.CANCELLED:
        errors["status"] = [_("This invoice cannot be cancelled.")]
    raise_if(errors)
    note: Invoice | None = None
    with transaction.atomic():
        locked = _locked(invoice)
        if locked.status == InvoiceStatus.ISSUED:
            if locked.allocated or locked.credited:
                raise ValidationError(
                    {"status": [_("Payments or credits are booked on it: issue a credit note for the open part.")]}
                )
            note = _credit_note(actor, locked, Decimal(locked.total), why)
        locked.status, locked.cancelled_at = InvoiceStatus.CANCELLED, timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "cancelled_at", "credited", "open_amount", "version"])
        if note is not None:
            _credited(locked, note)
        timeline.note_add(actor=actor, subject=locked, text=(_("Cancelled.") + " " + why).strip())
        notices.close_tasks(locked, _("Cancelled"))
        schedule.reopen_line(locked)
        emit(
            InvoiceCancelled(
                subject_id=locked.pk,
                number=locked.number,
                contract_id=locked.contract_id,
                account_id=locked.account_id,
                total=locked.total,
                currency=locked.currency,
                credit_note=note.number if note is not None else "",
                reason=why,
            )
        )
    invoice.refresh_from_db()
    return invoice


def billing_line_invoice(*, actor: User, line: BillingLine) -> Invoice:
    """Invoice a due schedule line anew (after its invoice was cancelled)."""
    require_billing(actor)
    with transaction.atomic():
        locked = BillingLine.objects.select_for_update().get(pk=line.pk)
        if locked.status != LineStatus.DUE:
            raise ValidationError({"status": [_("Only a due line without an invoice is invoiced here.")]})
        (draft,) = schedule.create_drafts([locked], {}, actor_id=actor.pk)
        invoice = Invoice.objects.get(pk=draft)
        timeline.record_created(actor=actor, subject=invoice)
    return invoice
