"""An issued invoice reads as its payment stands (issue #14): paid in full it says paid, not
issued; partly paid, partly paid; past due with a balance, overdue. Drafts, cancelled invoices
and credit notes keep their status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.contracts.tests.factories import signed_contract, team_of

pytestmark = pytest.mark.django_db


def _issued(world: Any) -> Invoice:
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    return Invoice.objects.get(pk=invoice.pk)


def _row(html: str, invoice: Invoice) -> str:
    start = html.index(f"/billing/invoices/{invoice.pk}/")
    return html[start : html.index("</tr>", start)]


def test_an_issued_invoice_reads_as_its_payment_stands(world: Any, web_as: Any) -> None:
    invoice = _issued(world)
    assert (invoice.state, invoice.get_state_display()) == ("issued", "Issued")
    pay(invoice, world.finance, Decimal("100.00"))
    invoice.refresh_from_db()
    assert (invoice.state, invoice.get_state_display()) == ("part_paid", "Partly paid")
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    invoice.refresh_from_db()
    assert (invoice.state, invoice.get_state_display()) == ("overdue", "Overdue")
    pay(invoice, world.finance)
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert (invoice.state, invoice.get_state_display()) == ("paid", "Paid")
    assert invoice.status == "issued"  # the document's own status stays


def test_lists_and_the_page_show_the_payment_state(world: Any, web_as: Any) -> None:
    invoice = _issued(world)
    pay(invoice, world.finance)
    finance = web_as(world.finance)
    listing = finance.get("/billing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Paid" in _row(listing, invoice)
    assert "Issued" not in _row(listing, invoice)
    page = finance.get(f"/billing/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    header = page[page.index('class="card-title"') : page.index('id="invoice-number"')]
    assert "Paid" in header
    schedule = finance.get(f"/billing/schedule/{invoice.contract_id}/").content.decode()
    assert "Paid" in schedule[schedule.index(f"/billing/invoices/{invoice.pk}/") :]


def test_drafts_and_credit_notes_keep_their_status(world: Any) -> None:
    contract = signed_contract(world, team_of(world))
    draft = Invoice.objects.get(contract=contract)
    assert (draft.state, draft.get_state_display()) == ("draft", "Draft")


def test_amounts_in_the_invoice_history_are_grouped_as_everywhere(world: Any, web_as: Any) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    from ltc.core.models import TimelineEvent
    from ltc.core.templatetags.numbers import money

    with translation.override("zh-hans"):
        invoice = _issued(world)
        pay(invoice, world.finance, Decimal("1234.50"))
        invoice.refresh_from_db()
        shown_total, shown_open = money(invoice.total), money(invoice.open_amount)
    assert "," in shown_total
    notes = list(
        TimelineEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(invoice), object_id=invoice.pk, kind="note"
        ).values_list("text", flat=True)
    )
    assert any("1,234.50" in n and shown_open in n for n in notes), notes
    assert not any(str(invoice.open_amount) in n for n in notes), notes
