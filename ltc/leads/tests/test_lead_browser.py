"""Browser journeys through the ML stage, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.customers.models import Account
from ltc.leads import services
from ltc.leads.models import AssignmentRule, Lead

pytestmark = [pytest.mark.browser]

CSV = (
    "公司名称,联系人,手机,邮箱,区域,行业\n"
    "嘉兴智造装备有限公司,钱峰,13800138001,qf@jx.cn,华东,制造\n"
    "坏数据有限公司,张三,12345,zs@x.cn,华东,制造业\n"
)


@pytest.mark.django_db(transaction=True)
def test_import_a_gbk_csv_with_a_bad_row_then_capture_from_a_web_form(world: Any, page: Any, tmp_path: Any) -> None:
    world.marketing.language = "zh-hans"
    world.marketing.save()
    sign_in(page, "marketing")
    page.goto(f"{page.base_url}/leads/imports/")
    upload = tmp_path / "线索.csv"
    upload.write_bytes(CSV.encode("gbk"))
    page.set_input_files("#id_file", str(upload))
    page.click("#import-upload button[type=submit]")
    expect(page.locator("h3", has_text="映射列")).to_be_visible()
    expect(page.locator("text=gbk/gb18030")).to_be_visible()
    page.click("button[name=values]")
    expect(page.locator("#values", has_text="制造")).to_be_visible()
    expect(page.locator("#values table select option:checked")).to_have_text("制造业")
    page.screenshot(path=str(tmp_path / "values.png"), full_page=True)
    page.click("button[name=preview]")
    expect(page.locator("#preview tr.table-danger", has_text="手机")).to_be_visible()
    page.click("button[name=start]")
    expect(page.locator("#progress", has_text="完成")).to_be_visible()
    expect(page.locator("a", has_text="被拒绝的行及原因")).to_be_visible()
    assert Lead.objects.get(company_name="嘉兴智造装备有限公司", source="import").industry == "manufacturing"

    form = services.webform_create(actor=world.marketing, name="官网咨询", source="website")
    visitor = page.context.browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{page.base_url}/leads/forms/{form.key}/")
    visitor.fill("#id_contact_name", "梁敏")
    visitor.fill("#id_company_name", "广州珠江智慧水务有限公司")
    visitor.fill("#id_email", "lm@gz.cn")
    visitor.click("button[type=submit]")
    expect(visitor.locator("#thanks")).to_be_visible()
    assert Lead.objects.get(web_form=form).contact_name == "梁敏"


@pytest.mark.django_db(transaction=True)
def test_verify_qualify_and_convert_a_lead(world: Any, page: Any) -> None:
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/leads/{world.lead.pk}/")
    with page.expect_navigation():
        page.click("#qualify-form button[type=submit]")
    expect(page.locator(".alert-danger", has_text="Contact reached")).to_be_visible()
    page.select_option("#activity-form select[name=kind]", "call")
    page.fill("#activity-form input[name=title]", "首次电话沟通")
    page.check("#activity-form input[name=done]")
    with page.expect_navigation():
        page.click("#activity-form button[type=submit]")
    expect(page.locator("#activities", has_text="首次电话沟通")).to_be_visible()
    for _ in range(2):
        with page.expect_navigation():
            page.locator("#checklist button", has_text="Confirm").first.click()
    with page.expect_navigation():
        page.click("#qualify-form button[type=submit]")
    expect(page.locator(".badge", has_text="Qualified")).to_be_visible()
    with page.expect_navigation():
        page.click("text=Convert to account and contact")
    expect(page.locator(".badge", has_text="Converted")).to_be_visible()
    account = Account.objects.get(name=world.lead.company_name)
    expect(page.locator(f"a[href='{account.get_absolute_url()}']")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_an_ar_keeps_sight_of_a_lead_routed_to_someone_else(world: Any, page: Any, tmp_path: Any) -> None:
    AssignmentRule.objects.create(name="东区", assign_user=world.teammate)
    sign_in(page, "owner")
    page.goto(f"{page.base_url}/leads/new/")
    page.fill("#id_company_name", "嘉兴智造装备有限公司")
    page.select_option("#id_owner", "")
    with page.expect_navigation():
        page.click("#lead-form button[type=submit]")
    expect(page.locator(".alert", has_text=f"Routed to {world.teammate}")).to_be_visible()
    expect(page.locator("a", has_text="Edit")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "routed.png"), full_page=True)
    page.goto(f"{page.base_url}/leads/?created_by=me")
    expect(page.locator("#results a", has_text="嘉兴智造装备有限公司")).to_be_visible()
    expect(page.locator("a", has_text="Web forms")).to_have_count(0)
