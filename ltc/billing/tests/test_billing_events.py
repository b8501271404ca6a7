"""Billing announces every move of an invoice and of a receipt's credit: a draft made (at signing,
by the invoice run, anew for a due line), a cancellation (of a draft or of an issued invoice), and
credit allocated to invoices after the receipt was recorded — typed, read back from the outbox as
they were written, and never for a refused action."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ltc.billing import services
from ltc.billing.choices import InvoiceStatus, LineStatus
from ltc.billing.events import AllocatedInvoice, InvoiceCancelled, InvoiceDrafted, PaymentAllocated
from ltc.billing.models import BillingLine, Invoice, Payment
from ltc.billing.tests.factories import issue_drafts
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.models import IntegrationEvent

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _outbox(kind: str) -> list[IntegrationEvent]:
    return list(IntegrationEvent.objects.filter(kind=kind).order_by("pk"))


def _credit(world, invoice: Invoice, value: Decimal) -> Payment:
    """A receipt recorded without allocations: credit on the customer's account."""
    return services.payment_record(
        actor=world.finance,
        data={"account_id": invoice.account_id, "amount": value, "received_on": TODAY(), "bank_reference": "CMB-9"},
    )


def test_a_draft_made_at_signing_is_announced_with_its_line(world):
    contract = signed_contract(world, team_of(world))
    advance = Invoice.objects.get(contract=contract, status=InvoiceStatus.DRAFT)
    (row,) = _outbox("invoice.drafted")
    assert (row.subject_type, row.subject_id) == ("billing.invoice", advance.pk)
    assert InvoiceDrafted.from_outbox(row) == InvoiceDrafted(
        subject_id=advance.pk,
        contract=contract.number,
        contract_id=contract.pk,
        account_id=contract.account_id,
        billing_line_id=advance.billing_line_id,
        total=advance.total,
        currency=advance.currency,
    )


def test_the_invoice_run_announces_its_drafts_in_one_insert(world):
    catalog = Catalog()
    contracts = [signed_contract(world, team_of(world), catalog) for _ in range(2)]
    due = BillingLine.objects.filter(contract__in=contracts, status=LineStatus.PLANNED)
    due.update(trigger="date", expected_on=TODAY())
    lines = set(due.values_list("pk", flat=True))
    signing = {row.subject_id for row in _outbox("invoice.drafted")}
    assert services.invoice_run(today=TODAY()) == len(lines) == 4
    made = [row for row in _outbox("invoice.drafted") if row.subject_id not in signing]
    assert {InvoiceDrafted.from_outbox(row).billing_line_id for row in made} == lines
    assert {row.subject_id for row in made} == set(
        Invoice.objects.filter(billing_line__in=lines, status=InvoiceStatus.DRAFT).values_list("pk", flat=True)
    )
    assert len({row.created_at for row in made}) == 1  # one chunk, one set-based insert


def test_cancelling_a_draft_and_invoicing_its_line_anew_is_announced(world):
    contract = signed_contract(world, team_of(world))
    draft = Invoice.objects.get(contract=contract, status=InvoiceStatus.DRAFT)
    services.invoice_cancel(actor=world.finance, invoice=draft)
    (row,) = _outbox("invoice.cancelled")
    assert InvoiceCancelled.from_outbox(row) == InvoiceCancelled(
        subject_id=draft.pk,
        number="",
        contract_id=contract.pk,
        account_id=contract.account_id,
        total=draft.total,
        currency=draft.currency,
        credit_note="",
        reason="",
    )
    assert not _outbox("invoice.credited")  # a draft needs no credit note
    again = services.billing_line_invoice(actor=world.finance, line=draft.billing_line)
    assert [row.subject_id for row in _outbox("invoice.drafted")] == [draft.pk, again.pk]


def test_cancelling_an_issued_invoice_announces_the_credit_note_and_the_cancellation(world):
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    services.invoice_cancel(actor=world.finance, invoice=invoice, reason="开错抬头")
    note = Invoice.objects.get(credited_invoice=invoice)
    cancelled = InvoiceCancelled.from_outbox(_outbox("invoice.cancelled")[0])
    assert (cancelled.number, cancelled.credit_note, cancelled.reason) == (invoice.number, note.number, "开错抬头")
    assert [row.subject_id for row in _outbox("invoice.credited")] == [invoice.pk]


def test_a_refused_cancellation_announces_nothing(world):
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    services.invoice_cancel(actor=world.finance, invoice=invoice, reason="开错抬头")
    invoice.refresh_from_db()
    with pytest.raises(ValidationError):
        services.invoice_cancel(actor=world.finance, invoice=invoice, reason="再次")
    assert len(_outbox("invoice.cancelled")) == 1


def test_credit_allocated_later_is_announced_with_each_invoice_and_what_stays_open(world):
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    credit = _credit(world, invoice, invoice.total + Decimal("100.00"))
    assert not _outbox("payment.allocated")  # recorded without allocations: payment.received only
    part = invoice.total - Decimal("1.00")
    services.payment_allocate(actor=world.finance, payment=credit, items=[{"invoice_id": invoice.pk, "amount": part}])
    (row,) = _outbox("payment.allocated")
    assert (row.subject_type, row.subject_id) == ("billing.payment", credit.pk)
    assert row.payload["invoices"] == [
        {"invoice_id": invoice.pk, "number": invoice.number, "amount": str(part), "open_amount": "1.00"}
    ]
    assert PaymentAllocated.from_outbox(row) == PaymentAllocated(
        subject_id=credit.pk,
        number=credit.number,
        account=invoice.account_id,
        amount=part,
        currency=invoice.currency,
        applied_on=TODAY(),
        unallocated=Decimal("101.00"),
        invoices=(
            AllocatedInvoice(invoice_id=invoice.pk, number=invoice.number, amount=part, open_amount=Decimal("1.00")),
        ),
    )


def test_a_refused_allocation_announces_nothing(world):
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    credit = _credit(world, invoice, Decimal("10.00"))
    with pytest.raises(ValidationError):
        services.payment_allocate(
            actor=world.finance, payment=credit, items=[{"invoice_id": invoice.pk, "amount": "20.00"}]
        )
    assert not _outbox("payment.allocated")
    invoice.refresh_from_db()
    assert invoice.open_amount == invoice.total
