"""Browser journey (headless Chromium): a rep edits a quote line and the document discount and
watches the totals box follow — the amounts from the server, then the approval the discount
now needs — before saving anything."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.catalog.tests.factories import Catalog
from ltc.core.tests.browser import sign_in
from ltc.quotes import services
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote, standard_matrix

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_editing_a_line_updates_totals_and_the_approval_threshold(world: Any, page: Any) -> None:
    catalog = Catalog()
    standard_matrix(world)  # AR 5%, manager 10%, boss 25%
    quote = make_quote(world, catalog)
    services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [{"product_id": catalog.server.pk, "quantity": "1"}]},
    )

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/quotes/{quote.pk}/edit/")
    box = page.locator("#quote-totals")
    expect(box.locator("#totals-total")).to_have_text("56,500.00 CNY")  # 50,000 + 13% VAT
    expect(box.locator("#totals-approval")).to_contain_text("Within your authority")

    page.fill("input[name='line-0-quantity']", "2")
    expect(page.locator("#totals-total")).to_have_text("113,000.00 CNY")
    expect(page.locator("#totals-margin")).to_contain_text("40,000.00")

    page.fill("#id_document_discount_pct", "8")
    expect(page.locator("#totals-discount")).to_contain_text("8,000.00")
    expect(page.locator("#totals-total")).to_have_text("103,960.00 CNY")
    expect(page.locator("#totals-approval")).to_contain_text(f"Needs approval by {world.manager}.")
    expect(page.locator("#totals-threshold")).to_contain_text("discounts up to 5%")

    page.fill("#id_document_discount_pct", "20")
    expect(page.locator("#totals-route")).to_contain_text(f"Level 2: {world.boss}")

    stored = Quote.objects.get(pk=quote.pk).current
    assert stored is not None
    assert str(stored.grand_total) == "56500.00"  # nothing saved until Save
