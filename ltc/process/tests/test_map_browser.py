"""Browser journey (headless Chromium): an administrator opens the process map, adds an L4
activity under 制定并提交标书, binds a pipeline stage to it, and the deal standing in that stage
shows the way down to it in its page header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.org.models import User
from ltc.process.models import ProcessNode

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_admin_adds_an_l4_under_the_bid_step_and_binds_it(world: Any, page: Any, tmp_path: Path) -> None:
    pipeline = make_pipeline()
    solution = pipeline.stages.get(name="方案")
    deal = make_opportunity(world, pipeline, stage=solution)
    bid = ProcessNode.objects.get(code="MO.4")
    User.objects.filter(pk=world.admin.pk).update(language="zh-hans")  # the journey reads in Chinese

    sign_in(page, "admin")
    page.goto(f"{page.base_url}/process/")
    page.click(f"#node-{bid.pk} > .process-node a")
    page.click("#add-child")
    page.fill("#id_code", "MO.4.1")
    page.fill("#id_name_zh", "标书质量评审")
    page.fill("#id_name_en", "Bid quality review")
    page.fill("#id_purpose_zh", "递交前检查价格和条款。")
    page.fill("#id_purpose_en", "Check prices and terms before submitting.")
    page.click("#node-form button[type=submit]")
    child = ProcessNode.objects.get(code="MO.4.1")
    page.wait_for_url(f"{page.base_url}/process/nodes/{child.pk}/")
    assert (child.purpose_zh, child.purpose_en) == (
        "递交前检查价格和条款。",
        "Check prices and terms before submitting.",
    )
    expect(page.locator("body")).to_contain_text("递交前检查价格和条款。")
    expect(page.locator("#node-trail")).to_contain_text("制定并提交标书")

    page.select_option("#id_target", f"stage:{solution.pk}")
    page.click("#add-binding button[type=submit]")
    expect(page.locator("#bindings .list-group-item")).to_contain_text("方案（项目销售）")
    assert list(child.bindings.values_list("kind", "key")) == [("stage", str(solution.pk))]
    page.screenshot(path=str(tmp_path / "node.png"), full_page=True)

    page.goto(f"{page.base_url}/process/")
    expect(page.locator(f"#node-{child.pk}")).to_contain_text("标书质量评审")
    page.screenshot(path=str(tmp_path / "map.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("header.navbar")).to_be_hidden()
    expect(page.locator("h1.print-only")).to_be_visible()
    page.screenshot(path=str(tmp_path / "map-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    trail = page.locator("#process-trail")
    expect(trail).to_contain_text("LTC")
    expect(trail).to_contain_text("管理机会点")
    expect(trail.locator("[aria-current=step]")).to_have_text("标书质量评审")
    page.screenshot(path=str(tmp_path / "deal.png"), full_page=False)
    trail.locator("[aria-current=step]").click()
    page.wait_for_url(f"{page.base_url}/process/nodes/{child.pk}/")
