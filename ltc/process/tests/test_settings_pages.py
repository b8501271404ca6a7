"""The process centre's settings pages: payment-term templates, numbering formats and the
company profile. Everyone signed in reads; administrators change; nobody else gets a form."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.core.models import NumberFormat
from ltc.org.models import CompanyProfile, User
from ltc.quotes.models import PaymentTermTemplate
from ltc.quotes.services import terms

pytestmark = pytest.mark.django_db

LINES = {
    "line-0-label": "签约",
    "line-0-percent": "30",
    "line-0-trigger": "signing",
    "line-0-days": "15",
    "line-1-label": "验收",
    "line-1-percent": "70",
    "line-1-trigger": "acceptance",
    "line-1-days": "30",
}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "/process/settings/terms/",
        "/process/settings/numbers/",
        "/process/settings/numbers/quote/",
        "/process/settings/company/",
    ],
)
def test_a_reader_sees_the_settings_without_a_form_and_may_not_post(world: Any, web_as: Any, url: str) -> None:
    page = web_as(world.owner)
    response = page.get(url)
    assert response.status_code == 200
    assert 'method="post"' not in response.content.decode().split('id="timeline"')[0].split("</header>")[-1]
    refused = 405 if url == "/process/settings/numbers/" else 403  # the list has no form at all
    assert page.post(url, {"name": "x", "prefix": "X"}).status_code == refused
    assert not PaymentTermTemplate.objects.exists()
    assert NumberFormat.objects.filter(version__gt=1).count() == 0


def test_an_administrator_creates_and_edits_a_template_on_the_page(world: Any, web_as: Any) -> None:
    page = web_as(world.admin)
    refused = page.post("/process/settings/terms/", {"name": "半数", "active": "on", **LINES, "line-1-percent": "20"})
    assert refused.status_code == 422
    assert "The payment milestones add up to 50%, not 100%." in refused.content.decode()
    assert not PaymentTermTemplate.objects.exists()
    created = page.post("/process/settings/terms/", {"name": "30/70", "active": "on", **LINES})
    template = PaymentTermTemplate.objects.get()
    assert (created.status_code, created["Location"]) == (302, f"/process/settings/terms/{template.pk}/")
    assert template.summary == "签约 30% signing +15; 验收 70% acceptance +30"
    edited = page.post(
        f"/process/settings/terms/{template.pk}/",
        {"name": "30/70", "version": "1", **LINES, "line-1-label": "", "line-1-percent": "", "line-0-percent": "100"},
    )
    assert edited.status_code == 302
    template.refresh_from_db()
    assert (template.active, template.summary, template.version) == (False, "签约 100% signing +15", 2)
    stale = page.post(f"/process/settings/terms/{template.pk}/", {"name": "旧", "version": "1", **LINES})
    assert stale.status_code == 422
    template.refresh_from_db()
    assert (template.name, template.version) == ("30/70", 2)
    detail = page.get(f"/process/settings/terms/{template.pk}/").content.decode()
    assert "签约 30% signing +15; 验收 70% acceptance +30" in detail  # the timeline's diff


def test_an_administrator_changes_a_number_format_on_the_page(world: Any, web_as: Any) -> None:
    page = web_as(world.admin)
    assert page.get("/process/settings/numbers/nothing/").status_code == 404
    refused = page.post(
        "/process/settings/numbers/credit_note/",
        {"prefix": "INV", "year_digits": "4", "separator": "-", "width": "6", "version": "1"},
    )
    assert refused.status_code == 422
    assert "choose a prefix that neither starts" in refused.content.decode()
    saved = page.post(
        "/process/settings/numbers/quote/",
        {"prefix": "BJ", "year_digits": "2", "separator": "/", "width": "4", "version": "1"},
    )
    assert (saved.status_code, saved["Location"]) == (302, "/process/settings/numbers/")
    record = NumberFormat.objects.get(series="quote")
    assert (record.prefix, record.year_digits, record.separator, record.width, record.version) == ("BJ", 2, "/", 4, 2)
    assert NumberFormat.objects.get(series="credit_note").prefix == "CN"
    listing = page.get("/process/settings/numbers/").content.decode()
    assert "<code>BJ" in listing
    assert "/0001</code>" in listing


def test_an_administrator_changes_the_company_profile_and_logo_on_the_page(world: Any, web_as: Any) -> None:
    page = web_as(world.admin)
    assert page.get("/process/settings/company/").status_code == 200
    bad = page.post(
        "/process/settings/company/",
        {"name": "示例科技", "version": "1", "logo": SimpleUploadedFile("logo.png", b"GIF89a....")},
    )
    assert bad.status_code == 422
    assert "Upload a PNG or JPEG image." in bad.content.decode()
    assert CompanyProfile.objects.get().version == 1
    saved = page.post(
        "/process/settings/company/",
        {"name": "示例科技", "version": "1", "logo": SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n1234")},
    )
    assert saved.status_code == 302
    record = CompanyProfile.objects.get()
    assert (record.name, record.version, record.logo.name.endswith(".png")) == ("示例科技", 2, True)


def test_the_pages_read_in_chinese(world: Any, web_as: Any) -> None:
    terms.term_template_create(
        actor=world.admin,
        data={"name": "货到付款", "lines": [{"label": "发货", "percent": "100", "trigger": "delivery"}]},
    )
    User.objects.filter(pk=world.admin.pk).update(language="zh-hans")
    world.admin.refresh_from_db()
    page = web_as(world.admin)
    body = page.get("/process/settings/terms/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "付款条件模板" in body
    assert "在报价中提供" in body
    assert "已启用" in body
    numbers = page.get("/process/settings/numbers/").content.decode()
    assert "编号格式" in numbers
    assert "报价" in numbers
    assert "下一个编号" in numbers
    company = page.get("/process/settings/company/").content.decode()
    assert "公司信息" in company
    assert "纳税人识别号（统一社会信用代码）" in company
