"""The billing pages: finance issues, records payments (allocated in the form), credits, imports
a statement; the AR sees their customers' billing and records a promise; lists stay within a
query budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.billing.models import Invoice, Payment, StatementLine
from ltc.billing.tests.factories import issue_drafts
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.tests.factories import signed_contract, team_of

pytestmark = pytest.mark.django_db


def test_finance_works_an_invoice_through_the_pages(world, web_as):
    contract = signed_contract(world, team_of(world))
    draft = Invoice.objects.get(contract=contract)
    finance = web_as(world.finance)
    listing = finance.get("/billing/")
    assert 'id="drafts-waiting"' in listing.content.decode()
    page = finance.get(f"/billing/invoices/{draft.pk}/").content.decode()
    assert contract.number in page
    assert "issue-invoice" in page
    issued = finance.post(f"/billing/invoices/{draft.pk}/issue/", {"version": str(draft.version)}, follow=True)
    draft.refresh_from_db()
    assert draft.number in issued.content.decode()
    stale = finance.post(f"/billing/invoices/{draft.pk}/update/", {"version": "1", "note": "x"}, follow=True)
    assert Invoice.objects.get(pk=draft.pk).note != "x"
    assert "alert" in stale.content.decode()

    form = finance.get(f"/billing/payments/new/?account={world.account.pk}").content.decode()
    assert f'name="alloc-{draft.pk}"' in form
    bad = finance.post(
        "/billing/payments/new/",
        {
            "account": world.account.pk,
            "amount": "-1",
            "currency": "CNY",
            "received_on": timezone.localdate(),
            "method": "bank",
        },
    )
    assert bad.status_code == 422
    assert not Payment.objects.exists()
    saved = finance.post(
        "/billing/payments/new/",
        {
            "account": world.account.pk,
            "amount": "1000.00",
            "currency": "CNY",
            "received_on": timezone.localdate().isoformat(),
            "method": "bank",
            "bank_reference": "B1",
            f"alloc-{draft.pk}": "600.00",
        },
    )
    assert saved.status_code == 302
    payment = Payment.objects.get()
    assert payment.unallocated == Decimal("400.00")
    finance.post(f"/billing/payments/{payment.pk}/allocate/", {f"alloc-{draft.pk}": "400.00"})
    draft.refresh_from_db()
    assert draft.open_amount == draft.total - Decimal("1000.00")
    finance.post(f"/billing/invoices/{draft.pk}/credit/", {"amount": "100.00", "reason": "折让"})
    assert Invoice.objects.filter(kind="credit", credited_invoice=draft).exists()
    assert finance.get(f"/billing/invoices/{draft.pk}/pdf/")["Content-Type"] == "application/pdf"
    assert finance.get(f"/billing/schedule/{contract.pk}/").status_code == 200
    assert finance.get("/billing/receivables/?group=ar").status_code == 200

    upload = SimpleUploadedFile(
        "bank.csv", f"date,amount,payer,reference\n{timezone.localdate()},50.00,x,{draft.number}\n".encode()
    )
    imported = finance.post("/billing/statements/", {"file": upload})
    assert imported.status_code == 302
    line = StatementLine.objects.get()
    assert draft.number in finance.get(imported["Location"]).content.decode()
    finance.post(
        f"/billing/statements/lines/{line.pk}/record/",
        {"account": world.account.pk, "invoice": draft.pk, "amount": "50.00"},
    )
    line.refresh_from_db()
    assert line.payment is not None
    empty = finance.post("/billing/statements/", {"file": SimpleUploadedFile("e.csv", b"")})
    assert empty.status_code == 422


def test_the_ar_sees_their_customers_billing_and_records_a_promise(world, web_as):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    ar = web_as(world.owner)
    assert invoice.number in ar.get("/billing/collections/").content.decode()
    page = ar.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "promise-form" in page
    assert "issue-form" not in page
    ar.post(
        f"/billing/invoices/{invoice.pk}/promise/",
        {"amount": "100.00", "promised_on": (timezone.localdate() + timedelta(days=3)).isoformat()},
    )
    assert invoice.promises.count() == 1
    ar.post(f"/billing/invoices/{invoice.pk}/credit/", {"amount": "1.00", "reason": "x"})
    assert not Invoice.objects.filter(kind="credit").exists()
    assert web_as(world.other).get(f"/billing/invoices/{invoice.pk}/").status_code == 404
    assert invoice.number not in web_as(world.other).get("/billing/").content.decode()


@pytest.mark.parametrize("path", ["/billing/", "/billing/payments/", "/billing/collections/", "/billing/receivables/"])
def test_lists_stay_within_their_query_budget(world, web_as, path):
    team, catalog = team_of(world), Catalog()
    for _ in range(3):
        issue_drafts(signed_contract(world, team, catalog), world.finance)
    finance = web_as(world.finance)
    finance.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = finance.get(path)
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"][:120] for q in queries.captured_queries]


def test_lists_export_what_they_show(world, web_as):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    finance = web_as(world.finance)
    finance.post(
        "/billing/payments/new/",
        {"account": world.account.pk, "amount": "10.00", "currency": "CNY", "received_on": timezone.localdate().isoformat(),
         "method": "bank", "bank_reference": "EXP-1"},
    )  # fmt: skip
    csv = b"".join(finance.get("/billing/?status=issued&export=csv").streaming_content).decode("utf-8-sig")
    assert invoice.number in csv
    assert contract.number in csv
    xlsx = finance.get("/billing/payments/?export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    other = b"".join(web_as(world.other).get("/billing/?export=csv").streaming_content).decode("utf-8-sig")
    assert invoice.number not in other
