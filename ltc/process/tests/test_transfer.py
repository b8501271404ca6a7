"""Moving a configuration: the export, its JSON Schema, validation with paths, the diff, the apply."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from jsonschema import Draft202012Validator

from ltc.core.models import TimelineEvent
from ltc.leads.models import AssignmentRule, QualificationPolicy, ScoringRule
from ltc.opportunities.models import Pipeline, Stage, StageRequirement
from ltc.org.models import Authority, CompanyProfile
from ltc.process.models import ProcessBinding, ProcessNode
from ltc.process.transfer import (
    SCHEMA_PATH,
    configuration_export,
    configuration_import,
    configuration_json_schema,
)
from ltc.web.demo import ensure_organisation, seed_demo


@pytest.fixture(autouse=True)
def in_english() -> Any:
    """The messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


CONFIG_MODELS = (
    ProcessBinding,
    Pipeline,
    Stage,
    StageRequirement,
    AssignmentRule,
    ScoringRule,
    Authority,
    QualificationPolicy,
    CompanyProfile,
)


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "exported_at"}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*CONFIG_MODELS, ProcessNode, TimelineEvent)}


class _Discard(Exception):
    pass


def demo_export() -> dict[str, Any]:
    """The demo company's configuration, exported; everything the demo seeded but its people
    (users, teams, roles) is rolled back, leaving an installation with no configuration."""
    ensure_organisation()
    try:
        with transaction.atomic():
            seed_demo()
            document = configuration_export()
            raise _Discard
    except _Discard:
        pass
    return document


@pytest.fixture
def admin(db: Any) -> Any:
    from ltc.org.tests.factories import UserFactory

    return UserFactory(username="config-admin", roles=["admin"])


def test_the_demo_configuration_moves_into_an_empty_installation_unchanged(admin: Any) -> None:
    exported = demo_export()
    assert Pipeline.objects.count() == 0
    assert AssignmentRule.objects.count() == 0
    assert len(exported["pipelines"]) == 2
    assert len(exported["routing_rules"]) == 3
    assert len(exported["scoring_rules"]) == 7

    plan = configuration_import(actor=admin, document=json.loads(json.dumps(exported)), dry_run=False)

    assert plan.applied is True
    # Every installation has the shipped map: only what the demo changed on it is an update.
    assert {i.section for i in plan.items if i.action == "update"} == {"process_node"}
    assert plan.count("kept") == 0
    assert without_time(configuration_export()) == without_time(exported)


def test_a_dry_run_of_the_installations_own_export_reports_everything_unchanged(admin: Any) -> None:
    ensure_organisation()
    seed_demo()
    exported = configuration_export()
    before = counts()

    plan = configuration_import(actor=admin, document=exported, dry_run=True)

    assert plan.counts == {"create": 0, "update": 0, "unchanged": len(plan.items), "kept": 0}
    assert plan.applied is False
    assert counts() == before


def test_the_export_keeps_to_the_json_schema_kept_beside_it(admin: Any) -> None:
    ensure_organisation()
    seed_demo()
    kept = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

    assert kept == configuration_json_schema(), (
        "stale: ltc config_export --schema -o ltc/process/data/configuration.schema.json"
    )
    Draft202012Validator.check_schema(kept)
    assert list(Draft202012Validator(kept).iter_errors(configuration_export())) == []


def test_the_same_configuration_exports_the_same_document(admin: Any, django_assert_max_num_queries: Any) -> None:
    ensure_organisation()
    seed_demo()

    with django_assert_max_num_queries(15):
        configuration_export()
    assert without_time(configuration_export()) == without_time(configuration_export())
    assert configuration_export()["schema"] == 1


def test_only_an_administrator_may_import(admin: Any) -> None:
    from ltc.org.tests.factories import UserFactory

    rep = UserFactory(username="rep", roles=["ar", "sales_manager"])
    document = configuration_export()

    with pytest.raises(PermissionDenied):
        configuration_import(actor=rep, document=document, dry_run=True)


def test_a_dry_run_lists_creations_and_field_changes_and_writes_nothing(admin: Any) -> None:
    ensure_organisation()
    seed_demo()
    document = configuration_export()
    document["pipelines"][0]["stages"][1]["probability"] = 35
    document["scoring_rules"].append(
        {
            "name": "行业：能源",
            "order": 70,
            "active": True,
            "kind": "fit",
            "criterion": "industry_is",
            "value": "energy",
            "points": 15,
        }
    )
    del document["routing_rules"][2]
    before = counts()
    stage = document["pipelines"][0]["stages"][1]

    plan = configuration_import(actor=admin, document=document, dry_run=True)

    assert [(i.section, i.key, i.action) for i in plan.changed()] == [
        ("stage", f"项目销售 › {stage['name']}", "update"),
        ("scoring_rule", "行业：能源", "create"),
    ]
    change = plan.changed()[0].changes
    assert [(c.field, c.old, c.new) for c in change] == [("probability", "20", "35")]
    assert [(i.section, i.key) for i in plan.items if i.action == "kept"] == [("routing_rule", "华北 → 最低负载")]
    assert counts() == before


def test_an_import_applies_changes_on_each_objects_timeline_and_again_is_a_no_op(admin: Any) -> None:
    ensure_organisation()
    seed_demo()
    document = configuration_export()
    document["pipelines"][0]["stages"][1]["probability"] = 35
    document["authority"][0]["max_amount"] = "6000000"
    stage = Stage.objects.get(pipeline__name="项目销售", name=document["pipelines"][0]["stages"][1]["name"])
    line = document["authority"][0]

    plan = configuration_import(actor=admin, document=document, dry_run=False)

    assert plan.applied is True
    assert plan.counts["update"] == 2
    stage.refresh_from_db()
    assert stage.probability == 35
    event = TimelineEvent.objects.filter(object_id=stage.pk, content_type__model="stage").get()
    assert (event.kind, event.actor, event.changes) == (
        "changed",
        admin,
        [{"field": "probability", "old": "20", "new": "35"}],
    )
    authority = Authority.objects.get(subject=line["subject"], role__code=line["role"], currency=line["currency"])
    assert authority.max_amount == Decimal("6000000.00")
    before = counts()

    again = configuration_import(actor=admin, document=document, dry_run=False)

    assert again.has_changes is False
    assert counts() == before


def test_references_that_do_not_resolve_are_field_errors_with_their_path(admin: Any) -> None:
    ensure_organisation()
    seed_demo()
    document = configuration_export()
    document["routing_rules"][0]["assign_user"] = "nobody"
    document["routing_rules"][1]["assign_team"] = "火星销售部"
    document["authority"][0]["role"] = None
    document["authority"][0]["user"] = "ghost"
    document["pipelines"][1]["stages"][2]["name"] = document["pipelines"][1]["stages"][1]["name"]
    document["pipelines"][0]["quote_from_stage"] = "不存在"
    before = counts()

    with pytest.raises(ValidationError) as refused:
        configuration_import(actor=admin, document=document, dry_run=False)

    assert refused.value.message_dict == {
        "routing_rules[0].assign_user": ["No active user is named “nobody” in this installation."],
        "routing_rules[1].assign_team": ["No team is named “火星销售部” in this installation."],
        "authority[0].user": ["No active user is named “ghost” in this installation."],
        "pipelines[1].stages[2].name": ["This appears twice in the file."],
        "pipelines[0].quote_from_stage": ["This pipeline has no stage named “不存在”."],
    }
    assert counts() == before


def test_a_file_of_another_schema_or_shape_is_refused_with_paths(admin: Any) -> None:
    document = configuration_export()

    with pytest.raises(ValidationError) as other_schema:
        configuration_import(actor=admin, document={**document, "schema": 2}, dry_run=True)
    document["pipelines"] = [{"name": "", "stages": [{"name": "初步接触", "order": "first"}]}]
    with pytest.raises(ValidationError) as bad_shape:
        configuration_import(actor=admin, document=document, dry_run=True)

    assert other_schema.value.message_dict == {
        "schema": ["This file has configuration schema 2; this installation reads schema 1."]
    }
    assert bad_shape.value.message_dict == {
        "pipelines[0].name": ["String should have at least 1 characters"],
        "pipelines[0].stages[0].order": ["Input should be a valid integer, unable to parse string as an integer"],
    }


def test_a_nodes_purpose_inputs_and_outputs_move_in_both_languages(admin: Any) -> None:
    document = configuration_export()
    index, row = next((i, n) for i, n in enumerate(document["process_nodes"]) if n["code"] == "MO.1")
    assert (row["purpose_zh"], row["purpose_en"]) == (
        "只把精力投入到值得跟进的真实机会点上。",
        "Spend effort only on real opportunities worth pursuing.",
    )
    row["purpose_zh"] = "只跟进值得投入的真实机会点。"
    row["outputs_en"] = "The ATI decision, recorded"

    plan = configuration_import(actor=admin, document=document, dry_run=False)

    node = ProcessNode.objects.get(code="MO.1")
    assert (plan.applied, node.purpose_zh, node.outputs_en) == (
        True,
        "只跟进值得投入的真实机会点。",
        "The ATI decision, recorded",
    )
    assert node.purpose_en == "Spend effort only on real opportunities worth pursuing."
    old = {k: v for k, v in row.items() if not k.startswith("purpose_")} | {"purpose": "Pursue."}
    document["process_nodes"][index] = old
    with pytest.raises(ValidationError) as refused:
        configuration_import(actor=admin, document=document, dry_run=False)
    assert list(refused.value.message_dict) == [f"process_nodes[{index}].purpose"]
    assert ProcessNode.objects.get(code="MO.1").version == node.version


def test_a_new_gate_item_warns_of_the_open_deals_it_would_hold(world: Any) -> None:
    from ltc.opportunities.tests.factories import make_opportunity, make_pipeline

    make_pipeline()
    make_opportunity(world)
    document = configuration_export()
    document["pipelines"][0]["stages"][0]["requirements"].append({"label": "预算已确认", "order": 5, "kind": "check"})
    before = counts()

    plan = configuration_import(actor=world.admin, document=document, dry_run=True)

    assert [(w.path, w.message) for w in plan.warnings] == [
        ("pipelines[0].stages[0].requirements[1]", "1 open deals in 确认 would now miss the item '预算已确认'.")
    ]
    assert [(i.section, i.key, i.action) for i in plan.changed()] == [
        ("gate_item", "项目销售 › 确认 › 预算已确认", "create")
    ]
    assert counts() == before


def test_stages_come_in_the_files_order_and_a_new_one_takes_its_place(world: Any) -> None:
    from ltc.opportunities.tests.factories import make_pipeline

    pipeline = make_pipeline()
    document = configuration_export()
    stages = document["pipelines"][0]["stages"]
    stages[1]["order"], stages[2]["order"] = 30, 20  # 签约 before 方案
    stages.insert(1, {"name": "评估", "order": 15, "probability": 20})

    plan = configuration_import(actor=world.admin, document=document, dry_run=False)

    item = next(i for i in plan.items if i.section == "pipeline")
    assert [(c.field, c.old, c.new) for c in item.changes] == [
        ("stages", "确认 → 方案 → 签约 → 赢单 → 输单", "确认 → 签约 → 方案 → 赢单 → 输单")
    ]
    assert list(pipeline.stages.order_by("order").values_list("name", flat=True)) == [
        "确认",
        "评估",
        "签约",
        "方案",
        "赢单",
        "输单",
    ]
    assert configuration_import(actor=world.admin, document=document, dry_run=True).has_changes is False


def test_a_stages_own_rules_refuse_in_the_preview_with_the_path(world: Any) -> None:
    document = configuration_export()
    document["routing_rules"] = [{"name": "财务收线索", "strategy": "user", "assign_user": "finance"}]
    before = counts()

    with pytest.raises(ValidationError) as refused:
        configuration_import(actor=world.admin, document=document, dry_run=True)

    assert refused.value.message_dict == {
        "routing_rules[0].assign_user": ["Leads go to an active account manager or sales manager."]
    }
    assert counts() == before


def test_a_binding_moves_to_the_node_the_file_names(world: Any) -> None:
    from ltc.opportunities.tests.factories import make_pipeline

    make_pipeline()
    document = configuration_export()
    document["process_bindings"].append(
        {"node": "MO.4", "kind": "requirement", "pipeline": "项目销售", "stage": "方案", "label": "现场拜访"}
    )
    configuration_import(actor=world.admin, document=document, dry_run=False)
    document["process_bindings"][-1]["node"] = "MO.3"

    plan = configuration_import(actor=world.admin, document=document, dry_run=False)

    assert [(i.section, i.action, [(c.field, c.old, c.new) for c in i.changes]) for i in plan.changed()] == [
        ("process_binding", "update", [("node", "MO.4", "MO.3")])
    ]
    item = StageRequirement.objects.get(label="现场拜访")
    assert ProcessBinding.objects.get(kind="requirement", key=str(item.pk)).node.code == "MO.3"


def test_the_qualification_policy_is_imported_through_the_leads_service(admin: Any, monkeypatch: Any) -> None:
    from ltc.leads.services import rules

    ensure_organisation()
    seed_demo()
    document = configuration_export()
    document["qualification_policy"] = {"required_items": ["need_confirmed", "timeframe_known"]}
    calls: list[dict[str, Any]] = []
    service = rules.qualification_policy_update

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return service(**kwargs)

    monkeypatch.setattr(rules, "qualification_policy_update", spy)

    configuration_import(actor=admin, document=document, dry_run=False)

    assert calls == [{"actor": admin, "data": {"required_items": ["need_confirmed", "timeframe_known"]}}]
    policy = QualificationPolicy.objects.get()
    assert policy.required_items == ["need_confirmed", "timeframe_known"]
    event = TimelineEvent.objects.filter(object_id=policy.pk, content_type__model="qualificationpolicy").get()
    assert (event.kind, event.actor, [c["field"] for c in event.changes]) == ("changed", admin, ["required_items"])
