from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.billing.tests.factories import settle
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import PDF, accepted_contract, accepted_quote, contract_team
from ltc.core.models import IntegrationEvent

pytestmark = pytest.mark.django_db


def _multipart(api: Any, path: str, data: dict[str, Any], **headers: str) -> Any:
    return api.client.post(f"/api/v1{path}", data=data, headers={**api.headers, **headers})


def _file(name: str, content: bytes = PDF) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_contract_journey_through_the_api(world: Any, api_as: Any) -> None:
    team = contract_team(world)
    catalog = Catalog()
    quote = accepted_quote(world, team, catalog)
    ar, fr = api_as(world.owner), api_as(team.fr)

    created = ar.post("/contracts", {"quote_id": quote.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    cid, etag = body["id"], created["ETag"]
    assert body["status"] == "draft"
    assert body["current"]["grand_total"] == str(quote.current.grand_total)
    assert body["current"]["lines"][0]["source_quote_line_id"] is not None

    # Draft edits need If-Match; bad input is a field error and changes nothing.
    assert ar.patch(f"/contracts/{cid}", {"penalty_clause": "x"}).status_code == 428
    bad = ar.patch(f"/contracts/{cid}", {"end_date": "2020-01-01", "warranty_months": 500}, **{"If-Match": etag})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"end_date", "warranty_months"}
    ok = ar.patch(f"/contracts/{cid}", {"penalty_clause": "逾期每日千分之一"}, **{"If-Match": etag})
    assert ok.status_code == 200
    assert ok.json()["current"]["penalty_clause"] == "逾期每日千分之一"
    assert ar.patch(f"/contracts/{cid}", {"title": "x"}, **{"If-Match": etag}).status_code == 412

    submitted = ar.post(f"/contracts/{cid}/submit-review", **{"If-Match": ok["ETag"]})
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "in_review"
    frozen = ar.patch(f"/contracts/{cid}", {"title": "x"}, **{"If-Match": submitted["ETag"]})
    assert frozen.status_code == 422
    assert frozen.json()["errors"][0]["field"] == "status"
    checkers = {"finance": api_as(world.finance), "legal": api_as(team.legal), "delivery": fr}
    for check in submitted.json()["reviews"][0]["checks"]:
        answer = checkers[check["area"]].post(
            f"/contracts/{cid}/review/checks", {"item": check["item"], "result": "ok"}
        )
        assert answer.status_code == 200, answer.content
    assert ar.post(f"/contracts/{cid}/approve", {}).status_code == 403
    approved = api_as(world.manager).post(f"/contracts/{cid}/approve", {"note": "同意"})
    assert approved.json()["status"] == "approved"

    wrong = _multipart(
        ar,
        f"/contracts/{cid}/sign",
        {
            "signed_on": timezone.localdate().isoformat(),
            "customer_signatory": "王总",
            "our_signatory": "张经理",
            "signed_copy": _file("contract.exe"),
        },
        **{"If-Match": approved["ETag"]},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "signed_copy"
    signed = _multipart(
        ar,
        f"/contracts/{cid}/sign",
        {
            "signed_on": timezone.localdate().isoformat(),
            "customer_signatory": "王总",
            "our_signatory": "张经理",
            "signed_copy": _file("contract.pdf"),
        },
        **{"If-Match": approved["ETag"]},
    )
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed"
    assert ar.get(f"/contracts/{cid}/signed-copy").status_code == 200

    accepted = fr.post(
        f"/contracts/{cid}/accept",
        {
            "scope_confirmed": True,
            "deliverables_confirmed": True,
            "meeting_on": timezone.localdate().isoformat(),
            "ar_present": True,
            "sr_present": True,
            "open_questions": "机房位置",
        },
        **{"If-Match": signed["ETag"]},
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    milestones = accepted.json()["milestones"]

    order = fr.post("/orders", {"contract_id": cid, "milestone_id": milestones[0]["id"]})
    assert order.status_code == 201, order.content
    order_body = order.json()
    assert ar.get(f"/contracts/{cid}").json()["status"] == "in_execution"
    erp = fr.patch(f"/orders/{order_body['id']}", {"erp_reference": "SAP-4500012345"}, **{"If-Match": order["ETag"]})
    assert erp.status_code == 200
    assert erp.json()["erp_reference"] == "SAP-4500012345"
    too_much = fr.post(
        "/deliveries",
        {
            "order_id": order_body["id"],
            "kind": "goods",
            "delivered_on": timezone.localdate().isoformat(),
            "lines": {str(order_body["lines"][0]["id"]): "999"},
        },
    )
    assert too_much.status_code == 422
    lines = {str(line["id"]): line["quantity"] for line in order_body["lines"]}
    delivery = fr.post(
        "/deliveries",
        {
            "order_id": order_body["id"],
            "kind": "goods",
            "delivered_on": timezone.localdate().isoformat(),
            "lines": lines,
        },
    )
    assert delivery.status_code == 201, delivery.content
    assert fr.get(f"/orders/{order_body['id']}").json()["status"] == "fulfilled"

    for milestone in milestones:
        early = _multipart(
            fr,
            f"/milestones/{milestone['id']}/accept",
            {
                "accepted_on": timezone.localdate().isoformat(),
                "accepted_by_name": "李工",
                "acceptance_document": _file("a.pdf"),
            },
        )
        assert early.status_code == 422  # not delivered yet
        assert (
            fr.post(
                f"/milestones/{milestone['id']}/deliver", {"delivered_on": timezone.localdate().isoformat()}
            ).status_code
            == 200
        )
        done = _multipart(
            fr,
            f"/milestones/{milestone['id']}/accept",
            {
                "accepted_on": timezone.localdate().isoformat(),
                "accepted_by_name": "李工",
                "acceptance_document": _file("a.pdf"),
            },
        )
        assert done.status_code == 200
        assert done.json()["status"] == "accepted", done.content

    # One change through a change request, with the version diff.
    service_key = next(line["key"] for line in accepted.json()["current"]["lines"] if line["code"] == "SVC-IMP")
    change = ar.post(
        "/change-requests",
        {
            "contract_id": cid,
            "origin": "customer",
            "title": "增加培训",
            "reason": "客户要求",
            "proposal": {
                "lines": [{"product_id": catalog.service.pk, "quantity": "5", "unit_price": "1500"}],
                "end_date": (timezone.localdate() + timedelta(days=400)).isoformat(),
            },
        },
    )
    assert change.status_code == 201, change.content
    change_body = change.json()
    assert change_body["diff"]["lines"][0]["kind"] == "added"
    assert service_key
    chg = change_body["id"]
    assert ar.post(f"/change-requests/{chg}/assess", {"role": "ar", "verdict": "support"}).status_code == 200
    assert (
        api_as(team.sr).post(f"/change-requests/{chg}/assess", {"role": "sr", "verdict": "support"}).status_code == 200
    )
    missing = fr.post(f"/change-requests/{chg}/assess", {"role": "fr", "verdict": "support"})
    assert missing.status_code == 422
    assert (
        fr.post(
            f"/change-requests/{chg}/assess",
            {"role": "fr", "verdict": "support", "cost_impact": "4500", "schedule_days": 0},
        ).status_code
        == 200
    )
    decided = api_as(world.manager).post(f"/change-requests/{chg}/decide", {"approve": True})
    assert decided.status_code == 200
    assert decided.json()["result_version"] == 2
    compare = ar.get(f"/contracts/{cid}/compare?a=1&b=2").json()
    assert compare["changed"]
    assert compare["lines"][0]["code"] == "SVC-IMP"
    assert any(h["label"] == "End date" for h in compare["header"])

    # The amendment added 5 service days: deliver them before completing.
    contract = Contract.objects.get(pk=cid)
    assert fr.post(f"/contracts/{cid}/complete", **{"If-Match": f'"{contract.version}"'}).status_code == 422
    extra = fr.post("/orders", {"contract_id": cid}).json()
    fr.post(
        "/deliveries",
        {
            "order_id": extra["id"],
            "kind": "service",
            "delivered_on": timezone.localdate().isoformat(),
            "lines": {str(line["id"]): line["quantity"] for line in extra["lines"]},
        },
    )
    contract.refresh_from_db()
    completed = fr.post(f"/contracts/{cid}/complete", **{"If-Match": f'"{contract.version}"'})
    assert completed.status_code == 200, completed.content
    assert (
        "Draft invoice not issued: On acceptance (70,560.00)."
        in ar.get(f"/contracts/{cid}/close-check").json()["problems"]
    )
    settle(contract, world.finance)
    assert ar.get(f"/contracts/{cid}/close-check").json() == {"problems": []}
    no_score = ar.post(f"/contracts/{cid}/close", {}, **{"If-Match": completed["ETag"]})
    assert no_score.status_code == 422
    assert no_score.json()["errors"][0]["field"] == "satisfaction"
    closed = ar.post(
        f"/contracts/{cid}/close", {"satisfaction": 5, "lessons": "早确认机房"}, **{"If-Match": completed["ETag"]}
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    evaluations = ar.get("/evaluations").json()["items"]
    assert evaluations[0]["contract_number"] == body["number"]
    assert ar.get(f"/evaluations?q={body['number']}").json()["total"] == 1
    assert ar.get("/evaluations?q=nothing-like-it").json()["items"] == []
    assert evaluations[0]["satisfaction"] == 5

    events = api_as(world.admin).get("/events?kind=order.created").json()
    assert [e["payload"]["contract"] for e in events] == [body["number"], body["number"]]
    assert api_as(world.owner).get("/events").status_code == 403
    assert IntegrationEvent.objects.filter(kind="milestone.accepted").count() == len(milestones)


def test_visibility_follows_the_iron_triangle(world: Any, api_as: Any) -> None:
    team = contract_team(world)
    contract = accepted_contract(world, team)
    for user, seen in (
        (world.owner, True),
        (team.fr, True),
        (world.manager, True),
        (world.finance, True),
        (team.legal, True),
        (world.other, False),
        (world.teammate, False),
        (world.marketing, False),
    ):
        answer = api_as(user).get(f"/contracts/{contract.pk}")
        assert answer.status_code == (200 if seen else 404), user
        listed = api_as(user).get("/contracts").json()["items"]
        assert (contract.pk in [c["id"] for c in listed]) == seen
    # Seeing is not working: finance cannot order delivery.
    assert api_as(world.finance).post("/orders", {"contract_id": contract.pk}).status_code == 403


def test_draft_plan_through_the_api(world: Any, api_as: Any) -> None:
    team = contract_team(world)
    quote = accepted_quote(world, team)
    ar = api_as(world.owner)
    cid = ar.post("/contracts", {"quote_id": quote.pk}).json()["id"]
    milestone = ar.get(f"/milestones?contract={cid}").json()["items"][0]
    moved = ar.patch(f"/milestones/{milestone['id']}", {"planned_date": "2027-02-01"})
    assert moved.status_code == 200
    assert moved.json()["planned_date"] == "2027-02-01"
    assert moved.json()["name"] == milestone["name"]  # a PATCH keeps what it does not name
    added = ar.post(f"/contracts/{cid}/milestones", {"name": "终验", "planned_date": "2027-06-01", "term": 3})
    assert added.status_code == 201
    terms = ar.get(f"/contracts/{cid}").json()["current"]["terms"]
    assert terms[2]["milestone_id"] == added.json()["id"]
    bad = ar.post(f"/contracts/{cid}/milestones", {"name": "", "term": 9})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "planned_date", "term"}
    risk = ar.post(f"/contracts/{cid}/risks", {"kind": "dispute", "title": "验收标准争议", "impact": "high"})
    assert risk.status_code == 201
    closed = ar.patch(f"/risks/{risk.json()['id']}", {"status": "closed"})
    assert closed.json()["status"] == "closed"
    wrong = ar.patch(f"/risks/{risk.json()['id']}", {"impact": "huge"})
    assert wrong.status_code == 422
