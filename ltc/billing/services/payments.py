"""Payments received (回款), their allocation to invoices (核销), refunds and reversals.

A receipt is never edited: its allocations, refunds and a reversal are new entries. Every
change locks the receipt and the invoices it touches (in primary-key order, so two allocations
cannot deadlock) and keeps their running balances in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.billing.access import require_billing
from ltc.billing.choices import InvoiceKind, InvoiceStatus, PaymentKind, PaymentMethod, PromiseStatus
from ltc.billing.events import AllocatedInvoice, PaymentAllocated, PaymentReceived, PaymentReversed
from ltc.billing.models import Allocation, Invoice, Payment
from ltc.billing.services.common import Errors, amount, day, raise_if, text
from ltc.core import timeline
from ltc.core.bulk import next_ids
from ltc.core.events import emit
from ltc.core.forms import is_id
from ltc.core.money import Currency, money_text
from ltc.core.numbering import formatted
from ltc.customers.models import Account
from ltc.org.models import User

ZERO = Decimal(0)
MAX_ALLOCATIONS = 200


def _new_payment(kind: str, year: int, **fields: Any) -> Payment:
    """A new payment entry numbered from its id (RC2026-000123; refunds RF, reversals RV): unique
    but not gapless — a shared sequence row would make every payment wait for the one before it.
    Invoices, which the tax rules number without gaps, do take a sequence."""
    prefix = {PaymentKind.RECEIPT: "RC", PaymentKind.REFUND: "RF", PaymentKind.REVERSAL: "RV"}[kind]  # type: ignore[index]
    (pk,) = next_ids(Payment, 1)
    return Payment.objects.create(pk=pk, number=formatted(prefix, year, pk), kind=kind, **fields)


def _requested(items: Any, errors: Errors) -> dict[int, Decimal]:
    """`[{"invoice_id": 1, "amount": "10.00"}, ...]` as {invoice id: amount} (repeats add up)."""
    if items in (None, ""):
        return {}
    if not isinstance(items, list) or len(items) > MAX_ALLOCATIONS:
        errors["allocations"] = [_("Give a list of at most %(n)d allocations.") % {"n": MAX_ALLOCATIONS}]
        return {}
    wanted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"allocations.{i}"] = [_("Give an invoice and an amount.")]
            continue
        raw_id = str(item.get("invoice_id", "")).strip()
        if not is_id(raw_id):
            errors[f"allocations.{i}.invoice_id"] = [_("Choose an invoice.")]
        value = amount(item.get("amount"), f"allocations.{i}.amount", errors)
        if is_id(raw_id) and value is not None:
            wanted[int(raw_id)] += value
    return dict(wanted)


def _apply(
    actor: User, payment: Payment, wanted: dict[int, Decimal], applied_on: date, errors: Errors
) -> list[Allocation]:
    """Allocate `wanted` from the locked receipt to its customer's open invoices (locked here)."""
    invoices = {inv.pk: inv for inv in Invoice.objects.select_for_update().filter(pk__in=sorted(wanted)).order_by("pk")}
    for i, (invoice_id, value) in enumerate(wanted.items()):
        field = f"allocations.{i}"
        invoice = invoices.get(invoice_id)
        if invoice is None or invoice.account_id != payment.account_id:
            errors[f"{field}.invoice_id"] = [_("Not an invoice of this customer.")]
        elif invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.ISSUED:
            errors[f"{field}.invoice_id"] = [_("%(n)s is not an issued invoice.") % {"n": invoice}]
        elif invoice.currency != payment.currency:
            errors[f"{field}.invoice_id"] = [
                _("%(n)s is in %(c)s; the payment is in %(p)s.")
                % {"n": invoice.number, "c": invoice.currency, "p": payment.currency}
            ]
        elif value > invoice.open_amount:
            errors[f"{field}.amount"] = [
                _("%(n)s has %(a)s open.") % {"n": invoice.number, "a": money_text(invoice.open_amount)}
            ]
    total = sum(wanted.values(), ZERO)
    if total > payment.unallocated:
        errors["allocations"] = [
            _("%(a)s is more than the %(u)s unallocated.")
            % {"a": money_text(total), "u": money_text(payment.unallocated)}
        ]
    if payment.received_on > applied_on:
        errors["applied_on"] = [_("An allocation cannot be before the payment's date.")]
    raise_if(errors)
    made = []
    for invoice_id, value in wanted.items():
        invoice = invoices[invoice_id]
        made.append(Allocation(payment=payment, invoice=invoice, amount=value, applied_on=applied_on, created_by=actor))
        invoice.allocated += value
        invoice.open_amount -= value
        invoice.version += 1
        invoice.save(update_fields=["allocated", "open_amount", "version"])
        timeline.note_add(
            actor=actor,
            subject=invoice,
            text=_("%(a)s paid by %(p)s; %(o)s open.")
            % {
                "a": money_text(value),
                "p": payment.number,
                "o": money_text(invoice.open_amount),
            },
        )
        if invoice.open_amount == 0:
            invoice.promises.filter(status=PromiseStatus.OPEN).update(status=PromiseStatus.KEPT)
    Allocation.objects.bulk_create(made)
    payment.allocated += total
    payment.unallocated -= total
    payment.save(update_fields=["allocated", "unallocated"])
    return made


def payment_record(*, actor: User, data: dict[str, Any]) -> Payment:
    """Record money received: customer, amount, currency, date, method, bank reference, and
    optionally its allocations to the customer's open invoices. The rest stays as credit."""
    require_billing(actor)
    errors: Errors = {}
    raw_account = str(data.get("account_id", "")).strip()
    account = Account.objects.active().filter(pk=int(raw_account)).first() if is_id(raw_account) else None
    if account is None:
        errors["account_id"] = [_("Choose the customer who paid.")]
    value = amount(data.get("amount"), "amount", errors)
    currency = str(data.get("currency") or Currency.CNY)
    if currency not in Currency.values:
        errors["currency"] = [_("Choose a currency.")]
    received_on = day(data.get("received_on"), "received_on", errors)
    method = str(data.get("method") or PaymentMethod.BANK_TRANSFER)
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose bank transfer, acceptance bill or other.")]
    reference = text(data.get("bank_reference"), "bank_reference", errors, limit=100)
    note = text(data.get("note"), "note", errors)
    wanted = _requested(data.get("allocations"), errors)
    if account is not None and reference:
        twin = Payment.objects.filter(account=account, kind=PaymentKind.RECEIPT, bank_reference=reference).first()
        if twin is not None:
            errors["bank_reference"] = [_("Already recorded as %(n)s.") % {"n": twin.number}]
    if errors or not (account is not None and value is not None and received_on is not None):
        raise ValidationError(errors)
    with transaction.atomic():
        payment = _new_payment(
            PaymentKind.RECEIPT,
            received_on.year,
            account=account,
            currency=currency,
            amount=value,
            received_on=received_on,
            method=method,
            bank_reference=reference,
            note=note,
            unallocated=value,
            recorded_by=actor,
        )
        timeline.record_created(actor=actor, subject=payment)
        if wanted:
            _apply(actor, payment, wanted, max(received_on, timezone.localdate()), {})
        emit(
            PaymentReceived(
                subject_id=payment.pk,
                number=payment.number,
                account=account.pk,
                amount=value,
                currency=currency,
                received_on=received_on,
            )
        )
    return payment


def payment_allocate(*, actor: User, payment: Payment, items: Any, applied_on: Any = None) -> list[Allocation]:
    """Allocate (part of) a receipt's unallocated credit to open invoices of its customer, and
    announce it (payment.allocated) with each invoice's amount and what stays open on it."""
    require_billing(actor)
    errors: Errors = {}
    wanted = _requested(items, errors)
    when = day(applied_on, "applied_on", errors, required=False) or timezone.localdate()
    if not wanted and not errors:
        errors["allocations"] = [_("Give at least one invoice and amount.")]
    if not payment.is_receipt or payment.reversed:
        errors["payment"] = [_("Only a receipt that is not reversed can be allocated.")]
    raise_if(errors)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        made = _apply(actor, locked, wanted, when, {})
        total = sum((m.amount for m in made), ZERO)
        timeline.note_add(
            actor=actor,
            subject=locked,
            text=_("Allocated %(a)s; %(u)s unallocated.")
            % {"a": money_text(total), "u": money_text(locked.unallocated)},
        )
        emit(
            PaymentAllocated(
                subject_id=locked.pk,
                number=locked.number,
                account=locked.account_id,
                amount=total,
                currency=locked.currency,
                applied_on=when,
                unallocated=locked.unallocated,
                invoices=tuple(
                    AllocatedInvoice(
                        invoice_id=m.invoice.pk,
                        number=m.invoice.number,
                        amount=m.amount,
                        open_amount=m.invoice.open_amount,
                    )
                    for m in made
                ),
            )
        )
    payment.refresh_from_db()
    return made


def payment_refund(*, actor: User, payment: Payment, data: dict[str, Any]) -> Payment:
    """Pay back (part of) the unallocated credit of a receipt: a refund entry."""
    require_billing(actor)
    errors: Errors = {}
    value = amount(data.get("amount"), "amount", errors)
    when = day(data.get("refunded_on"), "refunded_on", errors, required=False) or timezone.localdate()
    reference = text(data.get("bank_reference"), "bank_reference", errors, limit=100)
    note = text(data.get("note"), "note", errors)
    if not payment.is_receipt or payment.reversed:
        errors["payment"] = [_("Only a receipt that is not reversed can be refunded.")]
    if errors or not (value is not None):
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if value > locked.unallocated:
            raise ValidationError({"amount": [_("At most the unallocated %(u)s.") % {"u": locked.unallocated}]})
        if when < locked.received_on:
            raise ValidationError({"refunded_on": [_("A refund cannot be before the payment's date.")]})
        refund = _new_payment(
            PaymentKind.REFUND,
            when.year,
            account_id=locked.account_id,
            currency=locked.currency,
            amount=value,
            received_on=when,
            method=locked.method,
            bank_reference=reference,
            note=note,
            original=locked,
            recorded_by=actor,
        )
        locked.refunded += value
        locked.unallocated -= value
        locked.save(update_fields=["refunded", "unallocated"])
        timeline.note_add(
            actor=actor,
            subject=locked,
            text=_("Refunded %(a)s as %(n)s.") % {"a": money_text(value), "n": refund.number},
        )
    payment.refresh_from_db()
    return refund


def payment_reverse(*, actor: User, payment: Payment, reason: Any) -> Payment:
    """Undo a receipt recorded in error or returned by the bank: a reversal entry of its amount;
    its allocations are undone by negative allocations, so its invoices are open again."""
    require_billing(actor)
    errors: Errors = {}
    why = text(reason, "reason", errors, required=True)
    if not payment.is_receipt or payment.reversed:
        errors["payment"] = [_("Only a receipt that is not reversed can be reversed.")]
    raise_if(errors)
    today = timezone.localdate()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.refunded:
            raise ValidationError({"payment": [_("Part of it was refunded; it cannot be reversed.")]})
        net = {
            row["invoice_id"]: row["total"]
            for row in locked.allocations.values("invoice_id").annotate(total=Sum("amount"))
            if row["total"]
        }
        invoices = Invoice.objects.select_for_update().filter(pk__in=sorted(net)).order_by("pk")
        undo = []
        for invoice in invoices:
            value = net[invoice.pk]
            undo.append(
                Allocation(
                    payment=locked,
                    invoice=invoice,
                    amount=-value,
                    applied_on=max(today, locked.received_on),
                    created_by=actor,
                )
            )
            invoice.allocated -= value
            invoice.open_amount += value
            invoice.version += 1
            invoice.save(update_fields=["allocated", "open_amount", "version"])
            timeline.note_add(
                actor=actor,
                subject=invoice,
                text=_("Payment %(p)s reversed: %(a)s open again.") % {"p": locked.number, "a": money_text(value)},
            )
        Allocation.objects.bulk_create(undo)
        reversal = _new_payment(
            PaymentKind.REVERSAL,
            today.year,
            account_id=locked.account_id,
            currency=locked.currency,
            amount=locked.amount,
            received_on=max(today, locked.received_on),
            method=locked.method,
            bank_reference=locked.bank_reference,
            note=why,
            original=locked,
            recorded_by=actor,
        )
        locked.allocated, locked.unallocated, locked.reversed = ZERO, ZERO, True
        locked.save(update_fields=["allocated", "unallocated", "reversed"])
        timeline.note_add(
            actor=actor, subject=locked, text=_("Reversed as %(n)s: %(r)s") % {"n": reversal.number, "r": why}
        )
        emit(
            PaymentReversed(
                subject_id=locked.pk,
                number=locked.number,
                reversal=reversal.number,
                account=locked.account_id,
                amount=locked.amount,
                currency=locked.currency,
                reason=why,
            )
        )
    payment.refresh_from_db()
    return reversal
