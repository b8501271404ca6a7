"""Browser journey: the top bar's search, keyboard only (shortcut, type, arrow, Enter)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.contracts.tests import factories as contract_factories
from ltc.core import search
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_find_a_contract_by_number_and_a_customer_by_pinyin_from_the_top_bar(world: Any, page: Any) -> None:
    # The services index the contract on commit; the factory's account is indexed by hand.
    contract = contract_factories.make_contract(world, contract_factories.contract_team(world))
    account = AccountFactory(owner=world.owner, name="杭州信息技术有限公司")
    search.index_records(Account, [account.pk])
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    live = page.locator("#global-search-results")
    page.keyboard.press("Control+k")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type(contract.number)
    expect(live.locator("a.search-live-item", has_text=contract.number)).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{contract.get_absolute_url()}")

    for typed in ("hzxx", "hangzhou"):
        page.locator("body").click(position={"x": 5, "y": 300})
        page.keyboard.press("/")
        expect(page.locator("#global-search")).to_be_focused()
        page.keyboard.type(typed)
        expect(live.locator("a.search-live-item", has_text="杭州信息技术有限公司")).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}{account.get_absolute_url()}")
        expect(page.locator("h2.page-title", has_text="杭州信息技术有限公司")).to_be_visible()

    page.keyboard.press("Control+k")
    page.keyboard.type("hzxx")
    expect(live).to_be_visible()
    page.keyboard.press("Escape")
    expect(live).to_be_hidden()
