"""GET /api/v1/accounts/{id}/summary: the customer at a glance (客户360) — how many of its deals,
quotes, contracts and payments the viewer sees, and its open and overdue receivables per
currency. It lives in billing, the last stage it counts, so the customers app imports none of
the stages after it. Every figure is read through the stage's own list selector: it counts only
what the viewer may open; the receivables are left out (null) for a viewer who does not read the
customer's billing (billing.access), as the account page leaves out its billing panels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from ninja import Router, Schema

from ltc.billing import selectors
from ltc.billing.access import account_visible_q
from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.contracts import selectors as contract_selectors
from ltc.core.money import quantize
from ltc.core.schemas import Money
from ltc.customers import selectors as customer_selectors
from ltc.customers.models import Account
from ltc.opportunities import selectors as deal_selectors
from ltc.opportunities.choices import OpportunityStatus
from ltc.org.types import AuthedRequest
from ltc.quotes import selectors as quote_selectors

router = Router(tags=["customers"])


class DealCountsOut(Schema):
    open: int
    won: int
    lost: int


class ContractCountsOut(Schema):
    total: int
    signed: int


class AmountOut(Schema):
    currency: str
    amount: Money


class ReceivablesOut(Schema):
    """Issued invoices' open amounts, per currency (amounts in different currencies never add up)."""

    open_invoices: int
    open: list[AmountOut]
    overdue: list[AmountOut]
    payments: int


class AccountSummaryOut(Schema):
    account_id: int
    status: str
    deals: DealCountsOut
    quotes: int
    contracts: ContractCountsOut
    receivables: ReceivablesOut | None


def _cents(value: Any) -> Decimal:
    # SQLite adds decimals as floats: sums are rounded to the cent (as billing.selectors.balances).
    return quantize(Decimal(str(value or 0)))


def account_summary(*, user: Any, account: Account) -> dict[str, Any]:
    """The figures of one customer the viewer reads (the account itself already authorised)."""
    deals = (
        deal_selectors.opportunity_list(user=user, filters=deal_selectors.OpportunityFilters(account=account.pk))
        .order_by()
        .aggregate(
            open=Count("pk", filter=Q(status=OpportunityStatus.OPEN)),
            won=Count("pk", filter=Q(status=OpportunityStatus.WON)),
            lost=Count("pk", filter=Q(status=OpportunityStatus.LOST)),
        )
    )
    quotes = quote_selectors.quote_list(user=user, filters=quote_selectors.QuoteFilters(account=account.pk)).count()
    contracts = (
        contract_selectors.contract_list(user=user, filters=contract_selectors.ContractFilters(account=account.pk))
        .order_by()
        .aggregate(total=Count("pk"), signed=Count("pk", filter=Q(signed_on__isnull=False)))
    )
    summary: dict[str, Any] = {
        "account_id": account.pk,
        "status": account.status,
        "deals": deals,
        "quotes": quotes,
        "contracts": contracts,
        "receivables": None,
    }
    if not Account.objects.filter(account_visible_q(user, path=""), pk=account.pk).exists():
        return summary
    today = timezone.localdate()
    unpaid = (
        selectors.invoice_list(user=user, filters=selectors.InvoiceFilters(account=account.pk))
        .filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, open_amount__gt=0)
        .order_by()
        .values("currency")
        .annotate(n=Count("pk"), open=Sum("open_amount"), overdue=Sum("open_amount", filter=Q(due_date__lt=today)))
        .order_by("currency")
    )
    rows = list(unpaid)
    payments = selectors.payment_list(user=user, filters=selectors.PaymentFilters(account=account.pk)).count()
    summary["receivables"] = {
        "open_invoices": sum(row["n"] for row in rows),
        "open": [{"currency": row["currency"], "amount": _cents(row["open"])} for row in rows],
        "overdue": [{"currency": row["currency"], "amount": _cents(row["overdue"])} for row in rows if row["overdue"]],
        "payments": payments,
    }
    return summary


@router.get("/accounts/{account_id}/summary", response=AccountSummaryOut)
def account_summary_get(request: AuthedRequest, account_id: int) -> dict[str, Any]:
    """The customer at a glance: its deals by status, quotes, contracts (signed ones apart) and,
    for a viewer who reads its billing, its open and overdue receivables per currency and its
    payments — each counting only what the viewer may open. An account out of sight is a 404
    (a merged one too: read the account itself to be led to the survivor)."""
    account = customer_selectors.account_get(user=request.user, pk=account_id)  # MergedRecord is a 404
    return account_summary(user=request.user, account=account)
