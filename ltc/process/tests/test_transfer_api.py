"""/api/v1/process/configuration: export and import of the whole configuration, as the OpenAPI says."""

from __future__ import annotations

from typing import Any

from ltc.leads.models import ScoringRule
from ltc.opportunities.models import Stage
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.transfer import configuration_export


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_an_administrator_downloads_the_configuration(world: Any, api_as: Any) -> None:
    make_pipeline()

    response = api_as(world.admin).get("/process/configuration")

    assert response.status_code == 200
    assert without_time(response.json()) == without_time(configuration_export())
    assert response.json()["schema"] == 1


def test_no_one_else_downloads_the_configuration(world: Any, api_as: Any) -> None:
    response = api_as(world.executive).get("/process/configuration")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_dry_run_answers_the_plan_and_writes_nothing(world: Any, api_as: Any) -> None:
    pipeline = make_pipeline()
    document = configuration_export()
    document["pipelines"][0]["stages"][0]["probability"] = 15
    document["scoring_rules"] = [
        {"name": "行业：能源", "kind": "fit", "criterion": "industry_is", "value": "energy", "points": 15}
    ]
    stage = document["pipelines"][0]["stages"][0]

    response = api_as(world.admin).post("/process/configuration/import", {"document": document})

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["applied"]) == (True, False)
    changed = [i for i in body["items"] if i["action"] in ("create", "update")]
    assert changed == [
        {
            "section": "stage",
            "key": f"{pipeline.name} › {stage['name']}",
            "action": "update",
            "path": "pipelines[0].stages[0]",
            "changes": [{"field": "probability", "old": "10", "new": "15"}],
        },
        {
            "section": "scoring_rule",
            "key": "行业：能源",
            "action": "create",
            "path": "scoring_rules[0]",
            "changes": [],
        },
    ]
    assert body["counts"]["create"] == 1
    assert body["counts"]["update"] == 1
    assert Stage.objects.get(pipeline=pipeline, name=stage["name"]).probability == 10
    assert ScoringRule.objects.count() == 0


def test_an_applied_import_writes_the_changes(world: Any, api_as: Any) -> None:
    pipeline = make_pipeline()
    document = configuration_export()
    document["pipelines"][0]["stages"][0]["probability"] = 15
    stage = document["pipelines"][0]["stages"][0]

    response = api_as(world.admin).post("/process/configuration/import", {"document": document, "dry_run": False})

    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["counts"]["update"]) == (True, 1)
    assert Stage.objects.get(pipeline=pipeline, name=stage["name"]).probability == 15


def test_an_invalid_file_is_a_problem_naming_each_path_and_changes_nothing(world: Any, api_as: Any) -> None:
    make_pipeline()
    document = configuration_export()
    document["pipelines"][0]["stages"][1]["probability"] = 150
    document["routing_rules"] = [{"name": "华东 → 某人", "strategy": "user", "assign_user": "nobody"}]
    before = configuration_export()

    response = api_as(world.admin).post("/process/configuration/import", {"document": document, "dry_run": False})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "pipelines[0].stages[1].probability",
            "message": "Input should be less than or equal to 100",
            "code": "invalid",
        }
    ]
    document["pipelines"][0]["stages"][1]["probability"] = 50
    response = api_as(world.admin).post("/process/configuration/import", {"document": document, "dry_run": False})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "routing_rules[0].assign_user",
            "message": "No active user is named “nobody” in this installation.",
            "code": "invalid",
        }
    ]
    assert without_time(configuration_export()) == without_time(before)


def test_no_one_but_an_administrator_imports(world: Any, api_as: Any) -> None:
    response = api_as(world.manager).post("/process/configuration/import", {"document": configuration_export()})

    assert response.status_code == 403
