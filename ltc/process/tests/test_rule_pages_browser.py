"""Browser journey (headless Chromium): an administrator adds a routing rule in the process centre,
tests it on a sample lead before saving (nothing changes), saves it, then gives sales managers an
ATB authority limit, checks its dry run and sees the line in the matrix."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.leads.models import AssignmentRule, Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.org.models import Authority, Role

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_admin_adds_a_routing_rule_tests_it_and_adds_an_authority_limit(world: Any, page: Any) -> None:
    sample = LeadFactory(owner=None, region="north", industry="energy", company_name="北方电力集团", score=0)
    leads_before = list(Lead.objects.order_by("pk").values_list("pk", "version", "owner_id", "score"))

    sign_in(page, "admin")
    page.goto(f"{page.base_url}/process/routing/")
    expect(page.locator("#routing-rules")).to_contain_text("No routing rules yet")
    page.fill("#id_name", "华北能源")
    page.fill("#id_order", "10")
    page.select_option("#id_region", "north")
    page.select_option("#id_strategy", "user")
    page.select_option("#id_assign_user", str(world.manager.pk))
    page.fill("#id_sample_lead", str(sample.pk))
    page.click("text=Test on the sample")
    expect(page.locator("[data-testid=preview-matches]")).to_contain_text("Yes")
    expect(page.locator("[data-testid=preview-winner]")).to_have_text("This rule")
    expect(page.locator("[data-testid=preview-assignee]")).to_contain_text(str(world.manager))
    expect(page.locator("[data-testid=preview-caught]")).to_have_text(
        "Open, unassigned leads this rule would catch: 1."
    )
    if os.environ.get("LTC_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['LTC_SCREENSHOTS']}/routing-preview.png", full_page=True)
    assert AssignmentRule.objects.count() == 0
    assert list(Lead.objects.order_by("pk").values_list("pk", "version", "owner_id", "score")) == leads_before

    page.click("text=Save rule")
    expect(page.locator("#routing-rules")).to_contain_text("华北能源")
    rule = AssignmentRule.objects.get()
    assert (rule.name, rule.order, rule.region, rule.assign_user_id, rule.version) == (
        "华北能源",
        10,
        "north",
        world.manager.pk,
        1,
    )

    page.click("text=Authority matrix")
    page.select_option("#id_subject", "review_atb")
    page.select_option("#id_role", str(Role.objects.get(code="sales_manager").pk))
    page.fill("#id_max_amount", "3000000")
    page.click("button[value=check]")
    expect(page.locator("[data-testid=impact-count]")).to_contain_text(
        "No open decision would go to a different decider"
    )
    assert not Authority.objects.exists()
    page.click("button[value=save]")
    matrix = page.locator("#authority-matrix")
    expect(matrix).to_contain_text("ATB decision (投标)")
    expect(matrix).to_contain_text("Sales manager")
    expect(matrix).to_contain_text("3,000,000.00 CNY")
    if os.environ.get("LTC_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['LTC_SCREENSHOTS']}/authority-matrix.png", full_page=True)
    line = Authority.objects.get()
    assert (line.subject, line.role.code, line.max_amount, line.version) == (
        "review_atb",
        "sales_manager",
        Decimal("3000000.00"),
        1,
    )
