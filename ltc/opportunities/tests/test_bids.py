from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ltc.core.models import Activity
from ltc.opportunities import services
from ltc.opportunities.models import Bid
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline


@pytest.fixture
def deal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_opportunity(world, make_pipeline())


def _bid(world, deal, **extra):
    data = {
        "tender_number": "ZB-2026-118",
        "issuer": "江苏省政府采购中心",
        "submission_deadline": timezone.now() + timedelta(days=10),
        **extra,
    }
    return services.bid_create(actor=world.owner, opportunity=deal, data=data)


def test_a_bid_is_prepared_submitted_and_won(world, deal):
    bid = _bid(world, deal, quote_reference="Q-2026-031 v2")
    deadline_task = Activity.objects.get(pk=bid.deadline_task_id)
    assert (deadline_task.owner, deadline_task.remind_at) == (world.owner, bid.submission_deadline - timedelta(days=2))
    section = services.bid_section_set(
        actor=world.owner, bid=bid, kind="technical", owner=world.teammate, due_at=timezone.now() + timedelta(days=5)
    )
    assert Activity.objects.get(pk=section.task_id).owner == world.teammate
    document = services.bid_document_add(actor=world.owner, bid=bid, title="营业执照副本")
    with pytest.raises(ValidationError) as early:
        services.bid_submit(actor=world.owner, bid=bid, expected_version=1)
    assert "营业执照副本" in str(early.value)
    assert "Technical" in str(early.value)
    first = services.bid_document_upload(
        actor=world.owner, document=document, upload=SimpleUploadedFile("执照.pdf", b"%PDF-1.4 v1")
    )
    second = services.bid_document_upload(
        actor=world.owner, document=document, upload=SimpleUploadedFile("执照.pdf", b"%PDF-1.4 v2")
    )
    assert (first.number, second.number) == (1, 2)
    assert first.file.read() == b"%PDF-1.4 v1"  # earlier versions stay
    services.bid_section_done(actor=world.owner, section=section)
    services.bid_submit(actor=world.owner, bid=bid, expected_version=1)
    assert (bid.status, bid.submitted_by) == ("submitted", world.owner)
    assert Activity.objects.get(pk=bid.deadline_task_id).done_at is not None
    with pytest.raises(ValidationError):  # frozen once submitted
        services.bid_document_add(actor=world.owner, bid=bid, title="补充材料")
    services.bid_record_result(
        actor=world.owner, bid=bid, expected_version=bid.version, result="won", price=Decimal("2980000.00")
    )
    assert (Bid.objects.get(pk=bid.pk).status, bid.result_price) == ("won", Decimal("2980000.00"))


def test_bad_input_late_submission_and_access(world, deal):
    for data, field in (
        ({"tender_number": ""}, "tender_number"),
        ({"submission_deadline": timezone.now() - timedelta(hours=1)}, "submission_deadline"),
        ({"submission_method": "pigeon"}, "submission_method"),
    ):
        with pytest.raises(ValidationError) as refused:
            _bid(world, deal, **data)
        assert field in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.bid_create(
            actor=world.teammate,
            opportunity=deal,
            data={"tender_number": "x", "issuer": "y", "submission_deadline": timezone.now() + timedelta(days=1)},
        )
    bid = _bid(world, deal)
    document = services.bid_document_add(actor=world.owner, bid=bid, title="报价单")
    for name, content in (("virus.exe", b"MZ"), ("empty.pdf", b"")):
        with pytest.raises(ValidationError):
            services.bid_document_upload(actor=world.owner, document=document, upload=SimpleUploadedFile(name, content))
    with pytest.raises(ValidationError):
        services.bid_section_set(
            actor=world.owner,
            bid=bid,
            kind="delivery",
            owner=world.owner,
            due_at=bid.submission_deadline + timedelta(days=1),
        )
    Bid.objects.filter(pk=bid.pk).update(submission_deadline=timezone.now() - timedelta(minutes=1))
    bid.refresh_from_db()
    document.delete()
    with pytest.raises(ValidationError) as late:
        services.bid_submit(actor=world.owner, bid=bid, expected_version=bid.version)
    assert "deadline" in str(late.value)
    with pytest.raises(ValidationError):  # only a submitted bid is won or lost
        services.bid_record_result(actor=world.owner, bid=bid, expected_version=bid.version, result="lost")
    services.bid_record_result(actor=world.owner, bid=bid, expected_version=bid.version, result="cancelled")
    assert Bid.objects.get(pk=bid.pk).status == "cancelled"


def test_bid_api_and_pages(world, api_as, web_as, deal):
    api = api_as(world.owner)
    deadline = (timezone.now() + timedelta(days=7)).isoformat()
    created = api.post(
        "/bids",
        {"opportunity_id": deal.pk, "tender_number": "ZB-9", "issuer": "南京地铁", "submission_deadline": deadline},
    )
    assert created.status_code == 201, created.json()
    bid_id = created.json()["id"]
    api.post(f"/bids/{bid_id}/documents", {"title": "投标函"})
    bid = api.get(f"/bids/{bid_id}").json()
    assert bid["missing_to_submit"] == ["document “投标函”"]
    preparing = web_as(world.owner).get(f"/opportunities/bids/{bid_id}/").content.decode()
    submit = preparing.split(f'action="/opportunities/bids/{bid_id}/submit/"')[1].split("</form>")[0]
    assert "disabled" in submit  # not offered while something is missing
    document_id = bid["documents"][0]["id"]
    upload = SimpleUploadedFile("投标函.pdf", b"%PDF-1.4")
    answer = api.client.post(
        f"/api/v1/bids/{bid_id}/documents/{document_id}/versions", {"file": upload}, headers=api.headers
    )
    assert answer.status_code == 200, answer.content
    version_id = answer.json()["documents"][0]["versions"][0]["id"]
    download = web_as(world.owner).get(f"/opportunities/bids/{bid_id}/versions/{version_id}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4"
    assert api.post(f"/bids/{bid_id}/submit", {}).status_code == 428
    assert api.post(f"/bids/{bid_id}/submit", {}, **{"If-Match": '"1"'}).json()["status"] == "submitted"
    lost = api.post(f"/bids/{bid_id}/result", {"result": "lost"}, **{"If-Match": '"2"'})
    assert lost.status_code == 422
    assert "competitor" in {e["field"] for e in lost.json()["errors"]}
    assert api_as(world.other).get(f"/bids/{bid_id}").status_code == 404
    page = web_as(world.owner).get(f"/opportunities/bids/{bid_id}/").content.decode()
    assert "投标函.pdf" in page
    assert f'action="/opportunities/bids/{bid_id}/submit/"' not in page  # submitted
    assert "ZB-9" in web_as(world.owner).get(f"/opportunities/{deal.pk}/").content.decode()


def test_replanning_a_section_closes_its_old_task_and_keeps_it(world, deal):
    bid = _bid(world, deal)
    first = services.bid_section_set(
        actor=world.owner, bid=bid, kind="delivery", owner=world.owner, due_at=timezone.now() + timedelta(days=3)
    )
    old_task = first.task_id
    again = services.bid_section_set(
        actor=world.owner, bid=bid, kind="delivery", owner=world.teammate, due_at=timezone.now() + timedelta(days=4)
    )
    assert again.pk == first.pk
    assert again.task_id != old_task
    closed = Activity.objects.get(pk=old_task)
    assert (closed.outcome, closed.done_at is not None) == ("Replanned.", True)
