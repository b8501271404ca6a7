"""Review fixes of consent and privacy: a public form never turns a withdrawal back into a grant,
a naive request date is read in the current time zone, an erasure leaves no personal value in
the timeline or the e-mails, an export is closed by an explicit "mark as given", and the erased
name marker is the documented one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ltc.core.models import SearchDocument, TimelineEvent
from ltc.customers import services as customer_services
from ltc.customers.tests.factories import ContactFactory
from ltc.leads import services as lead_services
from ltc.leads.services import erasure
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import Consent, ConsentRecord
from ltc.marketing.models.privacy import DataSubjectRequest, RequestStatus
from ltc.marketing.services import events as event_services
from ltc.marketing.services import privacy
from ltc.marketing.services.consent import consent_record, consent_record_checked, email_allowed
from ltc.marketing.tests.consent_support import sent_email
from ltc.marketing.tests.events_factories import make_event

pytestmark = pytest.mark.django_db

# Dates without a time zone: the input under test.
NAIVE_PAST = datetime(2020, 1, 1, 10, 0)  # noqa: DTZ001
NAIVE_FUTURE = datetime(2999, 1, 1, 10, 0)  # noqa: DTZ001
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guide" / "marketing-consent.md"


# --- finding 2: a public source never turns a withdrawal back -----------------------------------


def _withdrawn(address: str, channel: str = "email") -> None:
    consent_record(address=address, channel=channel, state="granted", basis="consent", source="官网")
    consent_record(address=address, channel=channel, state="withdrawn", source="退订")


def test_a_web_form_cannot_grant_again_what_the_person_withdrew(world: Any, client: Any) -> None:
    _withdrawn("zhou.min@example.cn")
    _withdrawn("13900001111", channel="sms")
    form = lead_services.webform_create(
        actor=world.marketing, name="官网咨询", source="website", consent_text="我同意接收产品资讯邮件"
    )

    answer = client.post(
        f"/leads/forms/{form.key}/",
        {"contact_name": "冒名者", "email": "Zhou.Min@Example.cn", "mobile": "13900001111", "consent": "on"},
    )

    assert answer.status_code == 302  # the lead itself is captured
    assert Consent.objects.get(address="zhou.min@example.cn", channel="email").state == "withdrawn"
    assert Consent.objects.get(address="13900001111", channel="sms").state == "withdrawn"
    assert email_allowed(["zhou.min@example.cn"]) == set()
    attempt = ConsentRecord.objects.filter(address="zhou.min@example.cn").order_by("pk").last()
    assert attempt is not None
    assert attempt.state == "withdrawn"
    assert attempt.source.startswith("Not applied")
    assert "官网咨询" in attempt.source


def test_a_public_event_registration_cannot_grant_again_what_the_person_withdrew(world: Any, client: Any) -> None:
    _withdrawn("wf@jinggong.cn")
    event = make_event(world.marketing)
    person = {"name": "王芳", "company": "苏州精工机械", "title": "采购经理", "mobile": "13800138000"}

    answer = client.post(f"/marketing/e/{event.key}/", {**person, "consent": "on", "email": "wf@jinggong.cn"})

    assert answer.status_code == 302
    assert Consent.objects.get(address="wf@jinggong.cn").state == "withdrawn"
    assert email_allowed(["wf@jinggong.cn"]) == set()
    assert ConsentRecord.objects.filter(address="wf@jinggong.cn", source__startswith="Not applied").count() == 1


def test_a_public_source_still_grants_a_new_or_granted_address(world: Any) -> None:
    event = make_event(world.marketing)
    event_services.registration_submit(
        event=event,
        data={
            "name": "李雷",
            "company": "华东仪表",
            "title": "",
            "mobile": "13700001234",
            "email": "ll@hd.cn",
            "consent": True,
        },
        ip=None,
    )
    assert Consent.objects.get(address="ll@hd.cn").state == "granted"


def test_staff_with_evidence_and_the_persons_own_token_page_grant_again(world: Any, client: Any) -> None:
    _withdrawn("back@example.cn")
    consent_record_checked(
        actor=world.marketing,
        address="back@example.cn",
        channel="email",
        state="granted",
        basis="consent",
        source="签字回执",
    )
    assert Consent.objects.get(address="back@example.cn").state == "granted"

    _withdrawn("mine@example.cn")
    message = sent_email(owner=world.marketing, address="mine@example.cn")
    client.post(f"/marketing/unsubscribe/{message.token}/", {"choice": "grant"})
    assert Consent.objects.get(address="mine@example.cn").state == "granted"


def test_a_staff_walk_in_with_consent_grants_again(world: Any) -> None:
    _withdrawn("walk@example.cn")
    event = make_event(world.marketing)
    event_services.registration_walk_in(
        actor=world.marketing,
        event=event,
        data={
            "name": "韩梅",
            "company": "华东仪表",
            "title": "",
            "mobile": "13700005678",
            "email": "walk@example.cn",
            "consent": True,
        },
    )
    assert Consent.objects.get(address="walk@example.cn").state == "granted"


# --- finding 3 (privacy): a naive request date ---------------------------------------------------


def test_a_naive_asked_at_is_read_in_the_current_time_zone(world: Any) -> None:
    request = privacy.data_request_create(
        actor=world.marketing, kind="export", asked_via="邮件", lead=world.lead, asked_at=NAIVE_PAST
    )
    assert request.asked_at == timezone.make_aware(NAIVE_PAST)
    with pytest.raises(ValidationError) as refused:
        privacy.data_request_create(
            actor=world.marketing,
            kind="export",
            asked_via="邮件",
            lead=world.lead,
            asked_at=NAIVE_FUTURE,
        )
    assert "asked_at" in refused.value.message_dict


def test_the_api_answers_a_naive_asked_at_with_a_field_error_not_a_500(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    for value in ("2020-01-01T10:00:00", "2999-01-01T10:00:00"):
        answer = api.post(
            "/marketing/data-requests",
            {"kind": "export", "lead_id": world.lead.pk, "asked_via": "邮件", "asked_at": value},
        )
        assert answer.status_code == 422
        assert answer["Content-Type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == ["asked_at"]
    assert not DataSubjectRequest.objects.exists()
    aware = api.post(
        "/marketing/data-requests",
        {"kind": "export", "lead_id": world.lead.pk, "asked_via": "邮件", "asked_at": "2020-01-01T10:00:00+08:00"},
    )
    assert aware.status_code == 201
    assert DataSubjectRequest.objects.get().asked_at == datetime(2020, 1, 1, 2, 0, tzinfo=UTC)


# --- finding 4: erasure leaves no personal value behind --------------------------------------------


def _timeline_text(model: str, pk: int) -> str:
    entries = TimelineEvent.objects.filter(content_type__model=model, object_id=pk)
    return " ".join(json.dumps(e.changes, ensure_ascii=False) + e.text for e in entries)


def test_erasing_a_lead_scrubs_its_timeline_and_its_e_mails(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lead = LeadFactory(contact_name="孙悟空", email="swk@example.cn", mobile="13600004444", owner=world.owner)
    lead_services.lead_update(
        actor=world.owner,
        lead=lead,
        data={"email": "wukong@huaguo.cn", "contact_name": "孙行者", "company_name": "花果山贸易"},
        expected_version=lead.version,
    )
    lead.refresh_from_db()
    message = sent_email(owner=world.marketing, address="wukong@huaguo.cn", lead=lead, subject="孙行者，您好")
    stray = sent_email(owner=world.marketing, address="WuKong@huaguo.cn", subject="孙行者，新品")
    other = sent_email(owner=world.marketing, address="bajie@huaguo.cn", subject="八戒，您好")
    assert "swk@example.cn" in _timeline_text("lead", lead.pk)
    request = privacy.data_request_create(actor=world.marketing, kind="erase", asked_via="电话", lead=lead)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.data_request_erase(actor=world.marketing, request=request, confirmed=True)

    text = _timeline_text("lead", lead.pk)
    for value in ("孙悟空", "孙行者", "swk@example.cn", "wukong@huaguo.cn"):
        assert value not in text
    assert "花果山贸易" in text  # the business's own change stays readable
    for sent in (message, stray):
        sent.refresh_from_db()
        assert (sent.subject, sent.name) == ("", "")
        assert sent.address.startswith("sha256:")
    other.refresh_from_db()
    assert (other.subject, other.address) == ("八戒，您好", "bajie@huaguo.cn")
    document = SearchDocument.objects.get(content_type__model="lead", object_id=lead.pk)
    assert "孙行者" not in document.text
    assert "wukong@huaguo.cn" not in document.text
    assert "sunxingzhe" not in document.pinyin


def test_erasing_a_contact_scrubs_its_timeline(world: Any) -> None:
    contact = ContactFactory(account=world.account, name="钱多多", email="qdd@jc.cn", mobile="13700003333")
    customer_services.contact_update(
        actor=world.admin,
        contact=contact,
        data={"name": "钱满满", "email": "qmm@jc.cn", "department": "采购部"},
        expected_version=contact.version,
    )
    contact.refresh_from_db()
    assert "qdd@jc.cn" in _timeline_text("contact", contact.pk)
    request = privacy.data_request_create(actor=world.admin, kind="erase", asked_via="来信", contact=contact)

    privacy.data_request_erase(actor=world.admin, request=request, confirmed=True)

    text = _timeline_text("contact", contact.pk)
    for value in ("钱多多", "钱满满", "qdd@jc.cn", "qmm@jc.cn", "采购部"):
        assert value not in text


# --- finding 9: an export is closed by an explicit POST ----------------------------------------------


def test_downloading_an_export_does_not_close_the_request_marking_it_given_does(world: Any, web_as: Any) -> None:
    request = privacy.data_request_create(actor=world.marketing, kind="export", asked_via="邮件", lead=world.lead)
    client = web_as(world.marketing)

    download = client.get(f"/marketing/privacy/{request.pk}/export/")

    assert download.status_code == 200
    assert json.loads(download.content)["id"] == world.lead.pk
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    detail = client.get(f"/marketing/privacy/{request.pk}/").content.decode()
    assert f'action="/marketing/privacy/{request.pk}/export/"' in detail
    assert 'method="post"' in detail

    given = client.post(f"/marketing/privacy/{request.pk}/export/", {"given": "yes"})

    assert given.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.done_by) == (RequestStatus.DONE, world.marketing)
    assert "consent records" in request.outcome
    again = client.post(f"/marketing/privacy/{request.pk}/export/", {"given": "yes"})
    assert again.status_code == 302
    request.refresh_from_db()
    assert request.done_by == world.marketing


def test_the_api_download_is_read_only_and_the_mark_as_given_closes(world: Any, api_as: Any) -> None:
    request = privacy.data_request_create(actor=world.marketing, kind="export", asked_via="邮件", lead=world.lead)
    api = api_as(world.admin)

    assert api.get(f"/marketing/data-requests/{request.pk}/export").status_code == 200
    assert api.get(f"/marketing/data-requests/{request.pk}").json()["status"] == "open"

    given = api.post(f"/marketing/data-requests/{request.pk}/given", {})

    assert given.status_code == 200
    assert given.json()["status"] == "done"
    assert given.json()["done_by"]["id"] == world.admin.pk
    again = api.post(f"/marketing/data-requests/{request.pk}/given", {})
    assert again.status_code == 422
    erase = privacy.data_request_create(actor=world.marketing, kind="erase", asked_via="邮件", lead=world.lead)
    refused = api.post(f"/marketing/data-requests/{erase.pk}/given", {})
    assert refused.status_code == 422
    assert DataSubjectRequest.objects.get(pk=erase.pk).status == RequestStatus.OPEN


# --- finding 13: the erased-name marker -------------------------------------------------------------


def test_the_erased_name_marker_is_one_and_documented_in_the_guide() -> None:
    assert erasure.ERASED_NAME == customer_services.ERASED_NAME
    marker = erasure.ERASED_NAME.split("{", 1)[0].strip()
    guide = GUIDE.read_text(encoding="utf-8")
    assert marker in guide
    assert "Erased user" in guide  # the English reading of the stored marker


# --- walk finding 3: the person's name, a link only where the viewer may open the record -----------


def test_privacy_pages_name_the_person_and_link_only_what_the_viewer_may_open(world: Any, web_as: Any) -> None:
    from ltc.core.access import may_see  # noqa: PLC0415

    contact = ContactFactory(account=world.account, name="郑女士", email="zheng@example.cn")
    request = privacy.data_request_create(actor=world.marketing, kind="export", asked_via="邮件", contact=contact)
    url = contact.get_absolute_url()
    assert not may_see(world.marketing, contact)  # the contact of a sales team's account
    assert may_see(world.admin, contact)
    for user, linked in ((world.marketing, False), (world.admin, True)):
        page = web_as(user)
        detail = page.get(f"/marketing/privacy/{request.pk}/").content.decode()
        person = detail.split('id="request-person"')[1].split("</dd>")[0]
        assert "郑女士" in person
        assert (f'href="{url}"' in person) is linked
        listed = page.get("/marketing/privacy/").content.decode()
        row = listed.split('class="request-person"')[1].split("</td>")[0]
        assert "郑女士" in row
        assert f"#{contact.pk}" not in row
        assert (f'href="{url}"' in row) is linked
