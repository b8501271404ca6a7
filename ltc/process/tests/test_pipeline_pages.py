"""The process centre's pipeline pages: read by everyone signed in, changed by administrators
only (no form or button drawn for anyone else), in Chinese and English."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ltc.core.models import TimelineEvent
from ltc.opportunities import services
from ltc.opportunities.models import Pipeline, Stage, StageRequirement
from ltc.opportunities.services import config
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_list_and_the_pipeline_page_for_a_reader_draw_no_change(
    world, web_as, pipeline, django_assert_max_num_queries
):
    make_opportunity(world, pipeline)
    reader = web_as(world.owner)
    listing = reader.get(reverse("process:pipeline_list"))
    assert listing.status_code == 200
    assert "项目销售" in _text(listing)
    assert reverse("process:pipeline_create") not in listing.content.decode()

    with django_assert_max_num_queries(16):
        page = reader.get(reverse("process:pipeline_detail", args=[pipeline.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for expected in (
        "确认",
        "需求已确认",
        "Probability 40%",
        "现场拜访 An activity of a type, done · Visit",
        "SR 已指定",
        "签约",
        "needs an FR",
        "Open deals: 1",
    ):
        assert expected in _text(page), expected
    assert "/edit/" not in html
    assert '<form method="post" action="/process/' not in html
    for name in ("pipeline_create",):
        assert reader.get(reverse(f"process:{name}")).status_code == 403


def test_an_administrator_sees_the_forms_and_the_page_reads_in_chinese(world, web_as, pipeline):
    admin = web_as(world.admin)
    admin.post(reverse("web:set_language"), {"language": "zh-hans", "next": "/"})
    page = admin.get(reverse("process:pipeline_detail", args=[pipeline.pk]))
    text = _text(page)
    assert page.status_code == 200
    for expected in ("阶段", "添加阶段", "添加关卡项", "需要 FR", "离开此阶段需要", "赢率 40%", "拜访", "添加模板"):
        assert expected in text, expected
    assert reverse("process:pipeline_stage_edit", args=[stage(pipeline, "方案").pk]) in page.content.decode()


def test_an_administrator_builds_a_pipeline_through_the_pages(world, web_as):
    admin = web_as(world.admin)
    created = admin.post(
        reverse("process:pipeline_create"), {"name": "渠道销售", "description": "", "order": 0, "active": "on"}
    )
    pipeline = Pipeline.objects.get(name="渠道销售")
    assert created.status_code == 302
    assert created["Location"] == reverse("process:pipeline_detail", args=[pipeline.pk])
    for name, probability in (("报备", 20), ("签约", 70)):
        answer = admin.post(
            reverse("process:pipeline_stage_create", args=[pipeline.pk]),
            {"name": name, "probability": probability, "category": "open", "guidance": ""},
        )
        assert answer.status_code == 302
    assert [(s.name, s.order) for s in pipeline.stages.all()] == [("报备", 10), ("签约", 20)]
    pipeline.refresh_from_db()
    moved = admin.post(
        reverse("process:pipeline_stages_reorder", args=[pipeline.pk]),
        {"stage": stage(pipeline, "签约").pk, "direction": "up", "version": pipeline.version},
    )
    assert moved.status_code == 302
    assert [s.name for s in Stage.objects.filter(pipeline=pipeline).order_by("order")] == ["签约", "报备"]

    report = stage(pipeline, "报备")
    assert report.version == 2  # moved down a place
    edited = admin.post(
        reverse("process:pipeline_stage_edit", args=[report.pk]),
        {"name": "报备", "probability": 25, "category": "open", "guidance": "先报备再跟进", "version": 2},
    )
    assert edited.status_code == 302
    report.refresh_from_db()
    assert (report.probability, report.guidance, report.version) == (25, "先报备再跟进", 3)
    history = _text(admin.get(reverse("process:pipeline_detail", args=[pipeline.pk])))
    assert "Changed 报备 probability %: 20 → 25 guidance: — → 先报备再跟进" in history
    assert "先报备再跟进" in history


def test_a_stale_form_is_refused_and_changes_nothing(world, web_as, pipeline):
    solution = stage(pipeline, "方案")
    events = TimelineEvent.objects.count()
    answer = web_as(world.admin).post(
        reverse("process:pipeline_stage_edit", args=[solution.pk]),
        {"name": "方案", "probability": 55, "category": "open", "guidance": "", "version": 4},
    )
    assert answer.status_code == 422
    assert "changed by someone else" in _text(answer)
    solution.refresh_from_db()
    assert (solution.probability, solution.version, TimelineEvent.objects.count()) == (40, 1, events)


def test_adding_a_gate_item_shows_the_dry_run_and_saves_once_confirmed(world, web_as, pipeline):
    confirm = stage(pipeline, "确认")
    for i in range(3):
        make_opportunity(world, pipeline, name=f"项目{i}")
    admin = web_as(world.admin)
    url = reverse("process:pipeline_requirement_add", args=[confirm.pk])
    form = {
        "label": "bid review",
        "kind": "check",
        "activity_kind": "",
        "field_name": "",
        "review_type": "",
        "order": "",
    }
    warned = admin.post(url, form)
    assert warned.status_code == 422
    text = _text(warned)
    assert "3 open deals in 确认 would now miss the item 'bid review'." in text
    assert "项目0" in text
    assert "Save anyway" in text
    assert list(confirm.requirements.values_list("label", flat=True)) == ["需求已确认"]

    saved = admin.post(url, {**form, "confirm": "on"})
    assert saved.status_code == 302
    assert list(confirm.requirements.values_list("label", flat=True)) == ["需求已确认", "bid review"]


def test_removing_a_ticked_item_keeps_it_as_removed(world, web_as, pipeline):
    item = stage(pipeline, "确认").requirements.get()
    deal = make_opportunity(world, pipeline)
    services.opportunity_check(actor=world.owner, opportunity=deal, requirement=item, done=True)
    admin = web_as(world.admin)
    answer = admin.post(reverse("process:pipeline_requirement_remove", args=[item.pk]), {"version": 1}, follow=True)
    assert "Deactivated (kept for the deals that ticked it)" in _text(answer)
    assert StageRequirement.objects.get(pk=item.pk).active is False
    assert "removed (kept for the deals that ticked it)" in _text(answer)


@pytest.mark.parametrize(
    "name",
    ["pipeline_create", "pipeline_edit", "pipeline_stage_create", "pipeline_stage_edit", "pipeline_requirement_add"],
)
def test_forms_are_refused_to_everyone_but_administrators(world, web_as, pipeline, name):
    args = {
        "pipeline_create": [],
        "pipeline_edit": [pipeline.pk],
        "pipeline_stage_create": [pipeline.pk],
        "pipeline_stage_edit": [stage(pipeline, "方案").pk],
        "pipeline_requirement_add": [stage(pipeline, "方案").pk],
    }[name]
    url = reverse(f"process:{name}", args=args)
    assert web_as(world.manager).get(url).status_code == 403
    assert web_as(world.admin).get(url).status_code == 200


def test_an_administrator_attaches_a_template_to_a_stage(world, web_as, pipeline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    solution = stage(pipeline, "方案")
    admin = web_as(world.admin)
    url = reverse("process:pipeline_stage_template_add", args=[solution.pk])
    refused = admin.post(url, {"title": "方案模板", "file": SimpleUploadedFile("x.exe", b"MZ")}, follow=True)
    assert "Upload a PDF, Office document, image or ZIP file." in _text(refused)
    assert not solution.templates.exists()
    saved = admin.post(url, {"title": "方案模板", "file": SimpleUploadedFile("outline.docx", b"doc")}, follow=True)
    template = solution.templates.get()
    assert reverse("opportunities:stage_template_download", args=[template.pk]) in saved.content.decode()
    reader = web_as(world.finance).get(reverse("process:pipeline_detail", args=[pipeline.pk]))
    assert "方案模板" in _text(reader)
    assert reverse("opportunities:stage_template_download", args=[template.pk]) not in reader.content.decode()


def test_a_chinese_reader_reads_the_pipeline_history_in_chinese_after_an_english_admin_changed_it(
    world, web_as, pipeline
):
    with translation.override("en"):
        config.requirement_add(
            actor=world.admin, stage=stage(pipeline, "签约"), data={"label": "合同盖章", "kind": "check"}
        )
        solution = stage(pipeline, "方案")
        config.stage_update(
            actor=world.admin, stage=solution, data={"probability": 55}, expected_version=solution.version
        )
    reader = web_as(world.owner)
    with translation.override("en"):  # the requests switch this thread to the reader's language
        reader.post(reverse("web:set_language"), {"language": "zh-hans", "next": "/"})
        page = reader.get(reverse("process:pipeline_detail", args=[pipeline.pk]))
    with translation.override("zh-hans"):
        labels = [str(Stage._meta.get_field(n).verbose_name) for n in ("probability",)]
        labels.append(str(StageRequirement._meta.get_field("label").verbose_name))
    text = _text(page)
    assert "签约 · 合同盖章" in text
    for english in ("Checklist item", "Stage 方案", "Stage 签约"):
        assert english not in text, english
    for chinese in labels:
        assert f"{chinese}:" in text, chinese
