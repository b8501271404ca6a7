"""Browser journey (headless Chromium): the map shows a step's figures; its "in flight" leads to
the records standing there, and a record to its page."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.opportunities import services as deal_services
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.tests.maps import make_map

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_from_a_steps_figure_to_the_deal_standing_there(world: Any, page: Any) -> None:
    pipeline = make_pipeline()
    nodes = make_map(pipeline)
    deal = deal_services.opportunity_create(
        actor=world.owner, data={"name": "锦程智能工厂项目", "account": world.account, "pipeline": pipeline}
    )
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/process/")
    confirm = page.locator(f"#node-{nodes['MO.CONFIRM'].pk} .process-figures")
    expect(confirm).to_contain_text("in flight 1")
    confirm.get_by_role("link", name="in flight 1").click()
    expect(page.locator("#node-figures")).to_contain_text("In flight")
    expect(page.locator("#figure-records tbody")).to_contain_text("锦程智能工厂项目")
    if shot := os.environ.get("LTC_SCREENSHOT"):
        page.screenshot(path=shot, full_page=True)
    page.get_by_role("link", name="锦程智能工厂项目").click()
    expect(page).to_have_url(f"{page.base_url}/opportunities/{deal.pk}/")
