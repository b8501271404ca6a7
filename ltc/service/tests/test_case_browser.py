"""Browser journey (headless Chromium): a service agent takes a phone call — opens a case for the
caller's company (found by typing its name; its contacts are offered then), replies, waits on the
customer (the SLA clocks pause), resumes and resolves it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.customers.tests.factories import ContactFactory
from ltc.service.models import Case, CaseStatus, MessageKind, SlaState
from ltc.service.tests.factories import make_entitlement

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_agent_works_a_phone_case_to_resolution(world: Any, page: Any) -> None:
    make_entitlement(world.account)
    contact = ContactFactory(account=world.account, name="赵工")

    sign_in(page, "service")
    page.goto(f"{page.base_url}/service/cases/")
    page.get_by_role("link", name="New case").click()
    page.wait_for_url(f"{page.base_url}/service/cases/new/")
    page.get_by_placeholder("Type to find an account…").fill("锦程")
    expect(page.locator("#id_account")).to_have_value(str(world.account.pk))
    expect(page.locator(f"#id_contact option[value='{contact.pk}']")).to_have_count(1)
    page.select_option("#id_contact", str(contact.pk))
    page.fill("#id_subject", "主轴异响")
    page.fill("#id_description", "客户来电：3号机床主轴有异响")
    page.select_option("#id_priority", "p2")
    expect(page.locator("#id_channel")).to_have_value("phone")
    page.get_by_role("button", name="Create case").click()

    case = Case.objects.get(subject="主轴异响")
    page.wait_for_url(f"{page.base_url}/service/cases/{case.pk}/")
    expect(page.locator("#case-thread")).to_contain_text("3号机床主轴有异响")
    assert (case.contact, case.channel, case.priority) == (contact, "phone", "p2")

    page.fill("#id_reply-body", "已安排工程师明天上门")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#case-thread [data-kind=reply]")).to_contain_text("已安排工程师明天上门")
    expect(page.locator("#case-status")).to_have_text("In progress")

    page.select_option("#id_status-status", "waiting")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-status")).to_have_text("Waiting on customer")
    expect(page.locator("#case-paused")).to_be_visible()

    page.select_option("#id_status-status", "in_progress")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-status")).to_have_text("In progress")
    expect(page.locator("#case-paused")).to_have_count(0)

    page.select_option("#id_status-status", "resolved")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#id_status-resolution + .form-hint + .invalid-feedback")).to_have_text(
        "Say how the case was resolved."
    )
    page.fill("#id_status-resolution", "更换主轴轴承")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-status")).to_have_text("Resolved")
    expect(page.locator("#case-resolution")).to_contain_text("更换主轴轴承")
    expect(page.locator("#case-reply-form")).to_have_count(0)

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.response_sla == SlaState.MET
    assert case.paused_at is None
    assert list(case.messages.values_list("kind", flat=True)) == [MessageKind.CUSTOMER, MessageKind.REPLY]
