"""The customer portal (客户门户), tested like the public quote page: the sign-in link (once,
within 15 minutes, only its hash stored, the same answer whatever the address, rate limits),
the portal session apart from the staff login, and pages built from allow-lists — another
company's records answer 404 and nothing internal (notes, staff names, other customers, costs)
appears in the HTML."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ltc.billing.models import Invoice
from ltc.contracts.tests.factories import contract_team, make_contract
from ltc.core.models import OutgoingMail
from ltc.customers.models import Contact
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.service.models import Asset, AssetStatus, Case, CaseChannel, CaseMessage, MessageKind, PortalLink
from ltc.service.portal import SESSION_KEY
from ltc.service.services import portal as services
from ltc.service.services.cases import case_merge as svc_merge
from ltc.service.services.cases import case_reply
from ltc.service.tests.factories import make_case, make_entitlement

pytestmark = pytest.mark.django_db

ADDRESS = "buyer@jincheng.cn"
NOTE = "内部备注：客户信用差，先别承诺上门"
STAFF_NAME = "客服王小二"
REPLY = "您好，请先重启设备再试。"
OTHER_COMPANY = "北方能源有限公司"
OTHER_SUBJECT = "北方能源的机密故障"


@dataclass
class Portal:
    world: Any
    contact: Contact
    other_contact: Contact

    @property
    def account(self) -> Any:
        return self.contact.account


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def portal(world: Any) -> Portal:
    contact = ContactFactory(account=world.account, name="李采购", email=ADDRESS, email_key=ADDRESS)
    other = AccountFactory(owner=world.other, name=OTHER_COMPANY)
    other_contact = ContactFactory(account=other, name="赵北方", email="zhao@north.cn", email_key="zhao@north.cn")
    return Portal(world, contact, other_contact)


def _link_in(mail: OutgoingMail) -> str:
    found = re.search(r"https?://\S+/service/portal/enter/(\S+)/", mail.body)
    assert found is not None, mail.body
    return found.group(1)


def _issue(contact: Contact, *, minutes: int = 15, used: bool = False) -> str:
    token = f"tok-{contact.pk}-{minutes}-{used}-{time.monotonic_ns()}"
    now = timezone.now()
    PortalLink.objects.create(
        contact=contact,
        token_hash=services.token_hash(token),
        expires_at=now + timedelta(minutes=minutes),
        used_at=now if used else None,
    )
    return token


def _signed_in(contact: Contact, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(reverse("service:portal_enter", args=[_issue(contact)]))
    assert response.status_code == 302
    assert response["Location"] == reverse("service:portal_cases")
    return client


# --- the sign-in link --------------------------------------------------------------------------


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_known_one_a_mail(portal: Portal) -> None:
    client = Client()
    known = client.post(reverse("service:portal_signin"), {"email": "  Buyer@JinCheng.CN "})
    unknown = client.post(reverse("service:portal_signin"), {"email": "nobody@jincheng.cn"})

    assert known.status_code == unknown.status_code == 200
    sent_text = "If this address belongs to one of our customer contacts"
    assert sent_text in known.content.decode()
    assert sent_text in unknown.content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())
    mails = list(OutgoingMail.objects.all())
    assert [m.to for m in mails] == [[ADDRESS]]
    token = _link_in(mails[0])
    link = PortalLink.objects.get()
    assert link.contact_id == portal.contact.pk
    assert link.token_hash == services.token_hash(token)
    assert token not in str(list(PortalLink.objects.values()))  # only the hash is kept
    assert link.expires_at - link.created_at == timedelta(minutes=15)


def test_merged_and_erased_contacts_get_no_link(portal: Portal) -> None:
    Contact.objects.filter(pk=portal.contact.pk).update(erased_at=timezone.now())
    twin = ContactFactory(account=portal.account, email=ADDRESS, email_key=ADDRESS, merged_into=portal.other_contact)

    response = Client().post(reverse("service:portal_signin"), {"email": ADDRESS})

    assert response.status_code == 200
    assert not OutgoingMail.objects.exists()
    assert not PortalLink.objects.filter(contact__in=[portal.contact, twin]).exists()


def test_one_address_at_two_companies_gets_a_link_for_each_signing_into_its_company(portal: Portal) -> None:
    second = ContactFactory(account=portal.other_contact.account, name="李采购", email=ADDRESS, email_key=ADDRESS)

    Client().post(reverse("service:portal_signin"), {"email": ADDRESS})

    mails = list(OutgoingMail.objects.order_by("pk"))
    assert len(mails) == 2
    companies = []
    for mail in mails:
        client = Client()
        client.post(reverse("service:portal_enter", args=[_link_in(mail)]))
        companies.append(client.session[SESSION_KEY]["contact"])
        page = client.get(reverse("service:portal_cases")).content.decode()
        assert ("锦程智能制造有限公司" in page) != (OTHER_COMPANY in page)
    assert sorted(companies) == sorted([portal.contact.pk, second.pk])


def test_a_link_works_once(portal: Portal) -> None:
    token = _issue(portal.contact)
    url = reverse("service:portal_enter", args=[token])
    client = Client()

    assert client.get(url).status_code == 200  # the button: opening the link uses nothing up
    assert PortalLink.objects.get().used_at is None
    assert client.post(url).status_code == 302
    assert PortalLink.objects.get().used_at is not None

    again = Client()
    assert again.get(url).status_code == 410
    refused = again.post(url)
    assert refused.status_code == 410
    assert "This link no longer works" in refused.content.decode()
    assert SESSION_KEY not in again.session
    assert again.get(reverse("service:portal_cases")).status_code == 302


def test_an_expired_or_unknown_link_is_refused(portal: Portal) -> None:
    expired = _issue(portal.contact, minutes=-1)
    client = Client()
    for token in (expired, "made-up-token", "x" * 500):
        assert client.post(reverse("service:portal_enter", args=[token])).status_code == 410
    assert SESSION_KEY not in client.session
    assert PortalLink.objects.get().used_at is None


def test_a_link_of_a_contact_erased_since_signs_nobody_in(portal: Portal) -> None:
    token = _issue(portal.contact)
    Contact.objects.filter(pk=portal.contact.pk).update(erased_at=timezone.now())
    client = Client()
    assert client.post(reverse("service:portal_enter", args=[token])).status_code == 410
    assert SESSION_KEY not in client.session


def test_links_per_address_are_limited_silently(portal: Portal) -> None:
    client = Client()
    answers = [client.post(reverse("service:portal_signin"), {"email": ADDRESS}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert PortalLink.objects.count() == services.ADDRESS_LIMIT == OutgoingMail.objects.count()


def test_requests_per_network_address_are_limited_whatever_address_is_typed(portal: Portal) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(services.IP_LIMIT):
        assert client.post(reverse("service:portal_signin"), {"email": f"x{n}@nowhere.cn"}).status_code == 200
    limited = client.post(reverse("service:portal_signin"), {"email": ADDRESS})
    assert limited.status_code == 429
    assert not PortalLink.objects.exists()
    # another network address is not held back
    assert (
        Client(REMOTE_ADDR="203.0.113.10").post(reverse("service:portal_signin"), {"email": ADDRESS}).status_code == 200
    )
    assert PortalLink.objects.count() == 1


def test_a_bad_address_is_a_field_error(portal: Portal) -> None:
    response = Client().post(reverse("service:portal_signin"), {"email": "not an address"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
    assert not OutgoingMail.objects.exists()


# --- the portal session -------------------------------------------------------------------------


def test_signing_in_rotates_the_session_and_signing_out_ends_the_portal_only(portal: Portal) -> None:
    client = Client()
    client.force_login(portal.world.admin)
    before = client.session.session_key
    _signed_in(portal.contact, client)
    assert client.session.session_key != before
    assert client.get(reverse("service:portal_cases")).status_code == 200

    assert client.post(reverse("service:portal_signout")).status_code == 302
    assert client.get(reverse("service:portal_cases"))["Location"] == reverse("service:portal_signin")
    assert client.get(reverse("web:home")).status_code == 200  # the staff login stays


def test_a_portal_session_lasts_eight_hours(portal: Portal) -> None:
    client = _signed_in(portal.contact)
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "at": int(time.time() - 8 * 3600 - 60)}
    session.save()
    assert client.get(reverse("service:portal_cases"))["Location"] == reverse("service:portal_signin")


def test_a_contact_merged_since_signing_in_is_signed_out(portal: Portal) -> None:
    client = _signed_in(portal.contact)
    Contact.objects.filter(pk=portal.contact.pk).update(merged_into=portal.other_contact)
    assert client.get(reverse("service:portal_cases"))["Location"] == reverse("service:portal_signin")


@pytest.mark.parametrize("actor", ["admin", "service", "owner", "executive", "finance"])
def test_a_staff_login_does_not_open_the_portal(portal: Portal, web_as: Any, actor: str) -> None:
    client = web_as(portal.world.actor(actor))
    for name in ("service:portal_cases", "service:portal_assets", "service:portal_invoices", "service:portal_case_new"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("service:portal_signin")


def test_a_portal_session_opens_no_staff_page(portal: Portal) -> None:
    case = make_case(portal.account)
    client = _signed_in(portal.contact)
    for path in ("/service/cases/", f"/service/cases/{case.pk}/", "/", "/customers/accounts/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/"), path
    for api in ("/api/v1/accounts", "/api/v1/invoices"):
        assert client.get(api).status_code == 401, api


# --- what the contact sees ----------------------------------------------------------------------


def _internal_case(portal: Portal) -> Case:
    """A case of the contact's company with a reply and an internal note by a named agent, and a
    case of another company."""
    world = portal.world
    world.service.display_name = STAFF_NAME
    world.service.save(update_fields=["display_name"])
    case = make_case(portal.account, subject="打印机卡纸", description="每页都卡纸。", contact=portal.contact)
    Case.objects.filter(pk=case.pk).update(owner=world.service)
    case.refresh_from_db()
    case_reply(actor=world.service, case=case, body=NOTE, internal=True)
    case_reply(actor=world.service, case=case, body=REPLY)
    return case


def test_the_case_list_shows_the_company_cases_only(portal: Portal, django_assert_max_num_queries: Any) -> None:
    case = _internal_case(portal)
    other = make_case(portal.other_contact.account, subject=OTHER_SUBJECT)
    closed = make_case(portal.account, subject="已解决的问题", status="closed")
    client = _signed_in(portal.contact)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("service:portal_cases")).content.decode()

    assert case.number in page
    assert closed.number in page
    assert other.number not in page
    assert OTHER_SUBJECT not in page
    assert OTHER_COMPANY not in page
    for secret in (STAFF_NAME, NOTE, "Head office", "East"):
        assert secret not in page
    open_only = client.get(reverse("service:portal_cases") + "?state=open").content.decode()
    assert case.number in open_only
    assert closed.number not in open_only


def test_the_case_page_shows_customer_messages_and_replies_never_notes_or_staff(portal: Portal) -> None:
    case = _internal_case(portal)
    client = _signed_in(portal.contact)

    response = client.get(reverse("service:portal_case", args=[case.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "每页都卡纸。" in page
    assert REPLY in page
    assert NOTE not in page
    assert STAFF_NAME not in page
    assert portal.world.owner.display_name not in page
    assert "Service desk" in page
    for internal in ("escalat", "breach", "SLA", "/service/cases/", "csat", case.thread_key):
        assert internal not in page
    assert "/customers/" not in page
    assert "/login/" not in page


def test_another_company_case_answers_404_and_takes_no_reply(portal: Portal) -> None:
    other = make_case(portal.other_contact.account, subject=OTHER_SUBJECT)
    client = _signed_in(portal.contact)

    assert client.get(reverse("service:portal_case", args=[other.pk])).status_code == 404
    assert client.post(reverse("service:portal_case", args=[other.pk]), {"body": "hi"}).status_code == 404
    assert client.get(reverse("service:portal_case", args=[999_999])).status_code == 404
    assert not CaseMessage.objects.filter(case=other, body="hi").exists()


def test_another_company_case_answers_the_portal_s_own_not_found_page(portal: Portal) -> None:
    other = make_case(portal.other_contact.account, subject=OTHER_SUBJECT)
    client = _signed_in(portal.contact)

    response = client.get(reverse("service:portal_case", args=[other.pk]))

    page = response.content.decode()
    assert response.status_code == 404
    assert 'id="portal-not-found"' in page
    assert f'href="{reverse("service:portal_cases")}"' in page
    assert "/login/" not in page
    assert OTHER_SUBJECT not in page


def test_a_merged_case_links_to_its_target_and_takes_no_reply(portal: Portal) -> None:
    duplicate = make_case(portal.account, subject="重复的卡纸报告", contact=portal.contact)
    target = make_case(portal.account, subject="打印机卡纸", contact=portal.contact)
    svc_merge(actor=portal.world.service, duplicate=duplicate, into=target)
    client = _signed_in(portal.contact)
    url = reverse("service:portal_case", args=[duplicate.pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {"body": "还在卡"})

    assert 'id="portal-merged"' in page
    assert f"This case was merged into {target.number}" in page
    assert f'href="{reverse("service:portal_case", args=[target.pk])}"' in page
    assert 'id="portal-reply-form"' not in page
    assert refused.status_code == 409
    assert not CaseMessage.objects.filter(body="还在卡").exists()


def test_the_answer_promise_is_shown_only_while_it_lies_ahead(portal: Portal) -> None:
    case = make_case(portal.account, contact=portal.contact)
    client = _signed_in(portal.contact)
    url = reverse("service:portal_case", args=[case.pk])
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() + timedelta(hours=2))

    ahead = client.get(url).content.decode()
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() - timedelta(hours=2))
    passed = client.get(url).content.decode()

    assert "We will answer by" in ahead
    assert "We will answer by" not in passed


def test_sending_a_reply_or_opening_a_case_is_confirmed(portal: Portal) -> None:
    case = make_case(portal.account, contact=portal.contact)
    client = _signed_in(portal.contact)

    replied = client.post(reverse("service:portal_case", args=[case.pk]), {"body": "还是卡纸"}, follow=True)
    form = {"subject": "无法开机", "description": "按电源键没反应。", "category": "incident", "priority": "p3"}
    opened = client.post(reverse("service:portal_case_new"), form, follow=True)

    assert 'id="portal-flash"' in replied.content.decode()
    assert "Your message is sent." in replied.content.decode()
    number = Case.objects.get(subject="无法开机").number
    assert f"Your case {number} is opened" in opened.content.decode()
    # shown once
    assert "Your case" not in client.get(reverse("service:portal_cases")).content.decode()


def test_a_reply_is_a_customer_message_by_portal(portal: Portal) -> None:
    case = make_case(portal.account, contact=portal.contact)
    client = _signed_in(portal.contact)

    response = client.post(reverse("service:portal_case", args=[case.pk]), {"body": "还是卡纸"})

    assert response.status_code == 302
    message = CaseMessage.objects.filter(case=case).order_by("-id").first()
    assert message is not None
    assert (message.kind, message.channel, message.contact_id, message.body) == (
        MessageKind.CUSTOMER,
        CaseChannel.PORTAL,
        portal.contact.pk,
        "还是卡纸",
    )
    empty = client.post(reverse("service:portal_case", args=[case.pk]), {"body": "  "})
    assert empty.status_code == 422
    assert CaseMessage.objects.filter(case=case).count() == 2


def test_a_new_case_is_opened_by_the_portal_for_the_company(portal: Portal) -> None:
    asset = Asset.objects.create(account=portal.account, code="PRN-1", name="激光打印机")
    client = _signed_in(portal.contact)
    form = {"subject": "无法开机", "description": "按电源键没反应。", "category": "incident", "priority": "p2"}

    response = client.post(reverse("service:portal_case_new"), {**form, "asset": asset.pk})

    case = Case.objects.get(subject="无法开机")
    assert response["Location"] == reverse("service:portal_case", args=[case.pk])
    assert (case.account_id, case.contact_id, case.asset_id, case.channel, case.priority, case.created_by_id) == (
        portal.account.pk,
        portal.contact.pk,
        asset.pk,
        CaseChannel.PORTAL,
        "p2",
        None,
    )
    assert CaseMessage.objects.get(case=case).body == "按电源键没反应。"


def test_a_new_case_refuses_p1_and_another_company_asset(portal: Portal) -> None:
    foreign = Asset.objects.create(account=portal.other_contact.account, code="X-1", name="北方的服务器")
    client = _signed_in(portal.contact)
    form = {"subject": "无法开机", "description": "没反应。", "category": "incident"}

    p1 = client.post(reverse("service:portal_case_new"), {**form, "priority": "p1"})
    foreign_asset = client.post(reverse("service:portal_case_new"), {**form, "priority": "p3", "asset": foreign.pk})
    junk = client.post(reverse("service:portal_case_new"), {**form, "priority": "p3", "asset": "１"})

    assert p1.status_code == foreign_asset.status_code == junk.status_code == 422
    assert "北方的服务器" not in client.get(reverse("service:portal_case_new")).content.decode()
    assert not Case.objects.exists()


def test_the_assets_page_shows_warranty_and_support_level_of_the_company_only(portal: Portal) -> None:
    entitlement = make_entitlement(portal.account)
    today = timezone.localdate()
    Asset.objects.create(
        account=portal.account,
        code="PRN-1",
        name="激光打印机",
        serial_numbers="SN-001\nSN-002",
        warranty_ends_on=today + timedelta(days=200),
        entitlement=entitlement,
    )
    Asset.objects.create(account=portal.account, code="OLD", name="报废的旧机器", status=AssetStatus.RETIRED)
    Asset.objects.create(account=portal.other_contact.account, code="X-1", name="北方的服务器")
    client = _signed_in(portal.contact)

    page = client.get(reverse("service:portal_assets")).content.decode()

    assert "激光打印机" in page
    assert "SN-002" in page
    assert "Premium" in page
    assert "报废的旧机器" not in page
    assert "北方的服务器" not in page
    assert entitlement.name not in page
    assert entitlement.policy.name not in page


def test_the_invoices_page_shows_issued_invoices_of_the_company_only(portal: Portal) -> None:
    world = portal.world
    contract = make_contract(world, contract_team(world))
    common = {"contract": contract, "kind": "invoice"}
    Invoice.objects.create(
        **common,
        account=portal.account,
        number="INV2026-000101",
        status="issued",
        issue_date=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=30),
        net_total=Decimal("10000.00"),
        tax_total=Decimal("1300.00"),
        total=Decimal("11300.00"),
        allocated=Decimal("1300.00"),
        open_amount=Decimal("10000.00"),
        note="内部：催款困难",
    )
    Invoice.objects.create(**common, account=portal.account, status="draft", total=Decimal("777.00"))
    Invoice.objects.create(
        **common,
        account=portal.other_contact.account,
        number="INV2026-000102",
        status="issued",
        total=Decimal("5.00"),
        open_amount=Decimal("5.00"),
    )
    client = _signed_in(portal.contact)

    page = client.get(reverse("service:portal_invoices")).content.decode()

    assert "INV2026-000101" in page
    assert "11,300.00" in page
    assert "1,300.00" in page
    assert "10,000.00" in page
    assert "INV2026-000102" not in page
    # the currency on every amount; the open amount's header is not the status "Open"
    for amount in ("11,300.00 CNY", "1,300.00 CNY", "10,000.00 CNY"):
        assert amount in page
    assert "Open amount" in page
    zh = client.get(reverse("service:portal_invoices"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "未付金额" in zh
    assert "进行中" not in zh
    assert "777.00" not in page
    assert "催款困难" not in page
    assert contract.number not in page
    assert contract.title not in page


def test_the_demo_gives_the_portal_contact_a_memorable_address(portal: Portal) -> None:
    from ltc.web.demo_service_portal import DEMO_ADDRESS, seed_portal

    make_case(portal.other_contact.account)
    make_case(portal.account)
    Asset.objects.create(account=portal.account, code="PRN-1", name="激光打印机")

    seed_portal({"admin": portal.world.admin})

    portal.contact.refresh_from_db()
    assert (portal.contact.email, portal.contact.email_key) == (DEMO_ADDRESS, DEMO_ADDRESS)
    assert services.portal_link_request(email=DEMO_ADDRESS, ip=None).mailed == 1
