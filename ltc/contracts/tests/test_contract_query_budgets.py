"""Query budgets of the contract lists, API and pages: each list reads a bounded number of
queries, and as many with ten rows more as before (no query per row), for the executive (every
contract), the AR's manager (the team's) and the AR (their own)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.contracts.models import (
    ChangeAssessment,
    ChangeRequest,
    Contract,
    Delivery,
    DeliveryLine,
    Evaluation,
    Milestone,
    Order,
    OrderLine,
)
from ltc.contracts.tests.factories import delivered_contract, team_of
from ltc.customers.tests.factories import AccountFactory
from ltc.org.tests.factories import UserFactory

# The most queries each list may read, whoever asks (sign-in and access included).
BUDGETS = {
    "/api/v1/contracts": 7,
    "/api/v1/orders": 6,
    "/api/v1/milestones": 5,
    "/api/v1/deliveries": 7,
    "/api/v1/change-requests": 7,
    "/api/v1/evaluations": 5,
    # The list tools add a fixed two: the columns the viewer chose and their saved views.
    "/contracts/": 8,
    "/contracts/?partial": 8,
    "/contracts/?export=csv": 8,
    "/contracts/evaluations/": 9,
}
ROLES = ("executive", "manager", "owner")


def _copy(model: Any, pk: int, **values: Any) -> Any:
    """A new row like `pk`'s with `values` changed (no services: rows cheaply, as benchmarks do)."""
    row = model.objects.get(pk=pk)
    row.pk = None
    for name, value in values.items():
        setattr(row, name, value)
    row.save(force_insert=True)
    return row


def grow(world: Any, model: Contract, n: int, start: int) -> None:
    """`n` more contracts like `model`, each of its own customer and with its own SR, FR and sponsor
    (the AR stays the world's owner, so the AR and the manager see them), each with a milestone, an
    order with its lines, a delivery, an assessed change request and a closing evaluation."""
    milestone = model.milestones.order_by("position").first()
    order = model.orders.get()
    delivery = Delivery.objects.get(order=order)
    for i in range(start, start + n):
        people = [UserFactory(team=world.east, roles=["ar"]) for _ in range(3)]
        contract = _copy(
            Contract,
            model.pk,
            number=f"QB{i:06d}",
            account=AccountFactory(owner=world.owner),
            sr=people[0],
            fr=people[1],
            sponsor=people[2],
            search_text=f"qb{i:06d}",
        )
        copied_milestone = _copy(Milestone, milestone.pk, contract=contract)
        copied_order = _copy(Order, order.pk, contract=contract, milestone=copied_milestone, number=f"QO{i:06d}")
        lines = {}
        for line in order.lines.all():
            lines[line.pk] = _copy(OrderLine, line.pk, order=copied_order)
        copied_delivery = _copy(Delivery, delivery.pk, order=copied_order, number=f"QD{i:06d}", recorded_by=people[1])
        for dl in delivery.lines.all():
            DeliveryLine.objects.create(
                delivery=copied_delivery, order_line=lines[dl.order_line_id], quantity=dl.quantity
            )
        change = ChangeRequest.objects.create(
            contract=contract,
            number=1,
            origin="customer",
            title=f"变更 {i}",
            reason="客户要求",
            status="rejected",
            base_version=model.current,
            total_before=model.total,
            total_after=model.total,
            decider=world.manager,
            result_version=model.current,
            created_by=world.owner,
        )
        ChangeAssessment.objects.create(change=change, role="ar", assessor=people[0], verdict="support", comment="")
        Evaluation.objects.create(
            contract=contract,
            signing_score=Decimal("4.0"),
            fulfilment_score=Decimal("4.0"),
            satisfaction=4,
            average_delay_days=Decimal("0.0"),
            evaluated_by=world.owner,
            evaluated_at=timezone.now() - timedelta(minutes=i),
        )


def _measure(api: Any, web: Any, path: str) -> tuple[int, Any, Any]:
    """How many queries answering `path` read, the queries, and the rows answered (API, export)."""
    if path.startswith("/api/v1"):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path.removeprefix("/api/v1"))
        assert response.status_code == 200, (path, response.status_code)
        return len(queries), queries, response.json()["items"]
    headers = {"HX-Request": "true"} if path.endswith("?partial") else {}
    with CaptureQueriesContext(connection) as queries:
        response = web.get(path.removesuffix("?partial"), headers=headers)
        if response.streaming:  # an export reads its rows as it streams them
            rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[1:]
    assert response.status_code == 200, (path, response.status_code)
    return len(queries), queries, rows if response.streaming else None


@pytest.mark.parametrize("role", ROLES)
def test_contract_lists_read_as_many_queries_with_ten_rows_more(world, api_as, web_as, role):
    team = team_of(world)
    model = delivered_contract(world, team)
    grow(world, model, 1, start=0)
    viewer = getattr(world, role)
    api, web = api_as(viewer), web_as(viewer)
    for path in BUDGETS:
        _measure(api, web, path)  # warm: the first request of a client signs in, caches read once
    before = {path: _measure(api, web, path) for path in BUDGETS}
    grow(world, model, 10, start=1)
    after = {path: _measure(api, web, path) for path in BUDGETS}
    for path in BUDGETS:
        if before[path][2] is not None:
            assert len(after[path][2]) == len(before[path][2]) + 10, path
    counts = {path: (before[path][0], after[path][0]) for path in BUDGETS}
    grown = {
        path: [q["sql"][:160] for q in after[path][1].captured_queries] for path, (b, a) in counts.items() if a != b
    }
    assert not grown, grown
    over = {path: (count, BUDGETS[path]) for path, (_b, count) in counts.items() if count > BUDGETS[path]}
    assert not over, over
