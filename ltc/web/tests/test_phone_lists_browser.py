"""Browser journey: on a phone (390×844) every list reads as cards — the name first and wide, the
search first with the other filters folded behind "Filters", and no sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts
from ltc.contracts.tests.factories import contract_team, signed_contract
from ltc.core.tests.browser import sign_in
from ltc.customers.tests.factories import ContactFactory

pytestmark = [pytest.mark.browser]

LISTS = (
    "/leads/",
    "/customers/accounts/",
    "/customers/contacts/",
    "/opportunities/",
    "/quotes/",
    "/contracts/",
    "/billing/",
)

# The first row's name cell: the first cell that is neither the tick box nor empty.
NAME_WIDTH = """() => {
  const row = document.querySelector("#results table.card-table tbody tr");
  const cells = [...row.querySelectorAll(":scope > td")].filter(
    (td) => !td.querySelector(".form-check-input") && td.textContent.trim() !== "");
  return {width: cells[0].getBoundingClientRect().width, text: cells[0].textContent.trim(),
          linked: cells[0].querySelector("a") !== null};
}"""


@pytest.mark.django_db(transaction=True)
def test_lists_on_a_phone_are_cards_with_the_search_first_and_the_filters_folded(world: Any, page: Any) -> None:
    contract = signed_contract(world, contract_team(world))
    issue_drafts(contract, world.finance)
    assert Invoice.objects.filter(contract=contract).exists()
    ContactFactory(account=world.account, name="王小明")
    sign_in(page, "owner")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in LISTS:
        page.goto(f"{page.base_url}{path}")
        name = page.evaluate(NAME_WIDTH)
        assert name["linked"], (path, name)
        assert name["width"] > 150, (path, name)
        filters = page.locator("form.list-filters")
        search = filters.locator("input[name=q]")
        expect(search).to_be_visible()
        folded = filters.locator("select").first
        expect(folded).to_be_hidden()
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), path
        filters.locator(".filters-toggle").click()
        expect(folded).to_be_visible()
        expect(filters.locator(".filters-toggle")).to_have_attribute("aria-expanded", "true")
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), path


@pytest.mark.django_db(transaction=True)
def test_a_wide_screen_keeps_the_table_and_every_filter(world: Any, page: Any) -> None:
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/customers/accounts/")
    expect(page.locator("#results table.card-table thead")).to_be_visible()
    expect(page.locator("form.list-filters select").first).to_be_visible()
    expect(page.locator(".filters-toggle")).to_be_hidden()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 1280, 1024])
def test_the_english_menu_fits_the_window(world: Any, page: Any, width: int) -> None:
    """English labels are longer than Chinese ones: the menu wraps, the page never scrolls sideways."""
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "admin")
    page.goto(f"{page.base_url}/inbox/")
    expect(page.locator("#nav-inbox")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    box = page.locator("#nav-inbox").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= width
