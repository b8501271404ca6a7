"""How billing follows the contract (registered from BillingConfig.ready): a signed contract
gets its schedule (its signing terms billed at once), a delivered or accepted milestone bills the
terms it triggers, an amendment re-plans what is not yet invoiced, a termination stops the rest;
and the contract's close check asks whether everything is invoiced and settled.

Each reaction runs in the contract's transaction (`IN_TRANSACTION`): a contract is never signed,
amended or terminated without its schedule following, and a failure to plan refuses the action."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from ltc.billing.choices import InvoiceKind, InvoiceStatus, LineStatus
from ltc.billing.models import BillingLine, Invoice
from ltc.billing.services import schedule
from ltc.contracts.events import (
    ContractAmended,
    ContractSigned,
    ContractTerminated,
    MilestoneAccepted,
    MilestoneDelivered,
    MilestoneEvent,
)
from ltc.contracts.models import Contract
from ltc.core.events import IN_TRANSACTION, react
from ltc.core.money import money_text


def _contract(pk: int) -> Contract:
    return Contract.objects.select_related("account", "current").get(pk=pk)


def _signed(event: ContractSigned) -> None:
    contract = _contract(event.subject_id)
    schedule.schedule_plan(contract)
    schedule.schedule_bill_fired(contract)


def _milestone(event: MilestoneEvent) -> None:
    schedule.schedule_bill_fired(_contract(event.contract_id))


def _amended(event: ContractAmended) -> None:
    contract = _contract(event.subject_id)
    schedule.schedule_replan(contract)
    schedule.schedule_bill_fired(contract)


def _terminated(event: ContractTerminated) -> None:
    schedule.supersede_open(_contract(event.subject_id))


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

    react(ContractSigned, _signed, runs=IN_TRANSACTION)
    react(MilestoneDelivered, _milestone, runs=IN_TRANSACTION)
    react(MilestoneAccepted, _milestone, runs=IN_TRANSACTION)
    react(ContractAmended, _amended, runs=IN_TRANSACTION)
    react(ContractTerminated, _terminated, runs=IN_TRANSACTION)
    if settlement_problems not in CLOSE_CHECKS:
        CLOSE_CHECKS.append(settlement_problems)
