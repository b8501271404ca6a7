"""Browser journey through the inbox (待办), in headless Chromium: an ATI review above the
manager's authority is escalated to the executive, who decides it from the inbox."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.opportunities import services as deal_services
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_executive_decides_an_escalated_review_from_the_inbox(world: Any, page: Any) -> None:
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    deal = make_opportunity(world, pipeline, amount=Decimal("8000000.00"), name="华东智能工厂")
    review = deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    deal_services.review_assess(
        actor=world.owner, review=review, role="ar", scores={"relationship": 4, "decision_chain": 3}
    )
    assert review.decider == world.executive

    sign_in(page, "executive")
    expect(page.locator("#nav-inbox #inbox-count")).to_have_text("1")
    expect(page.locator("#inbox-summary")).to_contain_text("华东智能工厂")
    page.click("#nav-inbox")
    item = page.locator(f"#inbox-item-decision_review-{review.pk}")
    expect(item).to_contain_text("华东智能工厂")
    expect(item).to_contain_text(f"escalated past {world.manager}, {world.boss}")
    expect(item.locator("input[name=decision]:checked")).to_have_count(0)

    item.locator("input[value=go_conditions]").check()
    item.locator("button[type=submit]").click()  # no conditions yet: the form comes back
    expect(item).to_contain_text("List the conditions")
    item.locator("input[value=go_conditions]").check()
    item.locator("textarea[name=conditions]").fill("首付 30%\n高层拜访")
    item.locator("textarea[name=note]").fill("战略客户")
    item.locator("button[type=submit]").click()
    expect(page.locator(f"#inbox-item-decision_review-{review.pk}.inbox-outcome")).to_contain_text("Go with conditions")
    review.refresh_from_db()
    assert (review.decision, review.decided_by) == ("go_conditions", world.executive)

    page.goto(f"{page.base_url}{review.get_absolute_url()}")
    expect(page.locator("body")).to_contain_text("首付 30%")
    expect(page.locator("body")).to_contain_text("Go with conditions")
    page.goto(f"{page.base_url}/inbox/")
    expect(page.locator("#inbox-empty")).to_be_visible()
    expect(page.locator("#nav-inbox #inbox-count")).to_have_count(0)
