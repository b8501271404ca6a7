"""Browser journey: a manager merges a duplicate account from its page (headless Chromium)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.customers.models import Account
from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory

pytestmark = [pytest.mark.browser]


def _sign_in(page: Any, username: str) -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")


@pytest.mark.django_db(transaction=True)
def test_a_manager_merges_the_duplicate_and_its_old_page_leads_to_the_target(world: Any, page: Any) -> None:
    twin = AccountFactory(owner=world.teammate, name="锦程智能制造股份有限公司", credit_code=VALID_CREDIT_CODE)
    _sign_in(page, "manager")
    page.goto(f"{page.base_url}/customers/accounts/{world.account.pk}/")
    # the twin is not a duplicate by name key or code: the search box beside the select finds it
    page.fill("#merge input[name=lookup_source]", "股份")
    expect(page.locator(f"#id_merge_source option[value='{twin.pk}']")).to_have_count(1)
    page.select_option("#id_merge_source", str(twin.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#merge button[type=submit]")
    expect(page.locator(".alert", has_text="Accounts merged.")).to_be_visible()
    assert Account.objects.get(pk=twin.pk).merged_into_id == world.account.pk
    expect(page.locator("dd", has_text=VALID_CREDIT_CODE)).to_be_visible()

    page.goto(f"{page.base_url}/customers/accounts/{twin.pk}/")
    assert page.url == f"{page.base_url}/customers/accounts/{world.account.pk}/"
    expect(page.locator(".alert", has_text="That record was merged into")).to_be_visible()
