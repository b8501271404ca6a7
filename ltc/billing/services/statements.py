"""Bank statements: import a CSV export, suggest for each credit the customer and invoices it
pays (by invoice number in the reference, by amount, by the payer's name), record it as a payment."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ltc.billing.access import require_billing
from ltc.billing.choices import InvoiceKind, InvoiceStatus, PaymentMethod, StatementLineStatus
from ltc.billing.models import BankStatement, Invoice, Payment, StatementLine
from ltc.billing.services.common import Errors, amount, day, raise_if
from ltc.billing.services.payments import payment_record
from ltc.core import timeline
from ltc.core.money import Currency
from ltc.customers.models import Account
from ltc.org.models import User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# Column names as banks export them (English and Chinese), lower-cased.
COLUMNS = {
    "date": ("date", "booking date", "value date", "日期", "交易日期", "记账日期"),
    "amount": ("amount", "credit", "金额", "贷方金额", "收入金额", "交易金额"),
    "currency": ("currency", "币种"),
    "payer": ("payer", "counterparty", "name", "付款人", "对方户名", "对方名称"),
    "reference": ("reference", "remittance", "memo", "摘要", "附言", "用途", "备注"),
}
INVOICE_NUMBER = re.compile(r"(?:INV|CN)\d{4}-\d{6}", re.IGNORECASE)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": [_("The file is neither UTF-8 nor GBK text.")]})


def _header(row: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in row]
    found = {}
    for column, aliases in COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases:
                found[column] = i
                break
    return found


def statement_import(*, actor: User, filename: str, content: bytes) -> BankStatement:
    """Read the CSV (a header row naming date, amount, payer, reference; currency optional):
    credits become lines to match; debits and empty amounts are skipped. Any bad row refuses
    the whole file with the row's errors; nothing is imported."""
    require_billing(actor)
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
    rows = list(csv.reader(io.StringIO(_decode(content))))
    if not rows:
        raise ValidationError({"file": [_("The file is empty.")]})
    columns = _header(rows[0])
    missing = [name for name in ("date", "amount") if name not in columns]
    if missing:
        raise ValidationError({"file": [_("The header row needs the columns: %(c)s.") % {"c": ", ".join(missing)}]})
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)d rows.") % {"n": MAX_ROWS}]})
    errors: Errors = {}
    lines = []

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        raw_amount = cell(row, "amount").replace(",", "").replace("¥", "")
        if not raw_amount or raw_amount.startswith("-"):
            continue  # a debit or no amount: not money received
        value = amount(raw_amount, f"rows.{number}.amount", errors)
        booked = day(cell(row, "date").replace("/", "-"), f"rows.{number}.date", errors, not_future=False)
        currency = cell(row, "currency").upper() or Currency.CNY
        if currency in ("RMB", "人民币"):
            currency = Currency.CNY
        if currency not in Currency.values:
            errors[f"rows.{number}.currency"] = [_("Unknown currency %(c)s.") % {"c": currency}]
        if value is not None and booked is not None:
            lines.append(
                StatementLine(
                    row=number,
                    booked_on=booked,
                    amount=value,
                    currency=currency,
                    payer=cell(row, "payer")[:200],
                    reference=cell(row, "reference")[:200],
                )
            )
    raise_if(errors)
    with transaction.atomic():
        statement = BankStatement.objects.create(
            filename=(filename or "statement.csv")[:200], imported_by=actor, line_count=len(lines)
        )
        for line in lines:
            line.statement = statement
        StatementLine.objects.bulk_create(lines)
        timeline.record_created(actor=actor, subject=statement, text=_("%(n)d credits imported.") % {"n": len(lines)})
    return statement


@dataclass(frozen=True)
class Suggestion:
    invoice: Invoice
    score: int
    reasons: tuple[str, ...]


def _accounts_named(payer: str) -> list[int]:
    name = payer.strip()
    if len(name) < 2:
        return []
    return list(
        Account.objects.active().filter(Q(name__iexact=name) | Q(name__icontains=name)).values_list("pk", flat=True)[:5]
    )


def suggestions(line: StatementLine, limit: int = 5) -> list[Suggestion]:
    """Open invoices this credit may pay, best first: its number in the reference (+60), the
    payer's name is the customer (+25), the open balance equals the amount (+30)."""
    open_invoices = Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, open_amount__gt=0, currency=line.currency
    ).select_related("account")
    numbers = {n.upper() for n in INVOICE_NUMBER.findall(line.reference)}
    accounts = _accounts_named(line.payer)
    candidates = {
        inv.pk: inv
        for inv in open_invoices.filter(
            Q(number__in=numbers)
            | Q(account_id__in=accounts)
            | Q(open_amount=line.amount)
            | (Q(tax_invoice_number__in=line.reference.split()) if line.reference.strip() else Q(pk__in=[]))
        ).order_by("due_date", "pk")[:50]
    }
    ranked = []
    for invoice in candidates.values():
        score, reasons = 0, list[str]()
        if invoice.number.upper() in numbers or (
            invoice.tax_invoice_number and invoice.tax_invoice_number in line.reference
        ):
            score, reasons = score + 60, [*reasons, str(_("invoice number in the reference"))]
        if invoice.account_id in accounts:
            score, reasons = score + 25, [*reasons, str(_("payer is the customer"))]
        if invoice.open_amount == line.amount:
            score, reasons = score + 30, [*reasons, str(_("amount equals the open balance"))]
        ranked.append(Suggestion(invoice, score, tuple(reasons)))
    ranked.sort(key=lambda s: (-s.score, s.invoice.due_date or s.invoice.created_at.date(), s.invoice.pk))
    return ranked[:limit]


def statement_line_record(*, actor: User, line: StatementLine, account_id: Any, allocations: Any = None) -> Payment:
    """Record the credit as a bank-transfer payment of `account_id`, allocated as given."""
    require_billing(actor)
    if line.status != StatementLineStatus.OPEN:
        raise ValidationError({"status": [_("This line is already %(s)s.") % {"s": line.get_status_display()}]})
    with transaction.atomic():
        locked = StatementLine.objects.select_for_update().get(pk=line.pk)
        if locked.status != StatementLineStatus.OPEN:
            raise ValidationError({"status": [_("This line is already %(s)s.") % {"s": locked.get_status_display()}]})
        payment = payment_record(
            actor=actor,
            data={
                "account_id": account_id,
                "amount": locked.amount,
                "currency": locked.currency,
                "received_on": locked.booked_on,
                "method": PaymentMethod.BANK_TRANSFER,
                "bank_reference": locked.reference[:100],
                "note": locked.payer,
                "allocations": allocations,
            },
        )
        locked.status, locked.payment = StatementLineStatus.RECORDED, payment
        locked.save(update_fields=["status", "payment"])
    line.refresh_from_db()
    return payment


def statement_line_ignore(*, actor: User, line: StatementLine) -> StatementLine:
    """Not a customer payment (a refund from a supplier, interest ...): set aside."""
    require_billing(actor)
    if line.status != StatementLineStatus.OPEN:
        raise ValidationError({"status": [_("This line is already %(s)s.") % {"s": line.get_status_display()}]})
    line.status = StatementLineStatus.IGNORED
    line.save(update_fields=["status"])
    return line
