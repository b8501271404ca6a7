"""Browser journey: tabs on long record pages, and a timeline filtered and folded through htmx."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.contracts.tests.factories import contract_team, executing_contract
from ltc.core import timeline
from ltc.core.tests.browser import sign_in
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERYTHING = "document.querySelectorAll('[data-tab-pane]').forEach(p => p.hidden = false)"
HEIGHT = "document.documentElement.scrollHeight"


def _history(subject: Any, actor: Any, *, notes: int, changes: int, field: str) -> None:
    """A demo-like history: notes, then field changes (each from an older value to today's)."""
    for n in range(notes):
        timeline.note_add(actor=actor, subject=subject, text=f"跟进备注 {n}：客户关心交付周期与售后响应。")
    for n in range(changes):
        timeline.record_changes(actor=actor, subject=subject, before={field: f"旧{n}"})


def _heights(page: Any, url: str) -> tuple[int, int]:
    """The page's height as it was (every section stacked, the whole timeline) and as it is now."""
    page.goto(f"{url}?timeline_shown=100")
    page.evaluate(EVERYTHING)
    before = page.evaluate(HEIGHT)
    page.goto(url)
    return before, page.evaluate(HEIGHT)


def test_deal_tabs_follow_the_hash_and_the_timeline_filters_and_folds(world: Any, page: Any) -> None:
    deal = make_opportunity(world, make_pipeline(), name="锦程 MES 项目")
    _history(deal, world.owner, notes=14, changes=11, field="name")
    sign_in(page, "owner")
    url = f"{page.base_url}/opportunities/{deal.pk}/"
    page.goto(url)
    expect(page.locator("#checklist")).to_be_visible()  # Overview first
    expect(page.locator("#decision-chain")).to_be_hidden()

    page.get_by_role("tab", name="Team & decision chain").click()
    expect(page.locator("#decision-chain")).to_be_visible()
    expect(page.locator("#checklist")).to_be_hidden()
    assert page.url.endswith("#tab-team")
    page.reload()  # the hash keeps the tab
    expect(page.locator("#decision-chain")).to_be_visible()
    page.goto(f"{url}#documents")  # an id inside a tab opens that tab
    expect(page.locator("#documents")).to_be_visible()
    expect(page.locator("#decision-chain")).to_be_hidden()

    page.goto(url)
    page.locator("#deal-tabs").get_by_role("link", name="Timeline").click()
    assert page.url.endswith("#timeline")
    entries = page.locator("#timeline-entries > li.timeline-event")
    expect(entries).to_have_count(10)
    page.locator('[data-timeline-filter="note"]').click()
    expect(page.locator('[data-timeline-filter="note"]')).to_have_attribute("aria-current", "true")
    expect(entries).to_have_count(10)
    expect(entries.first).to_contain_text("跟进备注 13")
    expect(page.locator("#timeline-more")).to_have_text("Show 4 more")
    page.locator("#timeline-more").click()
    expect(entries).to_have_count(14)
    expect(page.locator("#timeline-more")).to_have_count(0)
    expect(page.locator("#timeline-entries")).not_to_contain_text("Changed")
    assert "timeline=note" in page.url  # the filter is in the address: a reload keeps it
    page.reload()
    expect(entries).to_have_count(14)

    before, after = _heights(page, url)
    print(f"\ndeal page height: {before}px before, {after}px after")
    assert after < before


def test_a_hash_that_is_not_valid_percent_encoding_opens_the_default_tab(world: Any, page: Any) -> None:
    deal = make_opportunity(world, make_pipeline(), name="锦程 MES 项目")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "owner")

    page.goto(f"{page.base_url}/opportunities/{deal.pk}/#%E0")  # decodeURIComponent throws on it

    expect(page.locator("#checklist")).to_be_visible()  # Overview, the default
    expect(page.locator("#decision-chain")).to_be_hidden()
    expect(page.get_by_role("tab", name="Team & decision chain")).to_have_attribute("aria-selected", "false")
    assert errors == []


def test_contract_tabs_open_on_delivery_in_execution_and_fold_the_timeline(world: Any, page: Any) -> None:
    team = contract_team(world)
    contract = executing_contract(world, team)
    _history(contract, world.owner, notes=25, changes=20, field="title")
    sign_in(page, "owner")
    url = f"{page.base_url}/contracts/{contract.pk}/"
    page.goto(url)
    expect(page.locator("#delivery-plan")).to_be_visible()  # in execution the delivery plan comes first
    expect(page.locator("#timeline")).to_be_hidden()
    page.get_by_role("tab", name="Timeline").click()
    expect(page.locator("#timeline-entries > li.timeline-event")).to_have_count(10)
    expect(page.locator("#delivery-plan")).to_be_hidden()
    page.locator('[data-timeline-filter="note"]').click()
    expect(page.locator("#timeline")).to_be_visible()  # the refreshed timeline stays in its tab
    expect(page.locator("#timeline-more")).to_have_text("Show 10 more")
    page.goto(f"{url}#milestone-1")
    expect(page.locator("#milestone-1")).to_be_visible()

    before, after = _heights(page, url)
    print(f"\ncontract page height: {before}px before, {after}px after")
    assert after < before
