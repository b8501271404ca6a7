"""Browser journey: drag an activity to another day on the calendar and find it there after a reload."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.core.activities import activity_create
from ltc.core.models import Activity

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_drag_an_activity_to_another_day_and_see_it_there_after_reload(world: Any, page: Any) -> None:
    due = timezone.make_aware(datetime.combine(date(2027, 1, 12), time(14, 30)))
    activity = activity_create(actor=world.owner, subject=world.lead, kind="visit", title="现场拜访", due_at=due)
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.click("#nav-calendar")
    page.wait_for_url(f"{base}/calendar/")
    page.goto(f"{base}/calendar/?day=2027-01-01")
    entry = page.locator(f"#entry-activity-{activity.pk}")
    expect(page.locator('td[data-day="2027-01-12"]').locator(entry)).to_be_visible()

    page.drag_and_drop(f"#entry-activity-{activity.pk}", 'td[data-day="2027-01-14"]')
    expect(page.locator("#calendar-message")).to_contain_text("Moved to 2027-01-14")
    page.reload()
    expect(page.locator('td[data-day="2027-01-14"]').locator(f"#entry-activity-{activity.pk}")).to_be_visible()
    activity.refresh_from_db()
    assert timezone.localtime(activity.due_at) == timezone.localtime(due).replace(day=14)

    # A second move from the page as it was read before someone else moved it: refused, back in place.
    Activity.objects.filter(pk=activity.pk).update(due_at=due.replace(day=20))
    page.drag_and_drop(f"#entry-activity-{activity.pk}", 'td[data-day="2027-01-15"]')
    expect(page.locator("#calendar-message.alert-danger")).to_be_visible()
    expect(page.locator('td[data-day="2027-01-14"]').locator(f"#entry-activity-{activity.pk}")).to_be_visible()

    # Next month by htmx, then back: the week of the 20th shows it in the week list.
    page.click("#calendar-next")
    expect(page.locator("#calendar-heading")).to_contain_text("2027")
    page.goto(f"{base}/calendar/?view=week&day=2027-01-20")
    expect(page.locator('[data-day="2027-01-20"]').locator(f"#entry-activity-{activity.pk}")).to_be_visible()
