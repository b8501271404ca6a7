"""The Content-Security-Policy: every page sends it, and the pages that use scripts (htmx, the
board's SortableJS, the funnel's ECharts, the API docs, the customer's quote page) work under it
in Chromium with no violation reported; the behaviours that were inline handlers still work."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.catalog.tests.factories import Catalog
from ltc.core.tests.browser import sign_in
from ltc.customers.models import Account
from ltc.quotes import services as quote_services
from ltc.quotes.tests.factories import make_quote, quote_authority

pytestmark = [pytest.mark.browser]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


def test_every_page_sends_the_policy(world: Any, web_as: Any) -> None:
    for client, path in ((web_as(world.owner), "/"), (web_as(None), "/login/")):
        policy = client.get(path)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-eval" not in policy


@pytest.mark.django_db(transaction=True)
def test_pages_work_under_the_policy_with_no_violation(world: Any, page: Any) -> None:
    catalog = Catalog()
    quote_authority("ar", discount="5")
    quote = make_quote(world, catalog)
    quote_services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )
    quote.refresh_from_db()
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    quote.refresh_from_db()
    link = quote_services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn")
    token = link.rstrip("/").rsplit("/", 1)[1]
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)

    page.goto(f"{page.base_url}/q/{token}/")
    expect(page.locator("body")).to_contain_text(quote.number)

    sign_in(page, "owner")
    for path in (
        "/",
        "/leads/",
        "/opportunities/board/",
        "/opportunities/funnel/",
        f"/opportunities/{quote.opportunity_id}/",
        f"/quotes/{quote.pk}/",
        f"/customers/accounts/{world.account.pk}/",
        "/api/v1/docs",
    ):
        page.goto(f"{page.base_url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    expect(page.locator(".opblock").first).to_be_visible()  # the API docs rendered their operations
    assert not [text for text in console if "Content Security Policy" in text]

    # What were inline handlers: a confirmation before deleting (dismissed: nothing deleted) ...
    page.goto(f"{page.base_url}/customers/accounts/{world.account.pk}/")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("form[data-confirm] button[type=submit]")
    assert asked
    assert "Delete this record" in asked[0]
    assert Account.objects.filter(pk=world.account.pk).exists()
    # ... and a select that submits its form when changed (the language switch).
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.evaluate("window.__csp") == []
