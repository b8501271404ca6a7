"""Browser journey, in headless Chromium: a mention in a note notifies, and the bell leads to the deal."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.opportunities.tests.factories import make_opportunity

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_mention_notifies(world: Any, page: Any) -> None:
    deal = make_opportunity(world, name="锦程二期项目")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    page.fill("#timeline textarea[name=text]", "@manager 请看一下报价")
    page.click("#timeline button[type=submit]")
    expect(page.locator("#timeline .mention")).to_have_text("@manager")

    sign_in(page, "manager")
    expect(page.locator("#bell-count")).to_have_text("1")
    page.click("#bell-toggle")
    page.get_by_text("请看").or_(page.get_by_text("mentioned you")).first.click()
    page.wait_for_url(f"{page.base_url}/opportunities/{deal.pk}/")
    expect(page.locator("#bell-count")).to_have_count(0)
