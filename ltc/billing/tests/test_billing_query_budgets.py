"""Query budgets of the billing lists, API and pages: invoices, payments, the billing schedule,
bank statements, receivables (aging, forecast, balances) and collections. Each reads a bounded
number of queries, and as many with ten rows more of each kind as before (no query per row), for
the executive and finance (every customer), the AR's manager (the team's) and the AR (their own)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.billing.models import BankStatement, BillingLine, Invoice, Payment, PromiseToPay
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.contracts.models import Contract, Milestone
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.customers.tests.factories import AccountFactory
from ltc.org.tests.factories import UserFactory

# The most queries each list may read, whoever asks (sign-in and access included). {contract}
# is the contract whose schedule grows, {account} the customer whose balance is read.
BUDGETS = {
    "/api/v1/invoices": 5,
    "/api/v1/payments": 5,
    "/api/v1/billing-schedules": 5,
    "/api/v1/billing-schedules/{contract}": 6,
    "/api/v1/receivables/aging?group=customer": 9,
    "/api/v1/receivables/aging?group=contract": 9,
    "/api/v1/receivables/aging?group=ar": 9,
    "/api/v1/receivables/aging?group=invoice": 9,
    "/api/v1/receivables/forecast": 7,
    "/api/v1/receivables/balances/{account}": 7,
    "/api/v1/collections": 6,
    # The list tools add a fixed two: the columns the viewer chose and their saved views.
    "/billing/": 8,
    "/billing/?partial": 8,
    "/billing/?export=csv": 8,
    "/billing/payments/": 8,
    "/billing/payments/?export=csv": 8,
    "/billing/schedule/{contract}/": 9,
    "/billing/receivables/": 13,
    "/billing/receivables/?group=invoice": 13,
    "/billing/collections/": 7,
    "/billing/statements/": 4,
}
ONLY_FINANCE = {"/billing/statements/"}  # bank statements are finance's work: others get 404
ROLES = ("executive", "finance", "manager", "owner")


def _copy(model: Any, pk: int, **values: Any) -> Any:
    """A new row like `pk`'s with `values` changed (no services: rows cheaply, as benchmarks do)."""
    row = model.objects.get(pk=pk)
    row.pk = None
    for name, value in values.items():
        setattr(row, name, value)
    row.save(force_insert=True)
    return row


def grow(world: Any, model: Contract, invoice: Invoice, payment: Payment, n: int, start: int) -> None:
    """`n` more of every billing row, each of its own customer (owned by the world's AR, so the AR
    and the manager see them):
    - an overdue invoice with a promise to pay, on a contract of its own with an AR of its own;
    - a schedule line of `model`'s with its milestone and its invoice (on `model`);
    - a payment; a bank statement imported by someone else each time."""
    today = timezone.localdate()
    milestone = model.milestones.order_by("position").first()
    line = BillingLine.objects.filter(contract=model).order_by("position").first()
    for i in range(start, start + n):
        account = AccountFactory(owner=world.owner)
        ar = UserFactory(team=world.east, roles=["ar"])
        contract = _copy(Contract, model.pk, number=f"QB{i:06d}", account=account, owner=ar, search_text=f"qb{i:06d}")
        overdue = _copy(
            Invoice,
            invoice.pk,
            number=f"QI{i:06d}",
            account=account,
            contract=contract,
            billing_line=None,
            issue_date=today - timedelta(days=40 + 20 * (i % 5)),
            due_date=today - timedelta(days=10 + 20 * (i % 5)),
        )
        PromiseToPay.objects.create(
            invoice=overdue, amount=Decimal("100.00"), promised_on=today + timedelta(days=5), recorded_by=world.owner
        )
        scheduled = _copy(Invoice, invoice.pk, number=f"QS{i:06d}", billing_line=None)
        _copy(
            BillingLine,
            line.pk,
            position=100 + i,
            label=f"分期 {i}",
            milestone=_copy(Milestone, milestone.pk, position=100 + i, name=f"里程碑 {i}"),
            invoice=scheduled,
            status="invoiced",
        )
        _copy(Payment, payment.pk, number=f"QP{i:06d}", account=account, bank_reference=f"QP{i}")
        BankStatement.objects.create(filename=f"statement-{i}.csv", imported_by=UserFactory(roles=["finance"]))


def _measure(api: Any, web: Any, path: str) -> tuple[int, Any, Any]:
    """How many queries answering `path` read, the queries, and the API's items."""
    if path.startswith("/api/v1"):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path.removeprefix("/api/v1"))
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        body = response.json()
        return (
            len(queries),
            queries,
            body.get("items", body.get("rows", body.get("lines"))) if isinstance(body, dict) else body,
        )
    headers = {"HX-Request": "true"} if path.endswith("?partial") else {}
    with CaptureQueriesContext(connection) as queries:
        response = web.get(path.removesuffix("?partial"), headers=headers)
        if response.streaming:  # an export reads its rows as it streams them
            rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[1:]
    assert response.status_code == 200, (path, response.status_code)
    return len(queries), queries, rows if response.streaming else None


@pytest.mark.parametrize("role", ROLES)
def test_billing_lists_read_as_many_queries_with_ten_rows_more(world, api_as, web_as, role):
    team = team_of(world)
    model = signed_contract(world, team)
    (invoice,) = issue_drafts(model, world.finance)
    payment = pay(invoice, world.finance, Decimal("1000.00"), reference="QB")
    grow(world, model, invoice, payment, 1, start=0)
    viewer = getattr(world, role)
    api, web = api_as(viewer), web_as(viewer)
    paths = [
        path.format(contract=model.pk, account=world.account.pk)
        for path in BUDGETS
        if role == "finance" or path not in ONLY_FINANCE
    ]
    budgets = {
        path.format(contract=model.pk, account=world.account.pk): budget
        for path, budget in BUDGETS.items()
        if role == "finance" or path not in ONLY_FINANCE
    }
    for path in paths:
        _measure(api, web, path)  # warm: the first request of a client signs in, caches read once
    before = {path: _measure(api, web, path) for path in paths}
    grow(world, model, invoice, payment, 10, start=1)
    after = {path: _measure(api, web, path) for path in paths}
    for path in paths:
        items_before, items_after = before[path][2], after[path][2]
        if isinstance(items_before, list) and "forecast" not in path:
            assert len(items_after) > len(items_before), path  # the rows did grow
    counts = {path: (before[path][0], after[path][0]) for path in paths}
    grown = {
        path: [q["sql"][:160] for q in after[path][1].captured_queries] for path, (b, a) in counts.items() if a != b
    }
    assert not grown, grown
    over = {path: (count, budgets[path]) for path, (_b, count) in counts.items() if count > budgets[path]}
    assert not over, over


@pytest.mark.parametrize("role", ["executive", "manager", "owner"])
def test_bank_statements_are_not_listed_to_those_who_do_not_bill(world, web_as, role):
    BankStatement.objects.create(filename="statement.csv", imported_by=world.finance)
    assert web_as(getattr(world, role)).get("/billing/statements/").status_code == 404
