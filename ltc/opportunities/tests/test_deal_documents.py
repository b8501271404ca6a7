import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.opportunities import services
from ltc.opportunities.models import StageRequirement, StageTemplate, StageTemplateVersion
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage


@pytest.fixture
def deal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pipeline = make_pipeline()
    StageRequirement.objects.create(stage=stage(pipeline, "确认"), label="需求调研报告", kind="document")
    return make_opportunity(world, pipeline)


def test_a_document_item_is_done_by_attaching_the_file(world, deal):
    requirement = deal.stage.requirements.get(kind="document")
    assert [i.done for i in services.checklist(deal) if i.requirement == requirement] == [False]
    with pytest.raises(ValidationError):
        services.opportunity_document_add(
            actor=world.owner, opportunity=deal, upload=SimpleUploadedFile("x.exe", b"MZ"), requirement=requirement
        )
    check_item = deal.stage.requirements.get(kind="check")
    with pytest.raises(ValidationError):  # that item is ticked, not attached
        services.opportunity_document_add(
            actor=world.owner, opportunity=deal, upload=SimpleUploadedFile("a.pdf", b"%PDF"), requirement=check_item
        )
    with pytest.raises(PermissionDenied):
        services.opportunity_document_add(
            actor=world.teammate, opportunity=deal, upload=SimpleUploadedFile("a.pdf", b"%PDF")
        )
    document = services.opportunity_document_add(
        actor=world.owner, opportunity=deal, upload=SimpleUploadedFile("调研.pdf", b"%PDF-1.7"), requirement=requirement
    )
    assert document.title == "需求调研报告"
    assert [i.done for i in services.checklist(deal) if i.requirement == requirement] == [True]


def test_documents_and_templates_through_api_and_pages(world, api_as, web_as, deal):
    api = api_as(world.owner)
    requirement = deal.stage.requirements.get(kind="document")
    upload = SimpleUploadedFile("纪要.docx", b"PK-minutes")
    answer = api.client.post(
        f"/api/v1/opportunities/{deal.pk}/documents",
        {"file": upload, "title": "会议纪要", "requirement_id": requirement.pk},
        headers=api.headers,
    )
    assert answer.status_code == 201, answer.content
    document_id = answer.json()["id"]
    assert [d["title"] for d in api.get(f"/opportunities/{deal.pk}/documents").json()] == ["会议纪要"]
    file = api.get(f"/opportunities/{deal.pk}/documents/{document_id}/file")
    assert b"".join(file.streaming_content) == b"PK-minutes"
    assert api_as(world.other).get(f"/opportunities/{deal.pk}/documents/{document_id}/file").status_code == 404
    template = StageTemplate.objects.create(stage=deal.stage, title="立项模板")
    StageTemplateVersion(template=template, number=1).file.save("立项模板.docx", ContentFile(b"template"))
    page = web_as(world.owner).get(f"/opportunities/{deal.pk}/").content.decode()
    assert f"/opportunities/templates/{template.pk}/" in page
    assert "会议纪要" in page
    download = web_as(world.owner).get(f"/opportunities/templates/{template.pk}/")
    assert b"".join(download.streaming_content) == b"template"
    assert web_as(world.finance).get(f"/opportunities/templates/{template.pk}/").status_code == 403
