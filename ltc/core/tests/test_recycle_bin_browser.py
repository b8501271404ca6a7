"""Browser journey: delete a lead, find it in the recycle bin, restore it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.leads import services
from ltc.leads.models import Lead

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_delete_a_lead_find_it_in_the_bin_and_restore_it(world: Any, page: Any) -> None:
    lead = world.lead
    services.lead_activity_log(
        actor=world.owner,
        lead=lead,
        kind="call",
        title="确认预算",
        done=False,
        due_at=timezone.now() + timedelta(days=1),
    )
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/leads/{lead.pk}/")
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("#lead-delete-form button[type=submit]")
    expect(page.locator(".alert", has_text="moved to the recycle bin")).to_be_visible()
    assert "30 days" in asked[0]
    assert not Lead.objects.filter(pk=lead.pk).exists()

    page.goto(f"{page.base_url}/")
    page.click("[aria-label='User menu']")
    page.click("#recycle-bin-link")
    row = page.locator("#recycle-bin tbody tr", has_text="锦程数据科技有限公司")
    expect(row).to_contain_text("Owner")
    expect(row).to_contain_text("29")
    row.locator("button", has_text="Restore").click()

    page.wait_for_url(f"{page.base_url}/leads/{lead.pk}/")
    expect(page.locator("#timeline", has_text="Restored from the recycle bin.")).to_be_visible()
    expect(page.locator("body", has_text="确认预算").first).to_be_visible()
    assert Lead.objects.get(pk=lead.pk).company_name == "锦程数据科技有限公司"
