"""Configuring pipelines through services/config.py: who may, what is refused, the timeline of
each change (on the record and on its pipeline), versions, and the dry run of a gate change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import (
    Opportunity,
    Pipeline,
    RequirementCheck,
    Stage,
    StageRequirement,
    StageTemplate,
)
from ltc.opportunities.services import config
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _pipeline_events(pipeline: Pipeline) -> list[tuple[str, str, list[dict[str, str]]]]:
    events = TimelineEvent.objects.filter(content_type__model="pipeline", object_id=pipeline.pk).order_by("id")
    return [(e.kind, e.text, e.changes) for e in events]


def _state(*models):
    return [sorted(m.objects.values_list()) for m in models]


BID_REVIEW = {"label": "bid review", "kind": "check"}


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "manager", "boss", "executive", "finance"])
def test_only_an_administrator_configures_and_a_refusal_changes_nothing(world, pipeline, actor):
    user = getattr(world, actor)
    confirm = stage(pipeline, "确认")
    item = confirm.requirements.get()
    before = _state(Pipeline, Stage, StageRequirement, TimelineEvent)
    calls = [
        lambda: config.pipeline_create(actor=user, data={"name": "新管道"}),
        lambda: config.pipeline_update(actor=user, pipeline=pipeline, data={"name": "x"}, expected_version=1),
        lambda: config.stage_create(actor=user, pipeline=pipeline, data={"name": "x"}),
        lambda: config.stage_update(actor=user, stage=confirm, data={"probability": 20}, expected_version=1),
        lambda: config.stage_deactivate(actor=user, stage=confirm, expected_version=1),
        lambda: config.stages_reorder(actor=user, pipeline=pipeline, stage_ids=[], expected_version=1),
        lambda: config.requirement_add(actor=user, stage=confirm, data=BID_REVIEW),
        lambda: config.requirement_update(actor=user, requirement=item, data={"label": "x"}, expected_version=1),
        lambda: config.requirement_remove(actor=user, requirement=item, expected_version=1),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert _state(Pipeline, Stage, StageRequirement, TimelineEvent) == before


# --- pipelines -------------------------------------------------------------------------------


def test_create_and_update_a_pipeline_with_its_timeline(world, pipeline):
    created = config.pipeline_create(actor=world.admin, data={"name": " 渠道销售 ", "description": "经销商"})
    assert (created.name, created.description, created.version, created.active) == ("渠道销售", "经销商", 1, True)
    assert _pipeline_events(created) == [("created", "", [])]

    signing = stage(pipeline, "签约")
    updated = config.pipeline_update(
        actor=world.admin,
        pipeline=pipeline,
        data={"description": "大项目", "quote_from_stage": signing},
        expected_version=1,
    )
    pipeline.refresh_from_db()
    assert (pipeline.version, pipeline.description, pipeline.quote_from_stage) == (2, "大项目", signing)
    assert updated.version == 2
    assert _pipeline_events(pipeline)[-1] == (
        "changed",
        "",
        [
            {"field": "description", "old": "", "new": "大项目"},
            {"field": "quote_from_stage", "old": "", "new": "签约"},
        ],
    )


def test_pipeline_update_refuses_a_stale_version_a_taken_name_and_another_pipelines_stage(world, pipeline):
    other = make_pipeline("产品销售")
    before = _state(Pipeline, TimelineEvent)
    with pytest.raises(StaleVersionError):
        config.pipeline_update(actor=world.admin, pipeline=pipeline, data={"name": "新名"}, expected_version=7)
    with pytest.raises(ValidationError) as taken:
        config.pipeline_update(actor=world.admin, pipeline=pipeline, data={"name": "产品销售"}, expected_version=1)
    assert list(taken.value.message_dict) == ["name"]
    pipeline.refresh_from_db()
    with pytest.raises(ValidationError) as foreign:
        config.pipeline_update(
            actor=world.admin,
            pipeline=pipeline,
            data={"quote_accepted_stage": stage(other, "签约")},
            expected_version=1,
        )
    assert foreign.value.message_dict == {"quote_accepted_stage": ["Choose a stage of this pipeline."]}
    pipeline.refresh_from_db()
    assert _state(Pipeline, TimelineEvent) == before
    assert (pipeline.name, pipeline.version, pipeline.quote_accepted_stage) == ("项目销售", 1, None)


# --- stages ----------------------------------------------------------------------------------


def test_stages_are_added_in_order_with_closing_stages_last(world):
    pipeline = config.pipeline_create(actor=world.admin, data={"name": "新管道"})
    won = config.stage_create(actor=world.admin, pipeline=pipeline, data={"name": "赢单", "category": "won"})
    first = config.stage_create(actor=world.admin, pipeline=pipeline, data={"name": "线索确认", "probability": 10})
    second = config.stage_create(
        actor=world.admin, pipeline=pipeline, data={"name": "投标", "probability": 50, "needs_fr": True}
    )
    assert [(s.name, s.order, s.category) for s in pipeline.stages.all()] == [
        ("线索确认", 10, "open"),
        ("投标", 20, "open"),
        ("赢单", 900, "won"),
    ]
    assert (won.version, first.version, second.probability) == (1, 1, 50)
    pipeline.refresh_from_db()
    assert pipeline.version == 4  # each stage added moves the pipeline's version on
    assert _pipeline_events(pipeline)[-1] == (
        "created",
        "投标",
        [
            {"field": "stages.name", "old": "", "new": "投标"},
            {"field": "stages.probability", "old": "", "new": "50"},
            {"field": "stages.category", "old": "", "new": "open"},
            {"field": "stages.needs_fr", "old": "", "new": "True"},
            {"field": "stages.forecast_category", "old": "", "new": "pipeline"},
        ],
    )
    with pytest.raises(ValidationError) as twice:
        config.stage_create(actor=world.admin, pipeline=pipeline, data={"name": "又赢", "category": "won"})
    assert twice.value.message_dict == {"category": ["This pipeline already has a Won stage."]}
    assert pipeline.stages.count() == 3


def test_stage_update_keeps_a_diff_on_the_stage_and_the_pipeline(world, pipeline):
    solution = stage(pipeline, "方案")
    config.stage_update(
        actor=world.admin,
        stage=solution,
        data={"probability": 45, "guidance": "先讲案例"},
        expected_version=1,
    )
    solution.refresh_from_db()
    assert (solution.probability, solution.guidance, solution.version) == (45, "先讲案例", 2)
    diff = [
        {"field": "probability", "old": "40", "new": "45"},
        {"field": "guidance", "old": "", "new": "先讲案例"},
    ]
    stage_event = TimelineEvent.objects.filter(content_type__model="stage", object_id=solution.pk).get()
    assert stage_event.changes == diff
    assert _pipeline_events(pipeline)[-1] == (
        "changed",
        "方案",
        [{**c, "field": f"stages.{c['field']}"} for c in diff],
    )
    last = TimelineEvent.objects.filter(content_type__model="pipeline", object_id=pipeline.pk).order_by("id").last()
    assert [c["label"] for c in last.display_changes()] == ["probability %", "guidance"]


def test_stage_update_refuses_bad_values_stale_versions_and_a_second_won_stage(world, pipeline):
    signing = stage(pipeline, "签约")
    before = _state(Stage, TimelineEvent)
    with pytest.raises(ValidationError) as bad:
        config.stage_update(actor=world.admin, stage=signing, data={"probability": 101, "name": ""}, expected_version=1)
    assert sorted(bad.value.message_dict) == ["name", "probability"]
    signing.refresh_from_db()
    with pytest.raises(ValidationError) as won:
        config.stage_update(actor=world.admin, stage=signing, data={"category": "won"}, expected_version=1)
    assert won.value.message_dict == {"category": ["This pipeline already has a Won stage."]}
    signing.refresh_from_db()
    with pytest.raises(StaleVersionError):
        config.stage_update(actor=world.admin, stage=signing, data={"probability": 80}, expected_version=2)
    signing.refresh_from_db()
    assert _state(Stage, TimelineEvent) == before
    assert (signing.probability, signing.category, signing.version) == (90, "open", 1)


def test_a_used_stage_keeps_its_category_and_is_deactivated_not_deleted(world, pipeline):
    solution = stage(pipeline, "方案")
    deal = make_opportunity(world, pipeline, stage=solution)
    with pytest.raises(ValidationError) as used:
        config.stage_update(actor=world.admin, stage=solution, data={"category": "lost"}, expected_version=1)
    assert used.value.message_dict == {"category": ["Deals used this stage: its category cannot change."]}
    solution.refresh_from_db()
    with pytest.raises(ValidationError) as occupied:
        config.stage_deactivate(actor=world.admin, stage=solution, expected_version=1)
    assert occupied.value.message_dict == {"active": ["1 open deals are in this stage: move them first."]}
    solution.refresh_from_db()
    assert (solution.active, solution.version) == (True, 1)

    Opportunity.objects.filter(pk=deal.pk).update(stage=stage(pipeline, "确认"))
    config.stage_deactivate(actor=world.admin, stage=solution, expected_version=1)
    solution.refresh_from_db()
    assert (solution.active, solution.version) == (False, 2)
    assert [s.name for s in pipeline.open_stages()] == ["确认", "签约"]
    deal.refresh_from_db()
    assert deal_services.next_stage(deal).name == "签约"  # deals no longer enter it
    with pytest.raises(ValidationError) as gone:
        deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=1, to_stage=solution)
    assert gone.value.message_dict == {"stage": ["This stage is no longer used."]}
    assert _pipeline_events(pipeline)[-1] == (
        "changed",
        "方案",
        [{"field": "stages.active", "old": "True", "new": "False"}],
    )


def test_closing_stages_stay_in_use(world, pipeline):
    won = stage(pipeline, "赢单")
    with pytest.raises(ValidationError) as refused:
        config.stage_deactivate(actor=world.admin, stage=won, expected_version=1)
    assert refused.value.message_dict == {"category": ["The won and the lost stage stay in use."]}


def test_reorder_swaps_the_open_stages_order_numbers_and_refuses_a_partial_list(world, pipeline):
    confirm, solution, signing = (stage(pipeline, n) for n in ("确认", "方案", "签约"))
    with pytest.raises(ValidationError) as partial:
        config.stages_reorder(
            actor=world.admin, pipeline=pipeline, stage_ids=[solution.pk, confirm.pk], expected_version=1
        )
    assert partial.value.message_dict == {"stage_ids": ["List every open stage of this pipeline once."]}
    with pytest.raises(StaleVersionError):
        config.stages_reorder(
            actor=world.admin, pipeline=pipeline, stage_ids=[solution.pk, confirm.pk, signing.pk], expected_version=3
        )
    assert [s.name for s in Stage.objects.filter(pipeline=pipeline).order_by("order")] == [
        "确认",
        "方案",
        "签约",
        "赢单",
        "输单",
    ]
    config.stages_reorder(
        actor=world.admin, pipeline=pipeline, stage_ids=[solution.pk, confirm.pk, signing.pk], expected_version=1
    )
    assert [(s.name, s.order) for s in Stage.objects.filter(pipeline=pipeline).order_by("order")] == [
        ("方案", 10),
        ("确认", 20),
        ("签约", 30),
        ("赢单", 90),
        ("输单", 91),
    ]
    pipeline.refresh_from_db()
    assert pipeline.version == 2
    assert _pipeline_events(pipeline)[-1] == (
        "changed",
        "",
        [{"field": "stages.order", "old": "确认 → 方案 → 签约", "new": "方案 → 确认 → 签约"}],
    )


# --- checklist items -------------------------------------------------------------------------


def test_add_an_item_validates_its_kind_and_records_it(world, pipeline):
    signing = stage(pipeline, "签约")
    before = _state(StageRequirement, TimelineEvent)
    for data, field in [
        ({"label": "拜访", "kind": "activity", "activity_kind": "dance"}, "activity_kind"),
        ({"label": "字段", "kind": "field"}, "field_name"),
        ({"label": "评审", "kind": "review", "review_type": "XYZ"}, "review_type"),
        ({"label": "", "kind": "check"}, "label"),
        ({"label": "x", "kind": "nonsense"}, "kind"),
    ]:
        with pytest.raises(ValidationError) as refused:
            config.requirement_add(actor=world.admin, stage=signing, data=data)
        assert list(refused.value.message_dict) == [field], data
    with pytest.raises(ValidationError):
        config.requirement_add(actor=world.admin, stage=stage(pipeline, "赢单"), data=BID_REVIEW)
    assert _state(StageRequirement, TimelineEvent) == before

    item = config.requirement_add(
        actor=world.admin,
        stage=signing,
        data={"label": "ATC 通过", "kind": "review", "review_type": "ATC", "activity_kind": "call"},
    )
    assert (item.label, item.kind, item.review_type, item.activity_kind, item.order) == (
        "ATC 通过",
        "review",
        "ATC",
        "",
        1,
    )
    assert _pipeline_events(pipeline)[-1] == (
        "created",
        "签约 · ATC 通过",
        [
            {"field": "stages.requirements.label", "old": "", "new": "ATC 通过"},
            {"field": "stages.requirements.kind", "old": "", "new": "review"},
            {"field": "stages.requirements.review_type", "old": "", "new": "ATC"},
        ],
    )


def test_update_an_item_with_its_diff_and_version(world, pipeline):
    item = stage(pipeline, "确认").requirements.get()
    config.requirement_update(actor=world.admin, requirement=item, data={"label": "需求书面确认"}, expected_version=1)
    item.refresh_from_db()
    assert (item.label, item.version) == ("需求书面确认", 2)
    assert TimelineEvent.objects.filter(content_type__model="stagerequirement", object_id=item.pk).get().changes == [
        {"field": "label", "old": "需求已确认", "new": "需求书面确认"}
    ]
    with pytest.raises(StaleVersionError):
        config.requirement_update(actor=world.admin, requirement=item, data={"label": "y"}, expected_version=1)
    item.refresh_from_db()
    assert item.label == "需求书面确认"


RENAME_REFUSED = (
    "Deals have already confirmed this item under its label: remove it (it is kept for them) "
    "and add a new item instead."
)


def test_renaming_an_item_deals_ticked_is_refused_an_unticked_one_is_renamed(world, pipeline):
    confirm = stage(pipeline, "确认")
    ticked = confirm.requirements.get()
    deal = make_opportunity(world, pipeline)
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=ticked, done=True)
    spare = config.requirement_add(
        actor=world.admin, stage=confirm, data={"label": "预算", "kind": "check"}, confirm_impact=True
    )
    before = _state(StageRequirement, RequirementCheck, TimelineEvent)
    with pytest.raises(ValidationError) as refused:
        config.requirement_update(
            actor=world.admin, requirement=ticked, data={"label": "预算已确认"}, expected_version=1
        )
    assert refused.value.message_dict == {"label": [RENAME_REFUSED]}
    assert _state(StageRequirement, RequirementCheck, TimelineEvent) == before

    ticked = StageRequirement.objects.get(pk=ticked.pk)
    config.requirement_update(
        actor=world.admin, requirement=ticked, data={"label": " 需求已确认 ", "order": 5}, expected_version=1
    )
    ticked.refresh_from_db()
    assert (ticked.label, ticked.order, ticked.version) == ("需求已确认", 5, 2)  # the same wording: still free
    config.requirement_update(actor=world.admin, requirement=spare, data={"label": "预算已确认"}, expected_version=1)
    spare.refresh_from_db()
    assert (spare.label, spare.version) == ("预算已确认", 2)  # nobody ticked it


def test_renaming_a_ticked_item_through_the_api_is_a_field_error(world, pipeline, api_as):
    ticked = stage(pipeline, "确认").requirements.get()
    deal = make_opportunity(world, pipeline)
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=ticked, done=True)
    before = _state(StageRequirement, TimelineEvent)
    api = api_as(world.admin)
    refused = api.patch(f"/requirements/{ticked.pk}", {"label": "预算已确认"}, **{"If-Match": '"1"'})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "label", "message": RENAME_REFUSED, "code": "confirmed"}]
    assert _state(StageRequirement, TimelineEvent) == before
    RequirementCheck.objects.filter(requirement=ticked).delete()  # the deal unticked it: nobody confirmed it
    renamed = api.patch(f"/requirements/{ticked.pk}", {"label": "预算已确认"}, **{"If-Match": '"1"'})
    assert (renamed.status_code, renamed.json()["label"]) == (200, "预算已确认")


def test_removing_an_item_deals_ticked_deactivates_it_otherwise_deletes_it(world, pipeline):
    confirm = stage(pipeline, "确认")
    ticked = confirm.requirements.get()
    deal = make_opportunity(world, pipeline)
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=ticked, done=True)
    spare = config.requirement_add(
        actor=world.admin, stage=confirm, data={"label": "预算", "kind": "check"}, confirm_impact=True
    )

    assert config.requirement_remove(actor=world.admin, requirement=ticked, expected_version=1) == "deactivated"
    ticked.refresh_from_db()
    assert (ticked.active, ticked.version) == (False, 2)
    assert RequirementCheck.objects.filter(requirement=ticked).count() == 1  # the deal's history keeps it
    assert [i.label for i in deal_services.checklist(deal)] == ["预算"]  # it gates nothing any more

    assert config.requirement_remove(actor=world.admin, requirement=spare, expected_version=1) == "deleted"
    assert not StageRequirement.objects.filter(pk=spare.pk).exists()
    assert [(k, t) for k, t, _c in _pipeline_events(pipeline)[-2:]] == [
        ("changed", "确认 · 需求已确认"),
        ("deleted", "确认 · 预算"),
    ]
    with pytest.raises(ValidationError):
        config.requirement_remove(actor=world.admin, requirement=ticked, expected_version=2)


# --- the dry run -----------------------------------------------------------------------------


def _deals_in(world, pipeline, name: str, n: int) -> list[Opportunity]:
    where = stage(pipeline, name)
    return [
        make_opportunity(world, pipeline, stage=where, name=f"项目{i:02d}", amount=Decimal(1000 * (i + 1)))
        for i in range(n)
    ]


def test_dry_run_counts_and_lists_the_open_deals_that_would_miss_a_new_item(world, pipeline):
    deals = _deals_in(world, pipeline, "方案", 3)
    _deals_in(world, pipeline, "确认", 2)  # not in the stage: not affected
    closed = deals[0]
    Opportunity.objects.filter(pk=closed.pk).update(status="lost")
    deal_services.opportunity_activity_log(
        actor=world.owner, opportunity=deals[1], kind="meeting", title="方案评审会", done=True
    )
    solution = stage(pipeline, "方案")

    impact = config.gate_dry_run(
        stage=solution,
        add=[{"label": "方案评审会", "kind": "activity", "activity_kind": "meeting"}],
    )
    assert (impact.count, impact.items) == (1, ["方案评审会"])
    assert [(d.opportunity.name, d.missing) for d in impact.deals] == [("项目02", ["方案评审会"])]
    assert impact.message() == "1 open deals in 方案 would now miss the item '方案评审会'."

    review = config.gate_dry_run(stage=solution, add=[{"label": "bid review", "kind": "check"}])
    assert [d.opportunity.name for d in review.deals] == ["项目02", "项目01"]  # largest first

    removed = config.gate_dry_run(stage=solution, remove=[r.pk for r in solution.requirements.all()])
    assert (removed.count, removed.released) == (0, 2)  # neither has had its visit nor an SR


def test_dry_run_of_needing_an_fr_names_the_deals_that_would_enter_without_one(world, pipeline):
    _deals_in(world, pipeline, "确认", 2)
    impact = config.gate_dry_run(stage=stage(pipeline, "方案"), needs_fr=True)
    assert impact.count == 2
    assert impact.message() == "2 open deals would now need an FR to enter 方案."


def test_dry_run_reads_in_bulk_whatever_the_number_of_deals(world, pipeline):
    solution = stage(pipeline, "方案")
    items = [
        {"label": "拜访", "kind": "activity", "activity_kind": "visit"},
        {"label": "联系人", "kind": "field", "field_name": "contacts"},
        {"label": "FR", "kind": "field", "field_name": "fr"},
        {"label": "ATB", "kind": "review", "review_type": "ATB"},
        {"label": "标书", "kind": "document"},
        {"label": "确认", "kind": "check"},
    ]
    _deals_in(world, pipeline, "方案", 2)
    with CaptureQueriesContext(connection) as two:
        assert config.gate_dry_run(stage=solution, add=items).count == 2
    _deals_in(world, pipeline, "方案", 10)
    with CaptureQueriesContext(connection) as twelve:
        impact = config.gate_dry_run(stage=solution, add=items)
    assert impact.count == 12
    assert len(twelve.captured_queries) == len(two.captured_queries) <= 6


def test_dry_run_refuses_an_item_that_is_not_valid_by_its_index(world, pipeline, api_as):
    _deals_in(world, pipeline, "方案", 1)
    solution = stage(pipeline, "方案")
    good = {"label": "拜访", "kind": "activity", "activity_kind": "visit"}
    for add, errors in [
        ([{"label": "字段", "kind": "field"}], {"add.0.field_name": ["Choose the field that must be filled in."]}),
        (
            [good, {"label": "字段", "kind": "field", "field_name": ""}],
            {"add.1.field_name": ["Choose the field that must be filled in."]},
        ),
        ([good, good, {"label": " ", "kind": "check"}], {"add.2.label": ["This field cannot be blank."]}),
    ]:
        with pytest.raises(ValidationError) as refused:
            config.gate_dry_run(stage=solution, add=add)
        assert refused.value.message_dict == errors, add

    answer = api_as(world.admin).post(
        f"/stages/{solution.pk}/gate-dry-run", {"add": [{"label": "字段", "kind": "field"}]}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "add.0.field_name", "message": "Choose the field that must be filled in.", "code": "invalid"}
    ]


def test_adding_an_item_open_deals_would_miss_needs_confirmation_then_holds_them(world, pipeline):
    deals = _deals_in(world, pipeline, "确认", 12)
    confirm = stage(pipeline, "确认")
    ticked = confirm.requirements.get()
    for deal in deals:
        deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=ticked, done=True)
    before = _state(StageRequirement, TimelineEvent)
    with pytest.raises(ValidationError) as asked:
        config.requirement_add(actor=world.admin, stage=confirm, data=BID_REVIEW)
    assert asked.value.message_dict == {"confirm": ["12 open deals in 确认 would now miss the item 'bid review'."]}
    assert _state(StageRequirement, TimelineEvent) == before

    item = config.requirement_add(actor=world.admin, stage=confirm, data=BID_REVIEW, confirm_impact=True)
    deal = deals[0]
    deal.refresh_from_db()
    version = deal.version
    with pytest.raises(ValidationError) as held:
        deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=version)
    assert held.value.message_dict == {"stage": ["Not ready to move: 确认: bid review."]}
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (confirm, version)  # nothing about the deal was rewritten
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=item, done=True)
    deal.refresh_from_db()
    deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert deal.stage.name == "方案"


def test_pipeline_configuration_is_not_edited_in_django_admin():
    for model in (Pipeline, Stage, StageRequirement, StageTemplate):
        assert not site.is_registered(model), model
    assert site.is_registered(Opportunity)


def test_stage_templates_are_added_checked_and_removed_with_their_history(world, pipeline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    solution = stage(pipeline, "方案")
    before = _state(StageTemplate, TimelineEvent)
    with pytest.raises(ValidationError) as refused:
        config.stage_template_add(
            actor=world.admin, stage=solution, title=" ", upload=SimpleUploadedFile("x.exe", b"MZ")
        )
    assert sorted(refused.value.message_dict) == ["file", "title"]
    with pytest.raises(PermissionDenied):
        config.stage_template_add(
            actor=world.manager, stage=solution, title="方案模板", upload=SimpleUploadedFile("a.docx", b"doc")
        )
    assert _state(StageTemplate, TimelineEvent) == before

    template = config.stage_template_add(
        actor=world.admin, stage=solution, title="方案模板", upload=SimpleUploadedFile("方案模板.docx", b"doc")
    )
    assert (template.title, template.current_version.number, template.current_version.file.read()) == (
        "方案模板",
        1,
        b"doc",
    )
    assert _pipeline_events(pipeline)[-1] == (
        "created",
        "方案 · 方案模板",
        [{"field": "stages.templates.title", "old": "", "new": "方案模板"}],
    )
    config.stage_template_remove(actor=world.admin, template=template)
    assert list(solution.templates.values_list("active", "versions__number")) == [(False, 1)]  # history kept
    stage_events = TimelineEvent.objects.filter(content_type__model="stage", object_id=solution.pk).order_by("id")
    assert [(e.kind, e.text) for e in stage_events] == [
        ("created", "方案模板"),
        ("deleted", "方案模板"),
    ]
