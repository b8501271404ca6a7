from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services
from ltc.contracts.choices import ContractStatus
from ltc.contracts.models import ChangeRequest, Contract, Order
from ltc.contracts.tests.factories import (
    PDF,
    Team,
    accepted_contract,
    accepted_quote,
    contract_team,
    fresh,
    make_contract,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_contract_made_from_the_quote_page_and_walked_to_execution(world: Any, team: Team, web_as: Any) -> None:
    quote = accepted_quote(world, team)
    ar = web_as(world.owner)
    page = ar.get(f"/quotes/{quote.pk}/")
    assert b'id="make-contract"' in page.content
    made = ar.post("/contracts/new/", {"quote": quote.pk})
    contract = Contract.objects.get()
    assert made.status_code == 302
    assert made["Location"] == f"/contracts/{contract.pk}/"
    assert contract.number.encode() in ar.get(f"/quotes/{quote.pk}/").content
    assert contract.number.encode() in ar.get(f"/opportunities/{quote.opportunity_id}/").content

    detail = ar.get(f"/contracts/{contract.pk}/")
    assert detail.status_code == 200
    assert b'id="submit-review"' in detail.content
    edit = ar.post(
        f"/contracts/{contract.pk}/edit/",
        {
            "version": contract.version,
            "title": contract.title,
            "fr": team.fr.pk,
            "sr": team.sr.pk,
            "start_date": "2026-12-01",
            "end_date": "2026-11-01",
            "warranty_months": 12,
        },
    )
    assert edit.status_code == 422
    assert "The end date is before the start date." in edit.content.decode()
    edit = ar.post(
        f"/contracts/{contract.pk}/edit/",
        {
            "version": contract.version,
            "title": contract.title,
            "fr": team.fr.pk,
            "sr": team.sr.pk,
            "start_date": "2026-12-01",
            "end_date": "2027-11-30",
            "warranty_months": 24,
            "penalty_clause": "逾期每日千分之一",
        },
    )
    assert edit.status_code == 302
    contract = fresh(contract)
    assert contract.current.warranty_months == 24
    assert (
        ar.post(
            f"/contracts/{contract.pk}/milestone_add/",
            {"ms-name": "上线", "ms-planned_date": "2027-03-01", "ms-term": ""},
        ).status_code
        == 302
    )
    assert contract.milestones.filter(name="上线").exists()
    ar.post(f"/contracts/{contract.pk}/submit/", {"version": contract.version})
    assert fresh(contract).status == ContractStatus.IN_REVIEW

    finance = web_as(world.finance)
    page = finance.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'name="item" value="margin"' in page
    assert 'name="item" value="penalties"' not in page
    for user, items in (
        (world.finance, ("margin", "payment_terms")),
        (team.legal, ("clauses", "penalties", "ip")),
        (team.fr, ("scope", "schedule")),
    ):
        client = web_as(user)
        for item in items:
            client.post(f"/contracts/{contract.pk}/check/", {"item": item, "result": "ok"})
    manager = web_as(world.manager)
    assert b'id="approve-contract"' in manager.get(f"/contracts/{contract.pk}/").content
    manager.post(f"/contracts/{contract.pk}/approve/", {"note": "同意"})
    contract = fresh(contract)
    assert contract.status == ContractStatus.APPROVED

    bad = ar.post(
        f"/contracts/{contract.pk}/sign/",
        {
            "version": contract.version,
            "signed_on": timezone.localdate().isoformat(),
            "customer_signatory": "王总",
            "our_signatory": "张经理",
            "signed_copy": SimpleUploadedFile("c.png", b"not a png"),
        },
        follow=True,
    )
    assert any("not a PNG" in m for m in _messages(bad))
    ar.post(
        f"/contracts/{contract.pk}/sign/",
        {
            "version": contract.version,
            "signed_on": timezone.localdate().isoformat(),
            "customer_signatory": "王总",
            "our_signatory": "张经理",
            "signed_copy": SimpleUploadedFile("c.pdf", PDF),
        },
    )
    contract = fresh(contract)
    assert contract.status == ContractStatus.SIGNED
    assert ar.get(f"/contracts/{contract.pk}/signed-copy/").status_code == 200

    fr = web_as(team.fr)
    fr.post(
        f"/contracts/{contract.pk}/accept/",
        {
            "version": contract.version,
            "meeting_on": timezone.localdate().isoformat(),
            "ar_present": "on",
            "sr_present": "on",
            "scope_confirmed": "on",
            "deliverables_confirmed": "on",
            "open_questions": "机房位置",
        },
    )
    contract = fresh(contract)
    assert contract.status == ContractStatus.ACCEPTED
    page = fr.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="generate-order"' in page
    key = contract.current.lines.get(code="SVC-IMP").key
    fr.post(f"/contracts/{contract.pk}/order/", {"scope": "batch", f"qty-{key}": "4", "title": "第一批"})
    order = Order.objects.get()
    assert order.lines.get().quantity == 4
    assert fresh(contract).status == ContractStatus.IN_EXECUTION

    line = order.lines.get()
    over = fr.post(
        f"/contracts/orders/{order.pk}/",
        {"kind": "service", "delivered_on": timezone.localdate().isoformat(), f"qty-{line.pk}": "9"},
    )
    assert over.status_code == 422
    assert "Only 4" in over.content.decode()
    fr.post(
        f"/contracts/orders/{order.pk}/",
        {"kind": "service", "delivered_on": timezone.localdate().isoformat(), f"qty-{line.pk}": "4"},
    )
    order.refresh_from_db()
    assert order.status == "fulfilled"
    fr.post(f"/contracts/orders/{order.pk}/", {"action": "erp", "version": order.version, "erp_reference": "SAP-1"})
    order.refresh_from_db()
    assert order.erp_reference == "SAP-1"

    milestone = contract.milestones.order_by("position").first()
    fr.post(f"/contracts/milestones/{milestone.pk}/deliver/", {"delivered_on": timezone.localdate().isoformat()})
    refused = fr.post(
        f"/contracts/milestones/{milestone.pk}/accept/",
        {"accepted_on": timezone.localdate().isoformat(), "accepted_by_name": "李工"},
        follow=True,
    )
    assert any("Attach the document" in m for m in _messages(refused))
    fr.post(
        f"/contracts/milestones/{milestone.pk}/accept/",
        {
            "accepted_on": timezone.localdate().isoformat(),
            "accepted_by_name": "李工",
            "acceptance_document": SimpleUploadedFile("y.pdf", PDF),
        },
    )
    milestone.refresh_from_db()
    assert milestone.status == "accepted"
    assert fr.get(f"/contracts/milestones/{milestone.pk}/document/").status_code == 200


def test_change_request_pages(world: Any, team: Team, web_as: Any) -> None:
    catalog = Catalog()
    contract = accepted_contract(world, team, catalog)
    ar = web_as(world.owner)
    form = ar.get(f"/contracts/{contract.pk}/change/")
    assert form.status_code == 200
    service = contract.current.lines.get(code="SVC-IMP")
    milestone = contract.milestones.order_by("position").first()
    nothing = ar.post(f"/contracts/{contract.pk}/change/", {"origin": "customer", "title": "x", "reason": "y"})
    assert nothing.status_code == 422
    assert "The proposal changes nothing." in nothing.content.decode()
    later = (milestone.planned_date + timedelta(days=10)).isoformat()
    made = ar.post(
        f"/contracts/{contract.pk}/change/",
        {
            "origin": "customer",
            "title": "增加实施",
            "reason": "客户要求",
            f"line-{service.key}-quantity": "15",
            f"milestone-{milestone.pk}-planned_date": later,
        },
    )
    change = ChangeRequest.objects.get()
    assert made.status_code == 302
    assert change.proposal == {
        "lines": [{"key": service.key, "quantity": "15"}],
        "milestones": [{"id": milestone.pk, "planned_date": later}],
    }
    page = ar.get(f"/contracts/changes/{change.pk}/").content.decode()
    assert 'id="version-diff"' in page
    assert "SVC-IMP" in page
    assert 'id="assess-ar"' in page
    ar.post(f"/contracts/changes/{change.pk}/", {"action": "assess", "role": "ar", "verdict": "support"})
    web_as(team.sr).post(f"/contracts/changes/{change.pk}/", {"action": "assess", "role": "sr", "verdict": "support"})
    web_as(team.fr).post(
        f"/contracts/changes/{change.pk}/",
        {"action": "assess", "role": "fr", "verdict": "support", "cost_impact": "4000", "schedule_days": "10"},
    )
    manager = web_as(world.manager)
    assert b'id="approve-change"' in manager.get(f"/contracts/changes/{change.pk}/").content
    manager.post(f"/contracts/changes/{change.pk}/", {"action": "decide", "approve": "1", "note": "同意"})
    change.refresh_from_db()
    assert change.status == "approved"
    compare = ar.get(f"/contracts/{contract.pk}/compare/?a=1&b=2").content.decode()
    assert "SVC-IMP" in compare
    assert "15" in compare
    assert later in compare


def test_list_filters_exports_and_query_budget(world: Any, team: Team, web_as: Any) -> None:
    catalog = Catalog()
    contract = make_contract(world, team, catalog)
    ar = web_as(world.owner)
    listing = ar.get("/contracts/?q=" + contract.number[-6:])
    assert contract.number in listing.content.decode()
    assert contract.number not in web_as(world.other).get("/contracts/").content.decode()
    csv = ar.get("/contracts/?export=csv")
    assert csv.status_code == 200
    assert contract.number in b"".join(csv.streaming_content).decode("utf-8-sig")
    with CaptureQueriesContext(connection) as queries:
        assert ar.get("/contracts/").status_code == 200
    assert len(queries) <= 10
    evaluations = ar.get("/contracts/evaluations/")
    assert evaluations.status_code == 200


def test_detail_page_queries_do_not_grow_with_orders(world: Any, team: Team, web_as: Any) -> None:
    contract = accepted_contract(world, team)
    key = contract.current.lines.get(code="SVC-IMP").key
    client = web_as(world.owner)

    def batch(i: int) -> None:
        services.order_generate(actor=team.fr, contract=fresh(contract), quantities={key: "1"}, title=f"批次 {i}")

    batch(0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/contracts/{contract.pk}/").status_code == 200
    for i in range(1, 6):
        batch(i)
    with CaptureQueriesContext(connection) as six:
        assert client.get(f"/contracts/{contract.pk}/").status_code == 200
    assert len(six) == len(one), [q["sql"] for q in six.captured_queries]
    assert len(six) <= 40


def test_others_cannot_act(world: Any, team: Team, web_as: Any) -> None:
    contract = make_contract(world, team)
    outsider = web_as(world.other)
    assert outsider.get(f"/contracts/{contract.pk}/").status_code == 404
    assert outsider.post(f"/contracts/{contract.pk}/submit/", {"version": contract.version}).status_code == 404
    finance = web_as(world.finance)
    assert finance.post(f"/contracts/{contract.pk}/submit/", {"version": contract.version}).status_code == 403
    assert fresh(contract).status == ContractStatus.DRAFT
    assert finance.get(f"/contracts/{contract.pk}/edit/").status_code == 404


@pytest.mark.parametrize(("step", "field"), [("risk_close", "risk"), ("milestone_remove", "milestone")])
def test_a_step_naming_no_id_is_a_message_not_a_server_error(
    world: Any, team: Team, web_as: Any, step: str, field: str
) -> None:
    contract = make_contract(world, team)
    for bad in ("abc", "99999999999999999999999", "-1", "²"):
        answer = web_as(world.owner).post(f"/contracts/{contract.pk}/{step}/", {field: bad}, follow=True)
        assert answer.status_code == 200, bad
        assert any(text in _messages(answer) for text in ("No such entry.", "No such milestone.")), bad


def test_the_risk_form_is_drawn_only_for_who_may_record_a_risk(world: Any, team: Team, web_as: Any) -> None:
    contract = make_contract(world, team)
    risk_add = f"/contracts/{contract.pk}/risk_add/"
    assert risk_add in web_as(world.owner).get(f"/contracts/{contract.pk}/").content.decode()
    page = web_as(world.finance).get(f"/contracts/{contract.pk}/")
    assert page.status_code == 200  # finance reads every contract
    assert risk_add not in page.content.decode()
    refused = web_as(world.finance).post(
        risk_add, {"kind": "risk", "title": "x", "probability": "high", "impact": "high"}
    )
    assert refused.status_code == 403
    assert not contract.risks.exists()


def test_a_contract_ready_to_complete_offers_delivery_complete(world: Any, team: Team, web_as: Any) -> None:
    """In execution with everything delivered and accepted: the step is offered (not disabled) and
    the contract's status is not listed as something still open."""
    from ltc.contracts.tests.factories import delivered_contract

    contract = delivered_contract(world, team)
    page = web_as(team.fr).get(f"/contracts/{contract.pk}/").content.decode()
    button = page.split('id="complete-contract"')[1].split(">")[0]
    assert "disabled" not in button
    assert "Not possible while the contract is" not in page
    done = web_as(team.fr).post(f"/contracts/{contract.pk}/complete/", {"version": str(fresh(contract).version)})
    assert done.status_code == 302
    assert fresh(contract).status == ContractStatus.COMPLETED
