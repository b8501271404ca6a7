"""A stage's forecast category (deals entering the stage take it, as they take its probability)
and stage templates with versions (the current one downloaded by deals, older ones kept for
administrators; a removed template is deactivated, never deleted)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.core.models import TimelineEvent
from ltc.opportunities import services
from ltc.opportunities.choices import ForecastCategory
from ltc.opportunities.models import Pipeline, Stage, StageTemplate, StageTemplateVersion
from ltc.opportunities.services import config
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage
from ltc.process.transfer import configuration_export, configuration_import


@pytest.fixture
def pipeline(db):
    pipeline = make_pipeline()
    Stage.objects.filter(pipeline=pipeline, name="方案").update(forecast_category=ForecastCategory.BEST_CASE)
    Stage.objects.filter(pipeline=pipeline, name="签约").update(forecast_category=ForecastCategory.COMMIT)
    return pipeline


def _file(response) -> bytes:
    return b"".join(response.streaming_content)


# --- forecast category -----------------------------------------------------------------------


def test_a_deal_takes_the_forecast_category_of_the_stage_it_enters(world, pipeline):
    deal = services.opportunity_create(
        actor=world.owner,
        data={"name": "锦程二期", "account": world.account, "pipeline": pipeline, "stage": stage(pipeline, "方案")},
    )
    assert deal.forecast_category == ForecastCategory.BEST_CASE

    deal = make_opportunity(world, pipeline, forecast_category=ForecastCategory.PIPELINE, fr=world.teammate)
    services.opportunity_advance(
        actor=world.manager,
        opportunity=deal,
        expected_version=deal.version,
        to_stage=stage(pipeline, "签约"),
        override_reason="客户高层已口头承诺",
    )
    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability, deal.forecast_category) == ("签约", 90, ForecastCategory.COMMIT)
    change = TimelineEvent.objects.filter(object_id=deal.pk, content_type__model="opportunity").last().changes
    assert {"field": "forecast_category", "old": "pipeline", "new": "commit"} in change

    # The owner may then change it, as the probability.
    services.opportunity_update(
        actor=world.owner, opportunity=deal, data={"forecast_category": "best_case"}, expected_version=deal.version
    )
    deal.refresh_from_db()
    assert deal.forecast_category == ForecastCategory.BEST_CASE

    services.opportunity_win(
        actor=world.manager,
        opportunity=deal,
        expected_version=deal.version,
        reason="solution",
        override_reason="合同已签",
    )
    deal.refresh_from_db()
    assert (deal.status, deal.forecast_category) == ("won", ForecastCategory.CLOSED)

    services.opportunity_reopen(actor=world.owner, opportunity=deal, expected_version=deal.version)
    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability, deal.forecast_category) == ("签约", 90, ForecastCategory.COMMIT)


def test_the_stage_form_and_api_set_the_forecast_category(world, api_as, web_as, pipeline):
    api = api_as(world.admin)
    created = api.post(
        f"/pipelines/{pipeline.pk}/stages", {"name": "谈判", "probability": 70, "forecast_category": "commit"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["forecast_category"] == "commit"
    negotiation = Stage.objects.get(pk=created.json()["id"])
    assert negotiation.forecast_category == ForecastCategory.COMMIT

    refused = api.patch(f"/stages/{negotiation.pk}", {"forecast_category": "maybe"}, **{"If-Match": '"1"'})
    assert refused.status_code == 422
    assert Stage.objects.get(pk=negotiation.pk).forecast_category == ForecastCategory.COMMIT

    changed = api.patch(f"/stages/{negotiation.pk}", {"forecast_category": "best_case"}, **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.content
    assert changed.json()["forecast_category"] == "best_case"
    events = TimelineEvent.objects.filter(content_type__model="stage", object_id=negotiation.pk).order_by("id")
    assert events.last().changes == [{"field": "forecast_category", "old": "commit", "new": "best_case"}]

    # A won stage's category is fixed: whatever is asked, won deals count as closed.
    won = api.post(
        f"/pipelines/{Pipeline.objects.create(name='渠道').pk}/stages",
        {"name": "赢", "category": "won", "probability": 100, "forecast_category": "pipeline"},
    )
    assert won.json()["forecast_category"] == "closed"

    confirm = stage(pipeline, "确认")
    form = {
        "name": "确认",
        "probability": "10",
        "category": "open",
        "guidance": "",
        "forecast_category": "best_case",
        "version": str(confirm.version),
    }
    page = web_as(world.admin)
    saved = page.post(f"/process/pipelines/stages/{confirm.pk}/edit/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert Stage.objects.get(pk=confirm.pk).forecast_category == ForecastCategory.BEST_CASE
    detail = page.get(f"/process/pipelines/{pipeline.pk}/").content.decode()
    assert 'data-forecast="best_case"' in detail


def test_the_configuration_transfer_keeps_a_stages_forecast_category(world, pipeline):
    document = configuration_export()
    rows = {s["name"]: s for p in document["pipelines"] if p["name"] == pipeline.name for s in p["stages"]}
    assert (rows["方案"]["forecast_category"], rows["签约"]["forecast_category"]) == ("best_case", "commit")

    Stage.objects.filter(pk=stage(pipeline, "签约").pk).update(forecast_category=ForecastCategory.PIPELINE)
    plan = configuration_import(actor=world.admin, document=document, dry_run=False)
    assert [(i.key, [(c.field, c.new) for c in i.changes]) for i in plan.changed()] == [
        (f"{pipeline.name} › 签约", [("forecast_category", "commit")])
    ]
    assert stage(pipeline, "签约").forecast_category == ForecastCategory.COMMIT

    # A file written before stages had a category leaves the installation's as it is.
    for p in document["pipelines"]:
        for s in p["stages"]:
            del s["forecast_category"]
    plan = configuration_import(actor=world.admin, document=document, dry_run=False)
    assert not plan.has_changes
    assert stage(pipeline, "签约").forecast_category == ForecastCategory.COMMIT


# --- stage templates with versions -----------------------------------------------------------


@pytest.fixture
def template(world, pipeline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return config.stage_template_add(
        actor=world.admin,
        stage=stage(pipeline, "确认"),
        title="立项模板",
        upload=SimpleUploadedFile("立项模板.docx", b"v1"),
    )


def test_a_revised_template_is_downloaded_in_its_new_version_and_the_old_one_stays(world, web_as, template):
    before = list(StageTemplateVersion.objects.values_list("template", "number"))
    with pytest.raises(ValidationError) as refused:
        config.stage_template_revise(
            actor=world.admin, template=template, upload=SimpleUploadedFile("x.exe", b"MZ"), note="x" * 201
        )
    assert sorted(refused.value.message_dict) == ["file", "note"]
    with pytest.raises(PermissionDenied):
        config.stage_template_revise(actor=world.manager, template=template, upload=SimpleUploadedFile("a.docx", b"v2"))
    assert list(StageTemplateVersion.objects.values_list("template", "number")) == before

    version = config.stage_template_revise(
        actor=world.admin, template=template, upload=SimpleUploadedFile("立项模板.docx", b"v2"), note="加入风险评估"
    )
    assert (version.number, version.uploaded_by, version.note) == (2, world.admin, "加入风险评估")
    stage_events = TimelineEvent.objects.filter(content_type__model="stage", object_id=template.stage_id)
    assert stage_events.order_by("id").last().changes == [{"field": "templates.version", "old": "1", "new": "2"}]

    owner = web_as(world.owner)
    assert _file(owner.get(f"/opportunities/templates/{template.pk}/")) == b"v2"
    assert owner.get(f"/opportunities/templates/{template.pk}/versions/1/").status_code == 403
    admin = web_as(world.admin)
    assert _file(admin.get(f"/opportunities/templates/{template.pk}/versions/1/")) == b"v1"
    page = admin.get(f"/process/pipelines/{template.stage.pipeline_id}/").content.decode()
    assert f"/opportunities/templates/{template.pk}/versions/1/" in page
    assert "加入风险评估" in page


def test_a_removed_template_is_hidden_from_deals_and_its_versions_kept(world, web_as, template):
    deal = make_opportunity(world, template.stage.pipeline)
    owner = web_as(world.owner)
    assert f"/opportunities/templates/{template.pk}/" in owner.get(f"/opportunities/{deal.pk}/").content.decode()

    config.stage_template_remove(actor=world.admin, template=template)
    template.refresh_from_db()
    assert (template.active, template.versions.count()) == (False, 1)
    assert f"/opportunities/templates/{template.pk}/" not in owner.get(f"/opportunities/{deal.pk}/").content.decode()
    assert owner.get(f"/opportunities/templates/{template.pk}/").status_code == 404
    assert _file(web_as(world.admin).get(f"/opportunities/templates/{template.pk}/versions/1/")) == b"v1"
    with pytest.raises(ValidationError):
        config.stage_template_revise(actor=world.admin, template=template, upload=SimpleUploadedFile("a.docx", b"v2"))
    with pytest.raises(ValidationError):
        config.stage_template_remove(actor=world.admin, template=template)


def test_the_template_api_lists_versions_and_uploads_a_new_one(world, api_as, template):
    api = api_as(world.admin)
    url = f"/api/v1/stage-templates/{template.pk}/versions"
    refused = api.client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, headers=api.headers)
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert template.versions.count() == 1
    denied = api_as(world.manager)
    assert (
        denied.client.post(url, {"file": SimpleUploadedFile("a.docx", b"v2")}, headers=denied.headers).status_code
        == 403
    )

    created = api.client.post(url, {"file": SimpleUploadedFile("b.docx", b"v2"), "note": "第二版"}, headers=api.headers)
    assert created.status_code == 201, created.content
    assert (created.json()["current"], [v["number"] for v in created.json()["versions"]]) == (2, [2, 1])

    for n in range(3):
        config.stage_template_add(
            actor=world.admin, stage=template.stage, title=f"模板{n}", upload=SimpleUploadedFile("c.pdf", b"%PDF")
        )
    reader = api_as(world.owner)
    listed = reader.get(f"/stages/{template.stage_id}/templates")
    assert [(t["title"], t["current"]) for t in listed.json()] == [
        ("模板0", 1),
        ("模板1", 1),
        ("模板2", 1),
        ("立项模板", 2),
    ]
    assert listed.json()[-1]["versions"][0]["uploaded_by"]["id"] == world.admin.pk


def test_the_template_list_and_the_pipeline_page_keep_a_query_budget(
    world, api_as, web_as, template, django_assert_max_num_queries
):
    for n in range(4):
        added = config.stage_template_add(
            actor=world.admin, stage=template.stage, title=f"模板{n}", upload=SimpleUploadedFile("c.pdf", b"%PDF")
        )
        config.stage_template_revise(actor=world.admin, template=added, upload=SimpleUploadedFile("d.pdf", b"%PDF"))
    api = api_as(world.admin)
    page = web_as(world.admin)
    url = f"/process/pipelines/{template.stage.pipeline_id}/"
    page.get(url)  # warm the session and caches
    with django_assert_max_num_queries(8):
        assert len(api.get(f"/stages/{template.stage_id}/templates").json()) == 5
    with django_assert_max_num_queries(30):
        assert page.get(url).status_code == 200
    assert StageTemplate.objects.count() == 5
