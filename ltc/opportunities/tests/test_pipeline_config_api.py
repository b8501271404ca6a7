"""/api/v1/pipelines, /stages and /requirements: configuring a pipeline through the API (every
exchange checked against the OpenAPI document by `api_as`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ltc.core.models import TimelineEvent
from ltc.opportunities.models import Pipeline, Stage, StageRequirement
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def test_an_administrator_builds_a_pipeline_through_the_api(world, api_as):
    api = api_as(world.admin)
    created = api.post("/pipelines", {"name": "渠道销售", "description": "经销商"})
    assert created.status_code == 201
    assert created["ETag"] == '"1"'
    pk = created.json()["id"]
    for body in ({"name": "签约", "probability": 60}, {"name": "赢单", "category": "won", "probability": 100}):
        assert api.post(f"/pipelines/{pk}/stages", body).status_code == 201
    first = api.post(f"/pipelines/{pk}/stages", {"name": "报备", "probability": 20, "guidance": "先报备"})
    assert first.status_code == 201
    assert first["ETag"] == '"1"'

    answer = api.get(f"/pipelines/{pk}")
    assert answer["ETag"] == '"4"'
    body = answer.json()
    assert (body["name"], body["version"], body["active"]) == ("渠道销售", 4, True)
    assert [(s["name"], s["order"], s["category"], s["probability"]) for s in body["stages"]] == [
        ("签约", 10, "open", 60),
        ("报备", 20, "open", 20),
        ("赢单", 900, "won", 100),
    ]
    signing, report = body["stages"][0]["id"], body["stages"][1]["id"]

    reordered = api.post(f"/pipelines/{pk}/stages/reorder", {"stage_ids": [report, signing]}, **{"If-Match": '"4"'})
    assert reordered.status_code == 200
    assert reordered["ETag"] == '"5"'
    assert [s["name"] for s in reordered.json()["stages"]] == ["报备", "签约", "赢单"]

    patched = api.patch(f"/pipelines/{pk}", {"quote_from_stage_id": signing}, **{"If-Match": '"5"'})
    assert patched.status_code == 200
    assert patched.json()["quote_from_stage_id"] == signing

    item = api.post(f"/stages/{report}/requirements", {"label": "客户预算确认", "kind": "check"})
    assert item.status_code == 201
    assert {k: item.json()[k] for k in ("label", "kind", "order", "active", "version")} == {
        "label": "客户预算确认",
        "kind": "check",
        "order": 1,
        "active": True,
        "version": 1,
    }
    history = api.get(f"/pipelines/{pk}/timeline").json()
    assert [e["text"] for e in history[:2]] == ["报备 · 客户预算确认", ""]


def test_updates_need_the_current_version(world, api_as, pipeline):
    api = api_as(world.admin)
    solution = stage(pipeline, "方案")
    assert api.patch(f"/stages/{solution.pk}", {"probability": 50}).status_code == 428
    stale = api.patch(f"/stages/{solution.pk}", {"probability": 50}, **{"If-Match": '"3"'})
    assert stale.status_code == 412
    assert stale["ETag"] == '"1"'
    solution.refresh_from_db()
    assert (solution.probability, solution.version) == (40, 1)
    done = api.patch(f"/stages/{solution.pk}", {"probability": 50}, **{"If-Match": '"1"'})
    assert (done.status_code, done["ETag"], done.json()["probability"]) == (200, '"2"', 50)


def test_bad_input_answers_field_errors_and_changes_nothing(world, api_as, pipeline):
    api = api_as(world.admin)
    signing = stage(pipeline, "签约")
    other = make_pipeline("产品销售")
    before = (StageRequirement.objects.count(), TimelineEvent.objects.count())
    refused = api.post(f"/stages/{signing.pk}/requirements", {"label": "字段", "kind": "field"})
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["field_name"]
    foreign = api.patch(
        f"/pipelines/{pipeline.pk}", {"quote_accepted_stage_id": stage(other, "方案").pk}, **{"If-Match": '"1"'}
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "quote_accepted_stage_id"
    assert (StageRequirement.objects.count(), TimelineEvent.objects.count()) == before
    assert Pipeline.objects.get(pk=pipeline.pk).version == 1


def test_dry_run_then_confirmed_gate_item(world, api_as, pipeline):
    confirm = stage(pipeline, "确认")
    for i in range(3):
        make_opportunity(world, pipeline, name=f"项目{i}", amount=Decimal(100 * (i + 1)))
    api = api_as(world.admin)
    dry = api.post(f"/stages/{confirm.pk}/gate-dry-run", {"add": [{"label": "bid review", "kind": "check"}]})
    assert dry.status_code == 200
    body = dry.json()
    assert (body["count"], body["released"], body["items"]) == (3, 0, ["bid review"])
    assert body["message"] == "3 open deals in 确认 would now miss the item 'bid review'."
    assert [(d["name"], d["missing"], d["owner"]["id"]) for d in body["deals"]] == [
        ("项目2", ["bid review"], world.owner.pk),
        ("项目1", ["bid review"], world.owner.pk),
        ("项目0", ["bid review"], world.owner.pk),
    ]

    asked = api.post(f"/stages/{confirm.pk}/requirements", {"label": "bid review", "kind": "check"})
    assert asked.status_code == 422
    assert asked.json()["errors"] == [
        {"field": "confirm", "message": "3 open deals in 确认 would now miss the item 'bid review'.", "code": "confirm"}
    ]
    assert confirm.requirements.count() == 1
    saved = api.post(f"/stages/{confirm.pk}/requirements", {"label": "bid review", "kind": "check", "confirm": True})
    assert saved.status_code == 201
    assert confirm.requirements.count() == 2


def test_removing_an_item_answers_what_happened(world, api_as, pipeline):
    api = api_as(world.admin)
    item = stage(pipeline, "确认").requirements.get()
    answer = api.request("DELETE", f"/requirements/{item.pk}", **{"If-Match": '"1"'})
    assert answer.status_code == 200
    assert answer.json() == {"id": item.pk, "outcome": "deleted"}
    assert not StageRequirement.objects.filter(pk=item.pk).exists()


def test_a_non_administrator_reads_but_may_not_change(world, api_as, pipeline):
    api = api_as(world.owner)
    assert api.get(f"/stages/{stage(pipeline, '方案').pk}").status_code == 200
    refused = api.post(f"/pipelines/{pipeline.pk}/stages", {"name": "验收"})
    assert refused.status_code == 403
    assert Stage.objects.filter(pipeline=pipeline).count() == 5
