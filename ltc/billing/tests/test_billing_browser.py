"""Browser journey (headless Chromium): the customer accepts the first milestone, finance finds
the draft invoice it made (a task and a banner), issues it, records a bank transfer that pays it
partly and another that pays the rest, sees the aging and the collection step of an overdue
invoice; once everything is billed and paid, the AR closes and evaluates the contract."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.billing import services
from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.contracts import services as contract_services
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import PDF, executing_contract, fresh, team_of
from ltc.core.tests.browser import sign_in

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_from_acceptance_to_cash_and_closing(world: Any, page: Any, tmp_path: Path) -> None:
    team = team_of(world)
    contract = executing_contract(world, team)
    today = timezone.localdate()
    order = contract.orders.get()
    contract_services.delivery_record(
        actor=team.fr,
        order=order,
        kind="goods",
        delivered_on=today,
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    milestone = contract.milestones.get()
    contract_services.milestone_deliver(actor=team.fr, milestone=milestone, delivered_on=today)
    # The advance was issued seven weeks ago and is unpaid: 20 days overdue.
    advance = Invoice.objects.get(contract=contract, billing_line__trigger="signing")
    services.invoice_issue(
        actor=world.finance, invoice=advance, expected_version=advance.version, issue_date=today - timedelta(days=50)
    )
    services.collections_run(today=today)
    advance.refresh_from_db()
    document = tmp_path / "验收证书.pdf"
    document.write_bytes(PDF)

    sign_in(page, "fr")
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    first = page.locator("#milestone-1")
    first.locator("summary:has-text('Record acceptance')").click()
    first.locator("input[name=accepted_on]").fill(today.isoformat())
    first.locator("input[name=accepted_by_name]").fill("李工")
    first.locator("input[name=acceptance_document]").set_input_files(str(document))
    first.locator("button:has-text('Accepted by the customer')").click()
    expect(page.locator("#milestone-1 .badge").first).to_have_text("Accepted by the customer")

    sign_in(page, "finance")
    expect(page.get_by_text(f"Issue the invoice for {contract.number}")).to_be_visible()
    page.goto(f"{page.base_url}/billing/")
    expect(page.locator("#drafts-waiting")).to_be_visible()
    invoice = Invoice.objects.get(contract=contract, billing_line__trigger="acceptance")
    page.goto(f"{page.base_url}/billing/invoices/{invoice.pk}/")
    expect(page.locator("#acceptance-link")).to_be_visible()
    page.click("#issue-invoice")
    invoice.refresh_from_db()
    expect(page.locator("#invoice-number")).to_have_text(invoice.number)

    part = (invoice.total * Decimal("0.4")).quantize(Decimal("0.01"))
    for amount, reference in ((part, "CMB-001"), (invoice.total - part, "CMB-002")):
        page.goto(f"{page.base_url}/billing/invoices/{invoice.pk}/")
        page.click("#record-payment")
        page.fill("#id_amount", str(amount))
        page.fill("#id_received_on", today.isoformat())
        page.fill("#id_bank_reference", reference)
        page.fill(f"input[name=alloc-{invoice.pk}]", str(amount))
        page.click("#save-payment")
        expect(page.locator("#payment-unallocated")).to_have_text("0.00")
    page.goto(f"{page.base_url}/billing/invoices/{invoice.pk}/")
    expect(page.locator("#invoice-open")).to_contain_text("0.00")
    expect(page.locator("#allocations li")).to_have_count(2)

    page.goto(f"{page.base_url}/billing/receivables/")
    expect(page.locator("#aging-total")).to_contain_text(f"{advance.total:,}")
    page.goto(f"{page.base_url}/billing/collections/")
    expect(page.locator("#collection-table")).to_contain_text(advance.number)
    expect(page.locator("#collection-table")).to_contain_text("Call by the AR")

    # The advance is paid, the retention falls due after its period and is paid too.
    pay(advance, world.finance, reference="CMB-003")
    services.invoice_run(today=today + timedelta(days=400))
    for retention in issue_drafts(contract, world.finance):
        pay(retention, world.finance, reference="CMB-004")
    contract = fresh(contract)
    contract_services.contract_complete(actor=team.fr, contract=contract, expected_version=contract.version)

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    page.select_option("#id_satisfaction", "4")
    page.click("#close-contract")
    expect(page.locator("#contract-steps .active")).to_have_text("Closed")
    assert Contract.objects.get(pk=contract.pk).status == "closed"
