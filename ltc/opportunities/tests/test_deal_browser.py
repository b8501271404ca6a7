"""Browser journey on the deal board, in headless Chromium: a gate refuses a drag, a ready deal moves."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.opportunities.models import Opportunity, RequirementCheck
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline

pytestmark = [pytest.mark.browser]


def _drag(page: Any, card: Any, column: Any) -> None:
    """Drag with real mouse moves (the board's Sortable runs in its mouse-event mode)."""
    start, end = card.bounding_box(), column.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=20)
    page.mouse.up()


@pytest.mark.django_db(transaction=True)
def test_a_gate_refuses_a_drag_and_a_ready_deal_moves(world: Any, page: Any) -> None:
    pipeline = make_pipeline()
    gated = make_opportunity(world, pipeline, name="未确认需求的项目", amount="900000.00")
    ready = make_opportunity(world, pipeline, name="需求已确认的项目", amount="500000.00")
    RequirementCheck.objects.create(
        opportunity=ready,
        requirement=ready.stage.requirements.get(),
        done_by=world.owner,
        done_at=timezone.now(),
    )
    first, second = (pipeline.stages.get(name=n).pk for n in ("确认", "方案"))
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/opportunities/board/")
    column = page.locator(f'[data-stage="{second}"]')

    _drag(page, page.locator(f'[data-deal="{gated.pk}"]'), column)
    expect(page.locator("#board-message")).to_contain_text("需求已确认")
    expect(page.locator(f'[data-stage="{first}"] [data-deal="{gated.pk}"]')).to_be_visible()
    assert Opportunity.objects.get(pk=gated.pk).stage_id == first

    _drag(page, page.locator(f'[data-deal="{ready.pk}"]'), column)
    expect(page.locator(f'[data-stage="{second}"] [data-deal="{ready.pk}"]')).to_be_visible()
    page.wait_for_load_state("load")
    # The page reloads after a move: the column's count now includes the deal.
    expect(page.locator(f'[data-stage="{second}"]').locator("xpath=..").locator("[data-count]")).to_have_text("1")
    assert Opportunity.objects.get(pk=ready.pk).stage_id == second
    page.goto(f"{page.base_url}/opportunities/{ready.pk}/")
    expect(page.locator("#timeline")).to_contain_text("方案")
