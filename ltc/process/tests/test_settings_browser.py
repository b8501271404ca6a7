"""Browser journey (headless Chromium): an administrator creates a payment-term template in the
process centre, opens a draft quote, applies the template and sees the milestones filled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.catalog.tests.factories import Catalog
from ltc.core.models import NumberFormat
from ltc.core.tests.browser import sign_in
from ltc.org.models import CompanyProfile, User
from ltc.quotes import services
from ltc.quotes.models import PaymentTermTemplate
from ltc.quotes.tests.factories import make_quote

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_administrator_creates_a_template_and_applies_it_to_a_draft_quote(
    world: Any, page: Any, tmp_path: Path
) -> None:
    catalog = Catalog()
    quote = make_quote(world, catalog)
    services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )

    sign_in(page, "admin")
    page.goto(f"{page.base_url}/process/settings/terms/")
    page.fill("#id_name", "三段式 30/60/10")
    for index, (label, percent, trigger, days) in enumerate(
        [("签约", "30", "signing", "15"), ("验收", "60", "acceptance", "30"), ("质保", "10", "warranty", "365")]
    ):
        if index == 2:  # the new form has two empty rows: save, then add the third on the template's page
            break
        page.fill(f"input[name=line-{index}-label]", label)
        page.fill(f"input[name=line-{index}-percent]", percent)
        page.select_option(f"select[name=line-{index}-trigger]", trigger)
        page.fill(f"input[name=line-{index}-days]", days)
    page.click("#term-template-form button[type=submit]")
    expect(page.get_by_text("The payment milestones add up to 90%, not 100%.")).to_be_visible()
    assert not PaymentTermTemplate.objects.exists()
    page.fill("input[name=line-2-label]", "质保")
    page.fill("input[name=line-2-percent]", "10")
    page.select_option("select[name=line-2-trigger]", "warranty")
    page.fill("input[name=line-2-days]", "365")
    page.click("#term-template-form button[type=submit]")
    expect(page.get_by_text("Payment-term template 三段式 30/60/10 saved.")).to_be_visible()
    template = PaymentTermTemplate.objects.get()
    assert template.summary == "签约 30% signing +15; 验收 60% acceptance +30; 质保 10% warranty +365"

    page.goto(f"{page.base_url}/quotes/{quote.pk}/edit/")
    page.select_option("#term_template", str(template.pk))
    page.click("#apply-template")
    expect(page.get_by_text("Payment terms filled from the template 三段式 30/60/10.")).to_be_visible()
    expect(page.locator("input[name=term-0-label]")).to_have_value("签约")
    expect(page.locator("input[name=term-1-percent]")).to_have_value("60.00")
    expect(page.locator("input[name=term-2-days]")).to_have_value("365")
    expect(page.locator("select[name=term-2-trigger]")).to_have_value("warranty")
    page.screenshot(path=str(tmp_path / "applied.png"), full_page=True)
    quote.refresh_from_db()
    assert quote.current is not None
    assert [(t.label, t.amount) for t in quote.current.terms.all()] == [
        ("签约", quote.current.grand_total * 3 / 10),
        ("验收", quote.current.grand_total * 6 / 10),
        ("质保", quote.current.grand_total / 10),
    ]


@pytest.mark.django_db(transaction=True)
def test_an_administrator_changes_a_number_format_and_the_company_profile(
    world: Any, page: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    User.objects.filter(pk=world.admin.pk).update(language="zh-hans")
    sign_in(page, "admin")
    page.goto(f"{page.base_url}/process/settings/numbers/")
    page.click("a[href='/process/settings/numbers/contract/']")
    page.fill("#id_prefix", "ht")
    page.select_option("#id_year_digits", "2")
    page.select_option("#id_separator", "/")
    page.fill("#id_width", "4")
    page.click("#number-format-form button[type=submit]")
    expect(page.locator("#number-formats")).to_contain_text("HT")
    page.screenshot(path=str(tmp_path / "numbers.png"), full_page=True)
    record = NumberFormat.objects.get(series="contract")
    assert (record.prefix, record.year_digits, record.separator, record.width) == ("HT", 2, "/", 4)

    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    page.goto(f"{page.base_url}/process/settings/company/")
    page.fill("#id_name", "上海数智工场科技有限公司")
    page.fill("#id_tax_id", "91310115MA1K4ABC2X")
    page.set_input_files("#id_logo", str(logo))
    page.click("#company-profile-form button[type=submit]")
    expect(page.locator("#logo-name")).to_have_text("logo.png")
    page.screenshot(path=str(tmp_path / "company.png"), full_page=True)
    assert CompanyProfile.objects.get().tax_id == "91310115MA1K4ABC2X"
