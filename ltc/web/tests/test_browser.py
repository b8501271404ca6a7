"""Browser journey in headless Chromium (Debian's package), driven by Playwright."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.customers.models import Account
from ltc.customers.tests.factories import VALID_CREDIT_CODE

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_sign_in_switch_to_chinese_create_an_account_with_a_typo_fix_it_and_find_it(world: Any, page: Any) -> None:
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    expect(page.locator("text=My accounts, recently changed")).to_be_visible()

    with page.expect_navigation():
        page.select_option("#language-form select", "zh-hans")
    expect(page.locator("text=我的客户（最近修改）")).to_be_visible()

    page.click('.nav-link-title:text-is("客户")')
    page.click("text=新建客户")
    page.fill("#id_name", "杭州云帆数据科技有限公司")
    page.fill("#id_credit_code", VALID_CREDIT_CODE[:-1] + "4")
    page.select_option("#id_region", "east")
    page.click("#account-form button[type=submit]")
    error = page.locator(".invalid-feedback", has_text="校验位不正确")
    expect(error).to_be_visible()
    assert not Account.objects.filter(name="杭州云帆数据科技有限公司").exists()

    page.fill("#id_credit_code", VALID_CREDIT_CODE)
    page.click("#account-form button[type=submit]")
    page.wait_for_url(f"{base}/customers/accounts/*/")
    expect(page.locator("h2.page-title", has_text="杭州云帆数据科技有限公司")).to_be_visible()
    expect(page.locator(".timeline", has_text="创建")).to_be_visible()

    page.fill("#global-search", "云帆")
    page.press("#global-search", "Enter")
    page.wait_for_url(f"{base}/search/*")
    result = page.locator("a.search-result", has_text="杭州云帆数据科技有限公司")
    expect(result).to_be_visible()
    result.click()
    expect(page.locator("dd", has_text=VALID_CREDIT_CODE)).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_list_filters_update_the_results_in_place(world: Any, page: Any) -> None:
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "owner@example.com")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.goto(f"{base}/customers/accounts/")
    page.select_option("#id_region", "north")
    page.wait_for_url("**region=north**")
    expect(page.locator("#results", has_text="No accounts match.")).to_be_visible()
    page.select_option("#id_region", "east")
    page.wait_for_url("**region=east**")
    expect(page.locator("#results a", has_text=world.account.name)).to_be_visible()
