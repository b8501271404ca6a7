"""/api/v1/process/nodes: read by everyone signed in, changed by administrators and process
owners, updates under If-Match (428 without, 412 stale), refusals as problem+json that change
nothing. Every exchange is checked against the published OpenAPI document (api_as)."""

from __future__ import annotations

import pytest

from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.models import ProcessBinding, ProcessNode

pytestmark = pytest.mark.django_db


def node_id(code: str) -> int:
    return ProcessNode.objects.get(code=code).pk


def test_everyone_signed_in_reads_the_map_with_filters(world, api_as):
    api = api_as(world.owner)
    page = api.get("/process/nodes?level=2").json()
    assert [n["code"] for n in page["items"]] == ["ML", "MO", "MCE", "MAE"]
    assert page["total"] == 4
    below = api.get(f"/process/nodes?parent={node_id('MO')}").json()["items"]
    assert [(n["code"], n["name"]) for n in below] == [
        ("MO.1", "Validate the opportunity"),
        ("MO.2", "Manage the decision chain"),
        ("MO.3", "Pre-bid guidance"),
        ("MO.4", "Prepare and submit the bid"),
        ("MO.5", "Negotiate and generate the contract"),
    ]
    assert [n["code"] for n in api.get("/process/nodes?q=标书").json()["items"]] == ["MO.4"]
    assert api_as(None).get("/process/nodes").status_code == 401


def test_a_node_with_its_trail_children_and_bindings(world, api_as):
    answer = api_as(world.owner).get(f"/process/nodes/{node_id('MO.1')}", **{"Accept-Language": "zh-hans"})
    assert answer.status_code == 200
    assert answer["ETag"] == '"1"'
    body = answer.json()
    assert (body["code"], body["level"], body["owner_role"], body["owner"], body["shipped"]) == (
        "MO.1",
        3,
        "sales_manager",
        None,
        True,
    )
    assert [step["code"] for step in body["trail"]] == ["LTC", "MO", "MO.1"]
    assert body["children"] == []
    assert [(b["kind"], b["key"], b["label"], b["missing"]) for b in body["bindings"]] == [
        ("review", "ATI", "ATI — 立项", False)
    ]
    assert body["name"] == "验证机会点"
    assert (body["purpose_zh"], body["purpose_en"], body["outputs_zh"], body["outputs_en"]) == (
        "只把精力投入到值得跟进的真实机会点上。",
        "Spend effort only on real opportunities worth pursuing.",
        "立项决策（ATI）",
        "The ATI decision",
    )
    assert body["services"][0] == "ltc.opportunities.services.deals.opportunity_create"


def test_an_admin_adds_an_l4_binds_a_stage_and_edits_it_under_if_match(world, api_as):
    api = api_as(world.admin)
    stage = make_pipeline().stages.get(name="方案")
    created = api.post(
        "/process/nodes",
        {
            "parent_id": node_id("MO.4"),
            "code": "MO.4.1",
            "name_zh": "投标评审",
            "name_en": "Bid review",
            "owner_id": world.manager.pk,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["level"], body["trail"][-1]["code"], body["owner"]["id"], created["ETag"]) == (
        4,
        "MO.4.1",
        world.manager.pk,
        '"1"',
    )
    url = f"/process/nodes/{body['id']}"

    bound = api.post(f"{url}/bindings", {"kind": "stage", "key": str(stage.pk)})
    assert bound.status_code == 201
    assert bound.json() == {
        "id": bound.json()["id"],
        "kind": "stage",
        "key": str(stage.pk),
        "label": "方案 (项目销售)",
        "missing": False,
    }

    assert api.patch(url, {"name_en": "Bid check"}).status_code == 428
    ok = api.patch(url, {"name_en": "Bid check", "owner_role": "sr"}, **{"If-Match": '"1"'})
    assert ok.status_code == 200
    assert (ok["ETag"], ok.json()["name_en"], ok.json()["owner_role"]) == ('"2"', "Bid check", "sr")
    stale = api.patch(url, {"name_en": "Old"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert ProcessNode.objects.get(pk=body["id"]).name_en == "Bid check"

    timeline = api.get(f"{url}/timeline").json()
    assert [e["kind"] for e in timeline] == ["changed", "changed", "created"]


def test_refusals_are_field_errors_that_change_nothing(world, api_as):
    api = api_as(world.admin)
    count = ProcessNode.objects.count()
    bad_code = api.post(
        "/process/nodes", {"parent_id": node_id("MO.4"), "code": "MO.5", "name_zh": "重", "name_en": "Dup"}
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"] == [
        {"field": "code", "message": "Another node has this code.", "code": "code_taken"}
    ]
    no_parent = api.post("/process/nodes", {"parent_id": 999999, "code": "Z", "name_zh": "无", "name_en": "None"})
    assert no_parent.json()["errors"] == [{"field": "parent_id", "message": "No such node.", "code": "invalid"}]
    assert ProcessNode.objects.count() == count

    shipped = api.patch(f"/process/nodes/{node_id('MO.4')}", {"code": "BID"}, **{"If-Match": '"1"'})
    assert shipped.status_code == 422
    assert shipped.json()["errors"] == [
        {"field": "code", "message": "A shipped node keeps its code.", "code": "shipped_fixed"}
    ]
    one_language = api.patch(f"/process/nodes/{node_id('MO.4')}", {"purpose": "Win."}, **{"If-Match": '"1"'})
    assert one_language.status_code == 422
    assert [e["field"] for e in one_language.json()["errors"]] == ["purpose"]
    bindings = ProcessBinding.objects.count()
    unknown = api.post(f"/process/nodes/{node_id('MO.1')}/bindings", {"kind": "lead_status", "key": "won"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "key"
    wrong_kind = api.post(f"/process/nodes/{node_id('MO.1')}/bindings", {"kind": "colour", "key": "red"})
    assert wrong_kind.status_code == 422
    assert ProcessBinding.objects.count() == bindings
    assert ProcessNode.objects.get(code="MO.4").version == 1


def test_an_unknown_service_or_a_too_long_code_is_a_field_error_on_both_databases(world, api_as):
    api = api_as(world.admin)
    count = ProcessNode.objects.count()
    long_code = api.post(
        "/process/nodes", {"parent_id": node_id("MO.4"), "code": "C" * 41, "name_zh": "长", "name_en": "Long"}
    )
    assert long_code.status_code == 422
    assert [e["field"] for e in long_code.json()["errors"]] == ["code"]
    assert ProcessNode.objects.count() == count
    created = api.post(
        "/process/nodes", {"parent_id": node_id("MO.4"), "code": "MO.4.1", "name_zh": "评审", "name_en": "Review"}
    )
    url = f"/process/nodes/{created.json()['id']}"
    recoded = api.patch(url, {"code": "C" * 41}, **{"If-Match": '"1"'})
    assert recoded.status_code == 422
    assert [e["field"] for e in recoded.json()["errors"]] == ["code"]
    system = api.patch(url, {"services": "os.system"}, **{"If-Match": '"1"'})
    assert system.status_code == 422
    assert system.json()["errors"] == [
        {"field": "services", "message": "No such service: os.system.", "code": "unknown_service"}
    ]
    assert ProcessNode.objects.get(code="MO.4.1").version == 1


def test_deactivation_under_if_match_refused_while_in_use(world, api_as):
    api = api_as(world.admin)
    url = f"/process/nodes/{node_id('MO.2')}"
    assert api.post(f"{url}/deactivate").status_code == 428
    done = api.post(f"{url}/deactivate", **{"If-Match": '"1"'})
    assert done.status_code == 200
    assert (done.json()["active"], done["ETag"]) == (False, '"2"')

    busy = api.post(f"/process/nodes/{node_id('MO.1')}/deactivate", **{"If-Match": '"1"'})
    assert busy.status_code == 422
    assert busy.json()["errors"][0]["message"].startswith("This node still has 0 active child nodes and 1 bindings")
    assert ProcessNode.objects.get(code="MO.1").active is True


def test_others_may_read_but_not_change(world, api_as):
    api = api_as(world.owner)
    url = f"/process/nodes/{node_id('MO.4')}"
    assert api.patch(url, {"name_en": "x"}, **{"If-Match": '"1"'}).status_code == 403
    assert api.post(f"{url}/bindings", {"kind": "lead_status", "key": "converted"}).status_code == 403
    binding = ProcessBinding.objects.get(kind="review", key="ATB")
    assert api.request("DELETE", f"{url}/bindings/{binding.pk}").status_code == 403
    assert ProcessBinding.objects.filter(pk=binding.pk).exists()
    assert api_as(world.admin).request("DELETE", f"{url}/bindings/{binding.pk}").status_code == 204
    assert not ProcessBinding.objects.filter(pk=binding.pk).exists()
