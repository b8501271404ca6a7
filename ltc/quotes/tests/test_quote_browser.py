"""Browser journey (headless Chromium): a rep builds a configured quote with a bundle, a manager
agrees and escalates the discount, the head of sales approves, the rep sends it, and the customer
accepts it through the link in Chinese; the deal stays behind its gates and the PDF opens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from ltc.catalog.tests.factories import Catalog
from ltc.core.tests.browser import sign_in
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import standard_matrix

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_configure_approve_send_and_accept_a_quote(world: Any, page: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Catalog()
    standard_matrix(world)
    pipeline = make_pipeline()
    pipeline.quote_accepted_stage = pipeline.stages.get(name="签约")
    pipeline.save(update_fields=["quote_accepted_stage"])
    deal = make_opportunity(world, pipeline, name="锦程 MES 项目")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    page.click("#new-quote")
    page.click("button[type=submit]:has-text('Open the quote')")
    expect(page.locator("#quote-editor")).to_be_visible()
    # A bundle with its required components, then the AI module inside it: its rule refuses.
    page.select_option("#new_bundle", label="MES-SUITE 智能工厂 MES 套件")
    page.click("#add-bundle")
    expect(page.get_by_role("cell", name="└ MES 用户许可 MES-LIC")).to_be_visible()
    page.select_option("#new_product", label="AI-QC AI 质检模块")
    page.select_option("#new_into", label="智能工厂 MES 套件")
    page.click("#add-product")
    expect(page.get_by_text("Rule broken: AI 质检模块 requires 数据平台.")).to_be_visible()
    page.locator("input[name$='-remove']").last.check()  # drop the AI module again
    page.fill("#id_document_discount_pct", "15")
    page.click("#save-quote")
    expect(page.locator("#quote-discount")).to_contain_text("15%")
    page.click("#submit-quote")
    expect(page.locator("#approval-steps")).to_contain_text("Manager")

    sign_in(page, "manager")
    quote = Quote.objects.get(opportunity=deal)
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    page.fill("textarea[name=comment]", "同意，超出我的授权，上报")
    page.click("#approve-quote")
    expect(page.locator("#approval-steps")).to_contain_text("Boss")

    sign_in(page, "boss")
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    page.click("#approve-quote")
    expect(page.locator(".card-title .badge").first).to_have_text("Approved")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    page.fill("#id_to", "buyer@jincheng.cn")
    page.click("#send-quote")
    expect(page.locator(".card-title .badge").first).to_have_text("Sent")
    link = re.search(r"http://\S+/q/\S+/", mail.outbox[-1].body).group(0)

    page.context.clear_cookies()
    page.goto(link)
    page.click("button[value='zh-hans']")
    expect(page.locator("#accept-quote")).to_have_text("接受此报价")
    page.click("#accept-quote")  # without a name: refused on the field
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.fill("#id_name", "李采购")
    page.click("#accept-quote")
    expect(page.locator("#answer-done")).to_contain_text("李采购")
    deal.refresh_from_db()
    assert deal.stage.name == "确认"  # its checklist is not done: the gate holds, the AR has a task
    assert deal.amount == quote.current.grand_total
    with page.expect_download() as download:
        page.click("a[href$='/pdf/']")
    assert download.value.suggested_filename == f"{quote.number}-v1.pdf"
