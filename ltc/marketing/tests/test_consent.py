"""Consent (PIPL): the web form's checkbox, staff recording, the unsubscribe link and its
preference page, and the data-subject requests (export, erasure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.billing.models import Invoice
from ltc.core.models import TimelineEvent
from ltc.customers.models import Contact
from ltc.customers.tests.factories import ContactFactory
from ltc.leads import services as lead_services
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import CampaignMember, Consent, ConsentRecord
from ltc.marketing.models.email import EmailMessage
from ltc.marketing.models.privacy import DataSubjectRequest, RequestStatus
from ltc.marketing.services import privacy
from ltc.marketing.services.consent import address_hash, consent_record, consent_record_checked, email_allowed
from ltc.marketing.tests.consent_support import sent_email

pytestmark = pytest.mark.django_db


def _form(world: Any, consent_text: str = "我同意接收产品资讯邮件") -> Any:
    return lead_services.webform_create(
        actor=world.marketing, name="官网咨询", source="website", consent_text=consent_text
    )


# --- the web form's checkbox -------------------------------------------------------------------


def test_a_ticked_web_form_checkbox_records_consent_with_the_form_as_source(world: Any, client: Any) -> None:
    form = _form(world)
    page = client.get(f"/leads/forms/{form.key}/")
    assert "我同意接收产品资讯邮件" in page.content.decode()
    assert 'name="consent"' in page.content.decode()

    answer = client.post(
        f"/leads/forms/{form.key}/",
        {"contact_name": "周敏", "email": "Zhou.Min@Example.cn", "mobile": "13900001111", "consent": "on"},
    )

    assert answer.status_code == 302
    lead = Lead.objects.get(contact_name="周敏")
    email = Consent.objects.get(address="zhou.min@example.cn", channel="email")
    assert (email.state, email.basis) == ("granted", "consent")
    assert email.source == "web form 官网咨询"
    assert email.recorded_at == lead.created_at
    assert Consent.objects.get(address="13900001111", channel="sms").state == "granted"
    assert email_allowed(["zhou.min@example.cn"]) == {"zhou.min@example.cn"}


def test_an_unticked_checkbox_records_nothing(world: Any, client: Any) -> None:
    form = _form(world)
    client.post(f"/leads/forms/{form.key}/", {"contact_name": "周敏", "email": "zm@example.cn"})
    assert Lead.objects.filter(contact_name="周敏").exists()
    assert not Consent.objects.exists()


def test_a_form_without_consent_text_draws_no_checkbox_and_ignores_a_forged_one(world: Any, client: Any) -> None:
    form = _form(world, consent_text="")
    assert 'name="consent"' not in client.get(f"/leads/forms/{form.key}/").content.decode()
    client.post(f"/leads/forms/{form.key}/", {"contact_name": "周敏", "email": "zm@example.cn", "consent": "on"})
    assert not Consent.objects.exists()


def test_the_public_api_takes_the_consent_too(world: Any, client: Any) -> None:
    form = _form(world)
    answer = client.post(
        f"/api/v1/public/web-forms/{form.key}",
        {"contact_name": "王五", "email": "ww@example.cn", "consent": True},
        content_type="application/json",
    )
    assert answer.status_code in (200, 201), answer.content
    assert Consent.objects.get(address="ww@example.cn").source == "web form 官网咨询"


# --- staff recording ---------------------------------------------------------------------------


def test_staff_record_a_grant_and_a_withdrawal_keeping_history(world: Any) -> None:
    consent_record_checked(
        actor=world.marketing, address="A@x.cn", channel="email", state="granted", basis="contract", source="合同签署"
    )
    consent_record_checked(
        actor=world.admin, address="a@x.cn", channel="email", state="withdrawn", basis="", source="电话要求退订"
    )
    current = Consent.objects.get(address="a@x.cn")
    assert (current.state, current.basis, current.source, current.recorded_by) == (
        "withdrawn",
        "",
        "电话要求退订",
        world.admin,
    )
    assert list(ConsentRecord.objects.values_list("state", "recorded_by__username")) == [
        ("granted", "marketing"),
        ("withdrawn", "admin"),
    ]
    assert email_allowed(["a@x.cn"]) == set()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"address": "not-an-email"}, "address"),
        ({"basis": ""}, "basis"),
        ({"basis": "whim"}, "basis"),
        ({"channel": "fax"}, "channel"),
        ({"state": "maybe"}, "state"),
        ({"source": "  "}, "source"),
        ({"channel": "sms", "address": "call me"}, "address"),
    ],
)
def test_bad_consent_input_is_a_field_error_and_changes_nothing(world: Any, values: dict[str, str], field: str) -> None:
    data = {"address": "a@x.cn", "channel": "email", "state": "granted", "basis": "consent", "source": "展会", **values}
    with pytest.raises(ValidationError) as caught:
        consent_record_checked(actor=world.marketing, **data)
    assert field in caught.value.message_dict
    assert not Consent.objects.exists()


def test_only_marketing_and_admins_record_consent(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        consent_record_checked(
            actor=world.owner, address="a@x.cn", channel="email", state="granted", basis="consent", source="x"
        )
    assert not Consent.objects.exists()


def test_the_panel_shows_state_and_only_marketing_gets_the_form(world: Any, web_as: Any) -> None:
    contact = ContactFactory(account=world.account, email="li@jc.cn")
    consent_record(address="li@jc.cn", state="granted", basis="contract", source="年度框架合同", actor=world.admin)
    owner_page = web_as(world.owner).get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert 'id="contact-consent"' in owner_page
    assert "年度框架合同" in owner_page
    assert "/marketing/consent/record/" not in owner_page
    assert "/marketing/privacy/new/" not in owner_page

    lead_page = web_as(world.marketing).get(f"/leads/{world.lead.pk}/").content.decode()
    assert 'id="lead-consent"' in lead_page
    assert "/marketing/consent/record/" in lead_page
    assert f"/marketing/privacy/new/?lead={world.lead.pk}&amp;kind=erase" in lead_page


def test_the_panel_form_records_for_the_persons_own_address_only(world: Any, web_as: Any) -> None:
    client = web_as(world.marketing)
    lead = world.lead
    base = {"lead": lead.pk, "channel": "email", "state": "granted", "basis": "consent", "source": "来电同意"}
    answer = client.post("/marketing/consent/record/", {**base, "address": lead.email})
    assert answer.status_code == 302
    assert answer["Location"] == f"/leads/{lead.pk}/"
    assert Consent.objects.get(address=lead.email).source == "来电同意"

    client.post("/marketing/consent/record/", {**base, "address": "stranger@x.cn"})
    assert not Consent.objects.filter(address="stranger@x.cn").exists()
    assert client.post("/marketing/consent/record/", {**base, "lead": "x", "address": lead.email}).status_code == 404
    assert web_as(world.owner).post("/marketing/consent/record/", base).status_code == 403


# --- the unsubscribe link ----------------------------------------------------------------------


def test_one_click_unsubscribe_withdraws_at_once_without_csrf(world: Any) -> None:
    from django.test import Client

    consent_record(address="zm@example.cn", state="granted", basis="consent", source="官网")
    message = sent_email(owner=world.marketing, address="zm@example.cn")
    client = Client(enforce_csrf_checks=True)

    answer = client.post(f"/marketing/unsubscribe/{message.token}/", {"List-Unsubscribe": "One-Click"})

    assert answer.status_code == 200
    current = Consent.objects.get(address="zm@example.cn")
    assert current.state == "withdrawn"
    assert current.source == f"one-click unsubscribe (e-mail #{message.pk})"
    assert email_allowed(["zm@example.cn"]) == set()


def test_the_preference_page_withdraws_and_grants_again(world: Any, client: Any) -> None:
    consent_record(address="zm@example.cn", state="granted", basis="consent", source="官网")
    message = sent_email(owner=world.marketing, address="zm@example.cn")
    url = f"/marketing/unsubscribe/{message.token}/"

    client.post(url, {"choice": "withdraw"})
    assert Consent.objects.get(address="zm@example.cn").state == "withdrawn"
    page = client.post(url, {"choice": "grant"})
    assert page.status_code == 200
    current = Consent.objects.get(address="zm@example.cn")
    assert (current.state, current.basis) == ("granted", "consent")
    assert current.source == f"preference page (e-mail #{message.pk})"
    assert ConsentRecord.objects.filter(address="zm@example.cn").count() == 3
    assert client.post(url, {"choice": "everything"}).status_code == 422
    assert ConsentRecord.objects.filter(address="zm@example.cn").count() == 3


def test_a_token_changes_only_its_own_address(world: Any, client: Any) -> None:
    consent_record(address="victim@example.cn", state="granted", basis="consent", source="官网")
    message = sent_email(owner=world.marketing, address="me@example.cn")
    client.post(f"/marketing/unsubscribe/{message.token}/", {"choice": "withdraw", "address": "victim@example.cn"})
    assert Consent.objects.get(address="victim@example.cn").state == "granted"
    assert Consent.objects.get(address="me@example.cn").state == "withdrawn"
    assert client.post("/marketing/unsubscribe/nope/", {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get(f"/marketing/unsubscribe/{'x' * 200}/").status_code == 404


# --- data-subject requests ---------------------------------------------------------------------


def test_export_gives_the_persons_data_and_marking_it_given_closes_the_request(world: Any) -> None:
    lead = LeadFactory(contact_name="赵敏", email="zhaomin@example.cn", mobile="13800002222")
    consent_record(address="zhaomin@example.cn", state="granted", basis="consent", source="web form 官网咨询")
    sent_email(owner=world.marketing, address="zhaomin@example.cn", lead=lead, subject="白皮书")
    request = privacy.data_request_create(actor=world.marketing, kind="export", asked_via="邮件", lead=lead)

    data = privacy.data_request_export(actor=world.admin, request=request)

    assert data["person"]["contact_name"] == "赵敏"
    assert data["person"]["mobile"] == "13800002222"
    assert [c["source"] for c in data["consent_history"]] == ["web form 官网咨询"]
    assert [e["subject"] for e in data["emails"]] == ["白皮书"]
    json.dumps(data)  # plain JSON
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    privacy.data_request_given(actor=world.admin, request=request)
    request.refresh_from_db()
    assert (request.status, request.done_by) == (RequestStatus.DONE, world.admin)
    assert "1 e-mails" in request.outcome


def test_erasure_anonymises_the_contact_and_keeps_what_finance_needs(world: Any) -> None:
    contact = ContactFactory(
        account=world.account, name="钱多多", email="qdd@jc.cn", mobile="13700003333", notes="喜欢喝茶"
    )
    consent_record(address="qdd@jc.cn", state="granted", basis="contract", source="合同")
    consent_record(address="qdd@jc.cn", state="withdrawn", source="退订")
    message = sent_email(owner=world.marketing, address="qdd@jc.cn", contact=contact)
    request = privacy.data_request_create(actor=world.marketing, kind="erase", asked_via="来信", contact=contact)
    invoices_before = Invoice.objects.count()

    with pytest.raises(ValidationError):
        privacy.data_request_erase(actor=world.marketing, request=request, confirmed=False)
    assert Contact.objects.get(pk=contact.pk).name == "钱多多"

    privacy.data_request_erase(actor=world.marketing, request=request, confirmed=True)

    contact.refresh_from_db()
    assert contact.name == f"已删除用户 #{contact.pk}"
    assert (contact.email, contact.mobile, contact.notes) == ("", "", "")
    assert contact.erased_at is not None
    assert contact.account_id == world.account.pk
    assert not Consent.objects.filter(address="qdd@jc.cn").exists()
    assert not ConsentRecord.objects.filter(address="qdd@jc.cn").exists()
    hashed = address_hash("qdd@jc.cn")
    assert ConsentRecord.objects.filter(address=hashed).count() == 2
    assert Consent.objects.get(address=hashed).state == "withdrawn"
    message.refresh_from_db()
    assert (message.address, message.name) == (hashed, "")
    assert Invoice.objects.count() == invoices_before
    entry = TimelineEvent.objects.filter(object_id=contact.pk, content_type__model="contact").last()
    assert entry is not None
    assert "钱多多" not in json.dumps(entry.changes, ensure_ascii=False) + entry.text
    request.refresh_from_db()
    assert (request.status, request.done_by) == (RequestStatus.DONE, world.marketing)
    with pytest.raises(ValidationError):
        privacy.data_request_erase(actor=world.marketing, request=request, confirmed=True)


def test_erasure_of_a_lead_goes_through_the_leads_service(world: Any) -> None:
    lead = LeadFactory(contact_name="孙悟空", email="swk@example.cn", mobile="13600004444", notes="微信 swk")
    CampaignMember.objects.create(campaign=sent_email(owner=world.marketing, address="x@y.cn").campaign, lead=lead)
    request = privacy.data_request_create(actor=world.admin, kind="erase", asked_via="电话", lead=lead)
    privacy.data_request_erase(actor=world.admin, request=request, confirmed=True)
    lead.refresh_from_db()
    assert lead.contact_name == f"已删除用户 #{lead.pk}"
    assert (lead.email, lead.mobile, lead.notes, lead.email_key, lead.mobile_key) == ("", "", "", "", "")
    assert lead.company_name  # the business's, kept
    assert CampaignMember.objects.filter(lead=lead).count() == 1
    with pytest.raises(ValidationError):
        privacy.data_request_create(actor=world.admin, kind="erase", asked_via="电话", lead=lead)


def test_only_marketing_and_admins_handle_requests(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        privacy.data_request_create(actor=world.executive, kind="export", asked_via="x", lead=world.lead)
    with pytest.raises(PermissionDenied):
        lead_services.lead_anonymise(actor=world.owner, lead=world.lead)
    assert not DataSubjectRequest.objects.exists()
    assert Lead.objects.get(pk=world.lead.pk).erased_at is None
    assert EmailMessage.objects.count() == 0


def test_the_request_pages_walk_export_and_erasure(world: Any, web_as: Any) -> None:
    client = web_as(world.marketing)
    lead = LeadFactory(contact_name="赵敏", email="zhaomin@example.cn")
    form = client.get(f"/marketing/privacy/new/?lead={lead.pk}&kind=erase")
    assert form.status_code == 200
    assert (
        client.post("/marketing/privacy/new/", {"lead": lead.pk, "kind": "erase", "asked_via": ""}).status_code == 422
    )
    created = client.post("/marketing/privacy/new/", {"lead": lead.pk, "kind": "erase", "asked_via": "邮件"})
    request = DataSubjectRequest.objects.get()
    assert created["Location"] == f"/marketing/privacy/{request.pk}/"
    detail = client.get(created["Location"]).content.decode()
    assert 'name="confirm"' in detail
    client.post(f"/marketing/privacy/{request.pk}/erase/", {})
    assert Lead.objects.get(pk=lead.pk).erased_at is None
    client.post(f"/marketing/privacy/{request.pk}/erase/", {"confirm": "yes"})
    assert Lead.objects.get(pk=lead.pk).contact_name == f"已删除用户 #{lead.pk}"
    listing = client.get("/marketing/privacy/").content.decode()
    assert f"/marketing/privacy/{request.pk}/" in listing
    assert client.get("/marketing/privacy/new/?lead=abc").status_code == 404


def test_the_demo_seeds_web_form_and_contract_consents_a_withdrawal_and_an_export(world: Any) -> None:
    from ltc.customers.choices import AccountStatus
    from ltc.web.demo_marketing_consent import seed_consent

    world.account.status = AccountStatus.CUSTOMER
    world.account.save(update_fields=["status"])
    ContactFactory(account=world.account, email="cfo@jc.cn")
    LeadFactory(email="second@example.cn")

    seed_consent({"sun": world.marketing})

    assert Consent.objects.get(address="cfo@jc.cn").basis == "contract"
    assert Consent.objects.filter(source="官网咨询表单（勾选营销同意）", state="granted").count() == 1
    assert Consent.objects.filter(state="withdrawn").count() == 1
    (request,) = DataSubjectRequest.objects.all()
    assert (request.kind, request.status, request.done_by) == ("export", "done", world.marketing)


@pytest.mark.parametrize("viewer", ["owner", "marketing"])
def test_the_consent_panel_keeps_its_query_budget_whatever_the_history(
    world: Any, viewer: str, rf: Any, django_assert_max_num_queries: Any
) -> None:
    from django.template.loader import render_to_string

    from ltc.core.panels import panels_of

    for n in range(15):
        consent_record(address=world.lead.email, state="granted" if n % 2 else "withdrawn", basis="consent", source="x")
    DataSubjectRequest.objects.create(kind="export", lead=world.lead, asked_via="邮件", created_by=world.admin)
    (panel,) = [p for p in panels_of(Lead) if p.key == "lead-consent"]
    user = getattr(world, viewer)
    user.role_codes()
    request = rf.get("/")
    request.user = user
    with django_assert_max_num_queries(panel.max_queries):
        context = panel.selector(user, world.lead)
        html = render_to_string(panel.template, {**context, "panel": panel, "record": world.lead}, request=request)
    assert html.count("<li>") == 10
    assert ("/marketing/privacy/" in html) is (viewer == "marketing")
