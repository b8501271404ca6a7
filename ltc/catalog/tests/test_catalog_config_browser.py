"""Browser journey (headless Chromium): an administrator adds a volume price to a price-book entry
(a price above the tier before it is refused on the page first), and a rep's new quote line for
that product, in that quantity, picks the volume price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.catalog import services
from ltc.catalog.models import PriceBookEntry, PriceTier
from ltc.catalog.tests.factories import Catalog
from ltc.core.tests.browser import sign_in
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.quotes.models import Quote

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_admin_adds_a_volume_price_and_a_quote_line_picks_it(world: Any, page: Any) -> None:
    catalog = Catalog()
    deal = make_opportunity(world, make_pipeline(), name="锦程边缘计算项目")

    sign_in(page, "admin")
    page.goto(f"{page.base_url}/catalog/price-books/{catalog.book.pk}/")
    server = page.locator("tr[data-entry='SRV-01'] form[action$='/tiers/']")
    server.locator("input[name$='-min_quantity']").fill("5")
    server.locator("input[name$='-unit_price']").fill("50000")
    server.get_by_role("button", name="Add volume price").click()
    expect(page.get_by_text("From 5 units the price 50,000 must be below 50,000.")).to_be_visible()
    assert not PriceTier.objects.filter(entry__product=catalog.server).exists()
    server = page.locator("tr[data-entry='SRV-01'] form[action$='/tiers/']")
    server.locator("input[name$='-min_quantity']").fill("5")
    server.locator("input[name$='-unit_price']").fill("45000")
    server.get_by_role("button", name="Add volume price").click()
    expect(page.get_by_text("Volume price added.")).to_be_visible()
    expect(page.locator("tr[data-entry='SRV-01']")).to_contain_text("≥ 5: 45,000.00")
    expect(page.locator("#timeline")).to_contain_text("SRV-01 ≥ 5")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    page.click("#new-quote")
    page.click("button[type=submit]:has-text('Open the quote')")
    expect(page.locator("#quote-editor")).to_be_visible()
    page.select_option("#new_product", label="SRV-01 边缘服务器")
    page.fill("#new_quantity", "6")
    page.click("#add-product")
    row = page.locator("tr", has_text="SRV-01").first
    expect(row).to_contain_text("45,000.00")
    expect(row).to_contain_text("Volume price")

    line = Quote.objects.get(opportunity=deal).current.lines.get(code="SRV-01")
    assert (line.quantity, line.list_price, line.unit_price, line.price_source) == (
        Decimal(6),
        Decimal(50000),
        Decimal(45000),
        "tier",
    )


@pytest.mark.django_db(transaction=True)
def test_an_admin_changes_a_price_and_a_stale_page_is_told_to_reload(world: Any, page: Any) -> None:
    """The price book page's "Change price" form: a change made meanwhile by someone else is
    refused on the form (nothing saved), and after a reload the change goes through."""
    catalog = Catalog()
    sign_in(page, "admin")
    page.goto(f"{page.base_url}/catalog/price-books/{catalog.book.pk}/")
    services.price_book_entry_set(  # someone else, after the page was read
        actor=world.admin, book=catalog.book, product=catalog.ai, unit_price=Decimal(81000), expected_version=1
    )
    change = f"form[action$='/entries/{catalog.server.pk}/']"
    server = page.locator("tr[data-entry='SRV-01']")
    server.get_by_text("Change price").click()
    server.locator(change).locator("input[name$='-unit_price']").fill("52000")
    server.locator(change).get_by_role("button", name="Save").click()
    expect(page.get_by_text("changed by someone else")).to_be_visible()
    assert PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.server).unit_price == Decimal(50000)

    page.goto(f"{page.base_url}/catalog/price-books/{catalog.book.pk}/")
    server = page.locator("tr[data-entry='SRV-01']")
    server.get_by_text("Change price").click()
    form = server.locator(change)
    form.locator("input[name$='-unit_price']").fill("52000")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Price saved.")).to_be_visible()
    expect(page.locator("tr[data-entry='SRV-01'] td.text-end").first).to_contain_text("52,000.00")
    expect(page.locator("#timeline")).to_contain_text("52,000")
    assert PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.server).unit_price == Decimal(52000)
