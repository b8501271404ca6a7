"""How billing follows the contract (registered from BillingConfig.ready): a signed contract
gets its schedule (its signing terms billed at once), a delivered or accepted milestone bills the
terms it triggers, an amendment re-plans what is not yet invoiced, a termination stops the rest;
and the contract's close check asks whether everything is invoiced and settled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from ltc.billing.choices import InvoiceKind, InvoiceStatus, LineStatus
from ltc.billing.models import BillingLine, Invoice
from ltc.billing.services import schedule
from ltc.contracts.models import Contract
from ltc.core import events
from ltc.core.money import money_text


def _signed(contract: Any, payload: dict[str, Any]) -> None:
    schedule.plan(contract)
    schedule.bill_fired(contract)


def _milestone(milestone: Any, payload: dict[str, Any]) -> None:
    schedule.bill_fired(Contract.objects.select_related("account", "current").get(pk=milestone.contract_id))


def _amended(contract: Any, payload: dict[str, Any]) -> None:
    contract = Contract.objects.select_related("account", "current").get(pk=contract.pk)
    schedule.replan(contract)
    schedule.bill_fired(contract)


def _terminated(contract: Any, payload: dict[str, Any]) -> None:
    schedule.supersede_open(contract)


def settlement_problems(contract: Contract) -> list[str]:
    """What stops the contract from closing on the billing side: terms not yet invoiced, drafts
    not issued, invoices with an open balance."""
    problems = []
    for line in BillingLine.objects.filter(contract=contract, status__in=(LineStatus.PLANNED, LineStatus.DUE)):
        problems.append(_("Not yet invoiced: %(l)s (%(a)s).") % {"l": line.label, "a": money_text(line.amount)})
    invoices = Invoice.objects.filter(contract=contract, kind=InvoiceKind.INVOICE)
    for invoice in invoices.filter(status=InvoiceStatus.DRAFT):
        problems.append(
            _("Draft invoice not issued: %(l)s (%(a)s).") % {"l": invoice.note, "a": money_text(invoice.total)}
        )
    for number, open_amount in invoices.filter(status=InvoiceStatus.ISSUED, open_amount__gt=0).values_list(
        "number", "open_amount"
    ):
        problems.append(_("Invoice %(n)s has %(a)s open.") % {"n": number, "a": money_text(open_amount)})
    return problems


def invoiced_total(contract: Contract) -> Decimal:
    row = Invoice.objects.filter(contract=contract, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED).aggregate(
        s=Sum("total")
    )
    return row["s"] or Decimal(0)


def register() -> None:
    from ltc.contracts.services import CLOSE_CHECKS

    events.react("contract.signed", _signed)
    events.react("milestone.delivered", _milestone)
    events.react("milestone.accepted", _milestone)
    events.react("contract.amended", _amended)
    events.react("contract.terminated", _terminated)
    if settlement_problems not in CLOSE_CHECKS:
        CLOSE_CHECKS.append(settlement_problems)
