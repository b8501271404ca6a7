"""What billing shows on earlier stages' pages (ltc.core.panels): the way to a signed contract's
billing schedule and its invoices on the contract's page; the customer's invoices with an open
balance on the account's page. Only invoices the viewer reads are listed (billing.access), and
linked from the answers of a contract and an account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.billing import selectors
from ltc.billing.access import account_visible_q
from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.contracts.models import Contract
from ltc.core.money import quantize
from ltc.core.panels import ApiLink, Panel, register, register_link
from ltc.customers.models import Account

CONTRACT_INVOICES_SHOWN = 20
ACCOUNT_INVOICES_SHOWN = 5
ACCOUNT_PAYMENTS_SHOWN = 5


def contract_schedule(user: Any, contract: Contract) -> dict[str, Any] | None:
    """A signed contract has a billing schedule; whoever reads the contract reads its schedule
    (billing.access.schedule_visible_q), so the link needs no query."""
    return {} if contract.signed_on else None


def contract_invoices(user: Any, contract: Contract) -> dict[str, Any] | None:
    """The contract's invoices and credit notes the viewer reads; no panel while there is none."""
    invoices = list(
        selectors.invoice_list(user=user, filters=selectors.InvoiceFilters(contract=contract.pk))[
            :CONTRACT_INVOICES_SHOWN
        ]
    )
    return {"invoices": invoices, "today": timezone.localdate()} if invoices else None


def _reads_billing_of(user: Any, account: Account) -> bool:
    return Account.objects.filter(account_visible_q(user, path=""), pk=account.pk).exists()


def account_open_invoices(user: Any, account: Account) -> dict[str, Any] | None:
    """The customer's issued invoices with an open balance that the viewer reads, oldest due
    first, and per currency the open balance and its overdue part (amounts in different
    currencies never add up). Left out for a viewer who does not read the customer's billing:
    "no open invoices" would be a claim they cannot know."""
    today = timezone.localdate()
    unpaid = selectors.invoice_list(user=user, filters=selectors.InvoiceFilters(account=account.pk)).filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, open_amount__gt=0
    )
    invoices = list(unpaid.order_by("due_date", "id")[:ACCOUNT_INVOICES_SHOWN])
    if not invoices and not _reads_billing_of(user, account):
        return None
    balances = []
    if invoices:
        sums = (
            unpaid.order_by()
            .values("currency")
            .annotate(open=Sum("open_amount"), overdue=Sum("open_amount", filter=Q(due_date__lt=today)))
            .order_by("currency")
        )
        # SQLite adds decimals as floats: the sums are rounded to the cent (as billing.selectors.balances).
        balances = [
            (row["currency"], quantize(Decimal(str(row["open"]))), quantize(Decimal(str(row["overdue"] or 0))))
            for row in sums
        ]
    return {
        "invoices": invoices,
        "balances": [(currency, amount) for currency, amount, _overdue in balances],
        "overdue": [(currency, overdue) for currency, _amount, overdue in balances if overdue],
        "today": today,
    }


def account_payments(user: Any, account: Account) -> dict[str, Any] | None:
    """The customer's latest payments (receipts, and the refunds and reversals among them) that
    the viewer reads; left out, as the open invoices, for a viewer who does not read the
    customer's billing."""
    payments = list(
        selectors.payment_list(user=user, filters=selectors.PaymentFilters(account=account.pk))[:ACCOUNT_PAYMENTS_SHOWN]
    )
    if not payments and not _reads_billing_of(user, account):
        return None
    return {"payments": payments}


# Registered when the app is ready (BillingConfig.ready imports this module).
register(
    Panel(
        record=Contract,
        key="billing-schedule",
        title=_("Billing schedule"),
        template="billing/panels/contract_schedule.html",
        selector=contract_schedule,
        max_queries=0,
        slot="actions",
    )
)
register(
    Panel(
        record=Contract,
        key="contract-invoices",
        title=_("Invoices"),
        template="billing/panels/contract_invoices.html",
        selector=contract_invoices,
        max_queries=2,
    )
)
register(
    Panel(
        record=Account,
        key="account-open-invoices",
        title=_("Open invoices"),
        template="billing/panels/account_open_invoices.html",
        selector=account_open_invoices,
        max_queries=3,
        order=40,
    )
)
register(
    Panel(
        record=Account,
        key="account-payments",
        title=_("Payments"),
        template="billing/panels/account_payments.html",
        selector=account_payments,
        max_queries=3,
        order=45,
    )
)


def contract_has_invoices(user: Any, contract: Contract) -> bool:
    return selectors.invoice_list(user=user, filters=selectors.InvoiceFilters(contract=contract.pk)).exists()


def account_has_invoices(user: Any, account: Account) -> bool:
    return selectors.invoice_list(user=user, filters=selectors.InvoiceFilters(account=account.pk)).exists()


# Two queries for a manager: the people of the teams they manage (read once per viewer), then the rows.
register_link(
    ApiLink(
        record=Contract,
        name="invoices",
        path="/api/v1/invoices?contract={pk}",
        offered=contract_has_invoices,
        max_queries=2,
    )
)
register_link(
    ApiLink(
        record=Account,
        name="invoices",
        path="/api/v1/invoices?account={pk}",
        offered=account_has_invoices,
        max_queries=2,
    )
)
