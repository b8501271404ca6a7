"""Every read of billing, with access applied (billing.access): lists, the schedule, and the
receivables reports — aging as of any date, balances, DSO, the collection forecast (回款预测)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from ltc.billing.access import account_visible_q, can_bill, schedule_visible_q
from ltc.billing.choices import RETENTION_PAYMENT_DAYS, InvoiceKind, InvoiceStatus, LineStatus, PaymentKind
from ltc.billing.models import Allocation, BankStatement, BillingLine, Invoice, Payment, StatementLine
from ltc.contracts.models import Contract
from ltc.core.access import fetch_or_404
from ltc.core.money import quantize
from ltc.customers.models import Account
from ltc.org.models import User
from ltc.quotes.choices import TermTrigger

ZERO = Decimal(0)
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
AMOUNTS = {*BUCKETS, "total"}
# What the aging groups by: the invoice's column (the AR through the contract).
GROUPS = {"customer": "account_id", "contract": "contract_id", "ar": "contract__owner_id", "invoice": "id"}
INVOICE_SORTS = {
    "-created": ("-created_at", "-id"),
    "due": ("due_date", "id"),
    "-open": ("-open_amount", "-id"),
    "number": ("number", "id"),
}


@dataclass(frozen=True)
class InvoiceFilters:
    q: str = ""
    status: str = ""
    kind: str = ""
    overdue: bool = False
    account: int | None = None
    contract: int | None = None
    sort: str = "-created"


def invoice_list(
    *, user: Any, filters: InvoiceFilters = InvoiceFilters(), today: date | None = None
) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("account", "contract").filter(account_visible_q(user))
    if term := filters.q.strip()[:100]:
        qs = qs.filter(
            Q(number__icontains=term)
            | Q(account__name__icontains=term)
            | Q(contract__number__icontains=term)
            | Q(tax_invoice_number__icontains=term)
        )
    if filters.status in InvoiceStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.kind in InvoiceKind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.overdue:
        qs = qs.filter(open_amount__gt=0, due_date__lt=today or timezone.localdate())
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.contract:
        qs = qs.filter(contract_id=filters.contract)
    return qs.order_by(*INVOICE_SORTS.get(filters.sort, INVOICE_SORTS["-created"]))


def invoice_get(*, user: Any, pk: Any) -> Invoice:
    return fetch_or_404(
        (
            Invoice.objects.select_related(
                "account",
                "contract__owner__team",
                "contract__quote_version",
                "billing_line__milestone",
                "credited_invoice",
            ).filter(account_visible_q(user))
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class PaymentFilters:
    q: str = ""
    kind: str = ""
    account: int | None = None
    unallocated: bool = False


def payment_list(*, user: Any, filters: PaymentFilters = PaymentFilters()) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("account").filter(account_visible_q(user))
    if term := filters.q.strip()[:100]:
        qs = qs.filter(Q(number__icontains=term) | Q(account__name__icontains=term) | Q(bank_reference__icontains=term))
    if filters.kind in PaymentKind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.unallocated:
        qs = qs.filter(unallocated__gt=0)
    return qs.order_by("-received_on", "-id")


def payment_get(*, user: Any, pk: Any) -> Payment:
    return fetch_or_404(Payment.objects.select_related("account", "original").filter(account_visible_q(user)), pk=pk)


def schedule_contract(*, user: Any, pk: Any) -> Contract:
    """The contract whose schedule the user may read (billing.access.schedule_visible_q)."""
    return fetch_or_404(
        Contract.objects.select_related("account", "owner", "current").filter(schedule_visible_q(user)), pk=pk
    )


def schedule_lines(contract: Contract) -> list[BillingLine]:
    return list(
        BillingLine.objects.filter(contract=contract).select_related("milestone", "invoice").order_by("position", "id")
    )


def schedule_invoices(*, user: Any, contract: Contract) -> tuple[list[Invoice], set[int]]:
    """Every invoice and credit note of the contract (the schedule's reader sees what was billed),
    and the ids of those the user may open."""
    invoices = list(Invoice.objects.filter(contract=contract).order_by(*INVOICE_SORTS["-created"]))
    readable = set(
        Invoice.objects.filter(contract=contract).filter(account_visible_q(user)).values_list("pk", flat=True)
    )
    return invoices, readable


def schedule_list(*, user: Any, status: str = "") -> QuerySet[BillingLine]:
    qs = BillingLine.objects.select_related("contract", "invoice").filter(account_visible_q(user, "contract__account"))
    if status in LineStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("contract_id", "position", "id")


def statement_list(*, user: Any) -> QuerySet[BankStatement]:
    return BankStatement.objects.all() if can_bill(user) else BankStatement.objects.none()


def statement_get(*, user: Any, pk: Any) -> BankStatement:
    return fetch_or_404(statement_list(user=user), pk=pk)


def statement_line_get(*, user: Any, pk: Any) -> StatementLine:
    """A line of a bank statement the user may read (a child record, authorised through it)."""
    return fetch_or_404(StatementLine.objects.filter(statement__in=statement_list(user=user)), pk=pk)


def schedule_line_get(*, user: Any, pk: Any) -> BillingLine:
    """A line of a billing schedule the user may read, with its contract."""
    lines = BillingLine.objects.select_related("contract").filter(
        contract__in=Contract.objects.filter(schedule_visible_q(user))
    )
    return fetch_or_404(lines, pk=pk)


# --- receivables -----------------------------------------------------------------------------


@dataclass
class Aging:
    as_of: date
    currency: str
    total: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def grand_total(self) -> Decimal:
        return sum(self.total.values(), ZERO)


def _bucket_sums(queryset: QuerySet[Any], key: str, prefix: str, amount: str, as_of: date) -> QuerySet[Any]:
    """One row per group: the amounts in each aging bucket (by the invoice's due date)."""
    due = f"{prefix}due_date"
    edges = [as_of - timedelta(days=d) for d in (0, 30, 60, 90)]
    filters = [
        Q(**{f"{due}__gte": edges[0]}),
        Q(**{f"{due}__lt": edges[0], f"{due}__gte": edges[1]}),
        Q(**{f"{due}__lt": edges[1], f"{due}__gte": edges[2]}),
        Q(**{f"{due}__lt": edges[2], f"{due}__gte": edges[3]}),
        Q(**{f"{due}__lt": edges[3]}),
    ]
    sums = {bucket: Sum(amount, filter=f, default=ZERO) for bucket, f in zip(BUCKETS, filters, strict=True)}
    rows: QuerySet[Any] = queryset.values(key).annotate(**sums).order_by()
    return rows


def _labels(group: str, keys: list[Any]) -> dict[Any, str]:
    """What each shown group is called (read for the shown rows only)."""
    if group == "customer":
        return dict(Account.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group == "contract":
        return dict(Contract.objects.filter(pk__in=keys).values_list("pk", "number"))
    if group == "ar":
        return {user.pk: str(user) for user in User.objects.filter(pk__in=keys)}
    return dict(Invoice.objects.filter(pk__in=keys).values_list("pk", "number"))


def aging(*, user: Any, as_of: date, group: str = "customer", currency: str = "CNY", limit: int = 200) -> Aging:
    """Open receivables as of `as_of` in aging buckets (not due, 1–30, 31–60, 61–90, 90+ days
    past due), per customer / contract / AR / invoice. Read from the invoices' open balances,
    adding back what was paid or credited after `as_of` (so a recent date reads few rows);
    summed per group in the database, the names read for the shown rows only."""
    group = group if group in GROUPS else "customer"
    key = GROUPS[group]
    base = Invoice.objects.filter(
        account_visible_q(user),
        kind=InvoiceKind.INVOICE,
        currency=currency,
        issue_date__lte=as_of,
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED),
    )
    paid_later = Allocation.objects.filter(applied_on__gt=as_of, invoice__in=base)
    credited_later = Invoice.objects.filter(
        kind=InvoiceKind.CREDIT_NOTE, issue_date__gt=as_of, credited_invoice__in=base
    )
    parts = (
        (_bucket_sums(base.filter(open_amount__gt=0), key, "", "open_amount", as_of), key),
        (_bucket_sums(paid_later, f"invoice__{key}", "invoice__", "amount", as_of), f"invoice__{key}"),
        (
            _bucket_sums(credited_later, f"credited_invoice__{key}", "credited_invoice__", "total", as_of),
            f"credited_invoice__{key}",
        ),
    )
    sums: dict[Any, list[Decimal]] = defaultdict(lambda: [ZERO] * len(BUCKETS))
    for rows, name in parts:
        for row in rows:
            values = sums[row[name]]
            for i, bucket in enumerate(BUCKETS):
                values[i] += row[bucket]
    result = Aging(as_of=as_of, currency=currency)
    for k, values in sums.items():
        if not any(values):
            continue
        result.rows.append({"key": k, **dict(zip(BUCKETS, values, strict=True)), "total": sum(values, ZERO)})
        for bucket, value in zip(BUCKETS, values, strict=True):
            result.total[bucket] += value
    result.rows.sort(key=lambda r: -r["total"])
    result.rows = [{k: quantize(v) if k in AMOUNTS else v for k, v in row.items()} for row in result.rows[:limit]]
    result.total = {bucket: quantize(value) for bucket, value in result.total.items()}
    labels = _labels(group, [r["key"] for r in result.rows])
    for row in result.rows:
        row["name"] = labels.get(row["key"], "")
    return result


def dso(
    *, user: Any, as_of: date, days: int = 90, currency: str = "CNY", receivable: Decimal | None = None
) -> Decimal | None:
    """Days sales outstanding: receivables as of `as_of` (pass them when the aging is at hand)
    over what was invoiced (less credit notes) in the `days` before, times `days`. None when
    nothing was invoiced."""
    if receivable is None:
        receivable = aging(user=user, as_of=as_of, group="customer", currency=currency, limit=0).grand_total
    window = Invoice.objects.filter(
        account_visible_q(user),
        currency=currency,
        issue_date__gt=as_of - timedelta(days=days),
        issue_date__lte=as_of,
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED),
    ).aggregate(
        invoiced=Sum("total", filter=Q(kind=InvoiceKind.INVOICE), default=ZERO),
        credited=Sum("total", filter=Q(kind=InvoiceKind.CREDIT_NOTE), default=ZERO),
    )
    sales = window["invoiced"] - window["credited"]
    if sales <= 0:
        return None
    return Decimal(receivable / sales * days).quantize(Decimal("0.1"))


def forecast(*, user: Any, today: date, months: int = 12, currency: str = "CNY") -> list[dict[str, Any]]:
    """Expected collections by month (回款预测): open invoices by due date (overdue ones in the
    current month), draft invoices and schedule lines not yet invoiced by when their trigger is
    expected plus their payment days."""
    start = today.replace(day=1)
    keys = []
    month = start
    for _i in range(months):
        keys.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    sums: dict[date, dict[str, Any]] = {k: {"month": k, "invoiced": ZERO, "scheduled": ZERO} for k in keys}

    def put(when: date | None, kind: str, value: Decimal) -> None:
        key = max(when or today, start).replace(day=1)
        if key in sums:
            sums[key][kind] += value

    # Summed in the database per due month / payment days / expected day: few rows come back.
    visible = account_visible_q(user)
    invoices = Invoice.objects.filter(visible, kind=InvoiceKind.INVOICE, currency=currency)
    for row in (
        invoices.filter(status=InvoiceStatus.ISSUED, open_amount__gt=0)
        .annotate(month=TruncMonth("due_date"))
        .values("month")
        .annotate(s=Sum("open_amount"))
        .order_by()
    ):
        put(row["month"], "invoiced", row["s"])
    for row in invoices.filter(status=InvoiceStatus.DRAFT).values("payment_days").annotate(s=Sum("total")).order_by():
        put(today + timedelta(days=row["payment_days"]), "scheduled", row["s"])
    lines = (
        BillingLine.objects.filter(
            account_visible_q(user, "contract__account"),
            status__in=(LineStatus.PLANNED, LineStatus.DUE),
            currency=currency,
        )
        .values("expected_on", "days", "trigger")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for row in lines:
        pay_days = RETENTION_PAYMENT_DAYS if row["trigger"] == TermTrigger.WARRANTY else row["days"]
        put((row["expected_on"] or today) + timedelta(days=pay_days), "scheduled", row["s"])
    return [
        {**row, "invoiced": quantize(row["invoiced"]), "scheduled": quantize(row["scheduled"]),
         "total": quantize(row["invoiced"] + row["scheduled"])}
        for row in sums.values()
    ]  # fmt: skip


def balances(*, user: Any, account: int) -> dict[str, Decimal]:
    """A customer's balance: invoices − credit notes − receipts + reversals + refunds, and
    its parts (open invoices, unallocated credit). A customer whose billing the user does not
    see answers 404, like every other record out of sight."""
    visible = account_visible_q(user)
    if not Account.objects.filter(account_visible_q(user, path=""), pk=account).exists():
        raise Http404
    inv = (
        Invoice.objects.filter(visible, account_id=account)
        .exclude(number="")
        .aggregate(
            invoiced=Sum("total", filter=Q(kind=InvoiceKind.INVOICE), default=ZERO),
            credited=Sum("total", filter=Q(kind=InvoiceKind.CREDIT_NOTE), default=ZERO),
            open=Sum("open_amount", filter=Q(kind=InvoiceKind.INVOICE), default=ZERO),
        )
    )
    pay = Payment.objects.filter(visible, account_id=account).aggregate(
        received=Sum("amount", filter=Q(kind=PaymentKind.RECEIPT), default=ZERO),
        reversed=Sum("amount", filter=Q(kind=PaymentKind.REVERSAL), default=ZERO),
        refunded=Sum("amount", filter=Q(kind=PaymentKind.REFUND), default=ZERO),
        credit=Sum("unallocated", default=ZERO),
    )
    balance = inv["invoiced"] - inv["credited"] - pay["received"] + pay["reversed"] + pay["refunded"]
    # Sums are rounded to the cent: SQLite adds decimals as floats.
    return {name: quantize(Decimal(value)) for name, value in {**inv, **pay, "balance": balance}.items()}


def overdue_list(*, user: Any, today: date) -> QuerySet[Invoice]:
    """Overdue invoices oldest due first, with their customer, AR and promises to pay."""
    return (
        Invoice.objects.filter(
            account_visible_q(user),
            kind=InvoiceKind.INVOICE,
            status=InvoiceStatus.ISSUED,
            open_amount__gt=0,
            due_date__lt=today,
        )
        .select_related("account", "contract__owner")
        .prefetch_related("promises")
        .order_by("due_date", "id")
    )
