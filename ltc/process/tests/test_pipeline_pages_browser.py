"""Browser journey (headless Chromium): an administrator builds a pipeline of three stages in the
process centre, adds a gate item to a stage where deals are open, sees the dry run's warning,
confirms; a deal in that stage is then refused the move until the item is done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.opportunities.models import Opportunity, Pipeline
from ltc.opportunities.tests.factories import make_opportunity

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_admin_builds_a_gated_pipeline_and_a_deal_meets_the_new_gate(world: Any, page: Any, tmp_path: Path) -> None:
    sign_in(page, "admin")
    page.goto(f"{page.base_url}/process/pipelines/")
    page.click("#pipeline-new")
    page.fill("#id_name", "渠道销售")
    page.fill("#id_description", "经销商项目")
    page.click("#save")
    expect(page.locator(".page-title")).to_have_text("渠道销售")
    pipeline = Pipeline.objects.get(name="渠道销售")

    for name, probability in (("报备", "20"), ("投标", "50"), ("签约", "80")):
        page.click("#stage-new")
        page.fill("#id_name", name)
        page.fill("#id_probability", probability)
        page.click("#save")
        expect(page.locator(f'[data-stage="{name}"]')).to_be_visible()
    assert [(s.name, s.order, s.probability) for s in pipeline.stages.all()] == [
        ("报备", 10, 20),
        ("投标", 20, 50),
        ("签约", 30, 80),
    ]

    bid = pipeline.stages.get(name="投标")
    deals = [make_opportunity(world, pipeline, stage=bid, name=f"渠道项目{i}") for i in range(2)]
    page.reload()
    bid_card = page.locator('[data-stage="投标"]')
    expect(bid_card).to_contain_text("Open deals: 2")
    bid_card.get_by_role("link", name="Add gate item").click()
    page.fill("#id_label", "bid review")
    page.select_option("#id_kind", "check")
    page.click("#save")
    expect(page.locator("#gate-impact")).to_contain_text("2 open deals in 投标 would now miss the item 'bid review'.")
    expect(page.locator("#gate-impact")).to_contain_text("渠道项目0")
    assert not bid.requirements.exists()
    page.screenshot(path=str(tmp_path / "dry-run.png"), full_page=True)
    page.click("#confirm-save")
    expect(page.locator('[data-stage="投标"]')).to_contain_text("bid review")
    expect(page.locator("#timeline")).to_contain_text("投标 · bid review")
    page.screenshot(path=str(tmp_path / "pipeline.png"), full_page=True)

    deal = deals[0]
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    expect(page.locator("#advance-form")).to_contain_text("投标: bid review")
    page.locator("#advance-form button[type=submit]").click()
    expect(page.get_by_text("Not ready to move: 投标: bid review.")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).stage == bid

    page.locator("#checklist").get_by_role("button", name="Confirm").click()
    expect(page.locator("#checklist .ti-circle-check")).to_have_count(1)
    page.locator("#advance-form button[type=submit]").click()
    expect(page.locator("#timeline")).to_contain_text("签约")
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "签约"
