"""The billing API end to end: schedule, draft, issue (If-Match), tax invoice, payments with an
Idempotency-Key, allocation, credit, refund, reversal, aging, collections, bank statements, and
the errors bad input gets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ltc.billing.models import Invoice, Payment
from ltc.contracts.tests.factories import signed_contract, team_of

pytestmark = pytest.mark.django_db


def test_billing_journey_through_the_api(world, api_as):
    contract = signed_contract(world, team_of(world))
    finance, ar = api_as(world.finance), api_as(world.owner)
    schedule = ar.get(f"/billing-schedules/{contract.pk}").json()
    assert [line["trigger"] for line in schedule["lines"]] == ["signing", "acceptance", "warranty"]
    assert Decimal(schedule["total"]) == sum(Decimal(line["amount"]) for line in schedule["lines"])
    draft_id = schedule["lines"][0]["invoice_id"]
    assert api_as(world.other).get(f"/invoices/{draft_id}").status_code == 404

    draft = finance.get(f"/invoices/{draft_id}")
    assert draft.json()["number"] == ""
    assert draft.json()["quote_version_id"] == contract.quote_version_id
    assert sum(Decimal(v["tax"]) for v in draft.json()["vat"]) == Decimal(draft.json()["tax_total"])
    assert finance.post(f"/invoices/{draft_id}/issue", {}).status_code == 428
    assert (
        finance.patch(f"/invoices/{draft_id}", {"payment_days": 400}, **{"If-Match": draft["ETag"]}).status_code == 422
    )
    assert ar.post(f"/invoices/{draft_id}/issue", {}, **{"If-Match": draft["ETag"]}).status_code == 403
    issued = finance.post(f"/invoices/{draft_id}/issue", {}, **{"If-Match": draft["ETag"]})
    assert issued.status_code == 200, issued.content
    number = issued.json()["number"]
    assert number == f"INV{timezone.localdate().year}-000001"
    again = finance.post(f"/invoices/{draft_id}/issue", {}, **{"If-Match": issued["ETag"]})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "status"
    edit = finance.patch(f"/invoices/{draft_id}", {"note": "改"}, **{"If-Match": issued["ETag"]})
    assert edit.status_code == 422
    assert edit.json()["errors"][0]["field"] == "status"
    tax = finance.post(
        f"/invoices/{draft_id}/tax-invoice", {"number": "04403260001", "issued_on": str(timezone.localdate())}
    )
    assert tax.json()["tax_invoice_number"] == "04403260001"
    assert finance.get(f"/invoices/{draft_id}/pdf")["Content-Type"] == "application/pdf"

    total = Decimal(issued.json()["total"])
    body = {
        "account_id": world.account.pk,
        "amount": "20000.00",
        "received_on": str(timezone.localdate()),
        "method": "bank",
        "bank_reference": "CMB001",
        "allocations": [{"invoice_id": draft_id, "amount": "20000.00"}],
    }
    first = finance.post("/payments", body, **{"Idempotency-Key": "pay-1"})
    assert first.status_code == 201, first.content
    retry = finance.post("/payments", body, **{"Idempotency-Key": "pay-1"})
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    changed = finance.post("/payments", {**body, "amount": "1.00"}, **{"Idempotency-Key": "pay-1"})
    assert changed.status_code == 422
    assert Payment.objects.count() == 1

    over = finance.post(
        "/payments",
        {
            **body,
            "bank_reference": "CMB002",
            "amount": str(total),
            "allocations": [{"invoice_id": draft_id, "amount": str(total)}],
        },
    )
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "allocations.0.amount"
    negative = finance.post("/payments", {**body, "bank_reference": "CMB003", "amount": "-5", "allocations": []})
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "amount"
    assert Payment.objects.count() == 1

    rest = total - Decimal("20000.00")
    second = finance.post(
        "/payments",
        {**body, "bank_reference": "CMB004", "amount": str(rest + 100), "allocations": []},
        **{"Idempotency-Key": "pay-2"},
    ).json()
    assert Decimal(second["unallocated"]) == rest + 100
    allocated = finance.post(
        f"/payments/{second['id']}/allocate", {"allocations": [{"invoice_id": draft_id, "amount": str(rest)}]}
    )
    assert allocated.status_code == 200, allocated.content
    assert Decimal(finance.get(f"/invoices/{draft_id}").json()["open_amount"]) == 0
    refund = finance.post(f"/payments/{second['id']}/refund", {"amount": "100.00"})
    assert refund.status_code == 201
    assert refund.json()["kind"] == "refund"
    reversal = finance.post(f"/payments/{first.json()['id']}/reverse", {"reason": "退票"})
    assert reversal.status_code == 201
    assert Decimal(finance.get(f"/invoices/{draft_id}").json()["open_amount"]) == Decimal("20000.00")
    credit = finance.post(f"/invoices/{draft_id}/credit", {"amount": "30000.00", "reason": "折让"})
    assert credit.status_code == 422
    credit = finance.post(f"/invoices/{draft_id}/credit", {"amount": "500.00", "reason": "折让"})
    assert credit.status_code == 201
    assert credit.json()["kind"] == "credit"

    aging = ar.get("/receivables/aging?group=contract").json()
    assert aging["grand_total"] == "19500.00"  # rounded to the cent on both databases
    assert aging["rows"][0]["name"] == contract.number
    assert api_as(world.other).get("/receivables/aging").json()["grand_total"] == "0.00"
    assert ar.get("/receivables/aging?group=x").status_code == 422
    assert len(ar.get("/receivables/forecast").json()) == 12
    balance = finance.get(f"/receivables/balances/{world.account.pk}").json()
    assert Decimal(balance["balance"]) == Decimal("19500.00")

    Invoice.objects.filter(pk=draft_id).update(due_date=timezone.localdate() - timedelta(days=3))
    overdue = ar.get("/collections").json()["items"]
    assert overdue[0]["invoice"]["number"] == number
    assert overdue[0]["days_overdue"] == 3
    promise = ar.post(
        f"/invoices/{draft_id}/promises",
        {"amount": "100.00", "promised_on": str(timezone.localdate() + timedelta(days=5))},
    )
    assert promise.status_code == 201


def test_bank_statement_through_the_api(world, api_as):
    contract = signed_contract(world, team_of(world))
    finance = api_as(world.finance)
    invoice = Invoice.objects.get(contract=contract)
    etag = finance.get(f"/invoices/{invoice.pk}")["ETag"]
    number = finance.post(f"/invoices/{invoice.pk}/issue", {}, **{"If-Match": etag}).json()["number"]
    csv = f"date,amount,payer,reference\n{timezone.localdate()},1000.00,{world.account.name},{number}\n"
    upload = SimpleUploadedFile("bank.csv", csv.encode())
    created = finance.client.post("/api/v1/bank-statements", {"file": upload}, headers=finance.headers)
    assert created.status_code == 201, created.content
    line = created.json()["lines"][0]
    assert line["suggestions"][0]["number"] == number
    bad = SimpleUploadedFile("bank.csv", b"amount,payer\n1,x\n")
    refused = finance.client.post("/api/v1/bank-statements", {"file": bad}, headers=finance.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "file"
    recorded = finance.post(
        f"/bank-statements/lines/{line['id']}/record",
        {"account_id": world.account.pk, "allocations": [{"invoice_id": invoice.pk, "amount": "1000.00"}]},
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["allocations"][0]["invoice_id"] == invoice.pk
    twice = finance.post(f"/bank-statements/lines/{line['id']}/record", {"account_id": world.account.pk})
    assert twice.status_code == 422


def test_the_balance_of_a_customer_out_of_sight_is_not_found(world, api_as):
    """Like every other record: 404, not a 200 with zeros (the account's existence stays hidden)."""
    assert api_as(world.other).get(f"/receivables/balances/{world.account.pk}").status_code == 404
    assert api_as(world.owner).get(f"/receivables/balances/{world.account.pk}").status_code == 200
    assert api_as(world.owner).get("/receivables/balances/999999").status_code == 404


@pytest.mark.parametrize("value", ["1e40", "NaN", "Infinity", "-0.001", "99999999999999999999.99"])
def test_an_amount_out_of_range_is_a_field_error_not_a_500(world, api_as, value):
    response = api_as(world.finance).post(
        "/payments", {"account_id": world.account.pk, "amount": value, "received_on": "2026-11-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "amount"
    assert not Payment.objects.exists()
