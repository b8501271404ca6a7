"""Browser journey (headless Chromium): a visitor registers on the event's public page; on the day,
marketing opens the attendee list, finds the visitor by the last 4 digits of the mobile and checks
them in, which records their attendance."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.marketing.models import Touch, TouchKind
from ltc.marketing.models.events import Registration, RegistrationStatus
from ltc.marketing.services import events as services
from ltc.marketing.tests.events_factories import make_event

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_visitor_registers_and_is_checked_in_by_mobile(world: Any, page: Any) -> None:
    event = make_event(world.marketing, name="智能制造研讨会")
    services.registration_submit(
        event=event, data={"name": "周婷", "company": "上海浦江电气", "mobile": "13911112222"}, ip=None
    )

    page.goto(f"{page.base_url}/marketing/e/{event.key}/")
    expect(page.locator("h2")).to_have_text("智能制造研讨会")
    page.fill("#id_name", "陈立新")
    page.fill("#id_company", "苏州精工机械有限公司")
    page.fill("#id_mobile", "186 2135 0101")
    page.fill("#id_email", "chen.lixin@example.cn")
    page.check("#id_consent")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{page.base_url}/marketing/e/{event.key}/thanks/")
    expect(page.locator("h2")).to_have_text("Thank you for registering")
    registration = Registration.objects.get(event=event, mobile_digits="18621350101")
    assert registration.status == RegistrationStatus.REGISTERED

    sign_in(page, "marketing")
    page.goto(f"{page.base_url}/marketing/events/")
    page.get_by_role("link", name="智能制造研讨会").click()
    page.wait_for_url(f"{page.base_url}/marketing/events/{event.pk}/")
    rows = page.locator("#attendees [data-testid=registration]")
    expect(rows).to_have_count(2)
    page.fill("#attendee-q", "0101")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("陈立新")
    expect(rows.first).to_contain_text("18621350101")
    rows.first.get_by_role("button", name="Check in").click()
    row = page.locator(f"#registration-{registration.pk}")
    expect(row.get_by_test_id("registration-status")).to_contain_text("Attended")
    expect(row.get_by_role("button", name="Check in")).to_have_count(0)

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert registration.checked_in_by == world.marketing
    assert registration.checked_in_at is not None
    attendance = Touch.objects.filter(kind=TouchKind.ATTENDANCE, campaign=event.campaign)
    assert list(attendance.values_list("key", "lead_id")) == [
        (f"event:{event.pk}:att:{registration.pk}", registration.lead_id)
    ]
    assert Registration.objects.get(event=event, mobile_digits="13911112222").status == RegistrationStatus.REGISTERED
