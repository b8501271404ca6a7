"""Amounts in 万 / 亿: a reader's display preference. Pages honour it; printed documents, exports,
forms and the API keep exact amounts."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation
from pypdf import PdfReader

from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts
from ltc.contracts.tests.factories import contract_team, signed_contract
from ltc.core.templatetags.numbers import amounts_in_wan, in_wan, money
from ltc.opportunities.tests.factories import make_opportunity


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0", None),
        ("9999.99", None),
        ("-9999.99", None),
        ("9999.995", "1万"),  # rounded to the cent first: 10,000.00
        ("10000", "1万"),
        ("-10000", "-1万"),
        ("12345.67", "1.23万"),
        ("12350", "1.24万"),  # half up
        ("15000", "1.5万"),
        ("1234567.80", "123.46万"),
        ("-1234567.8", "-123.46万"),
        ("99994999.99", "9,999.5万"),
        ("99995000", "9,999.5万"),
        ("99999949.99", "9,999.99万"),
        ("99999950", "1亿"),  # 9,999.995万 rounds to 10,000万: that is 1亿
        ("99999999.99", "1亿"),
        ("100000000", "1亿"),
        ("-250000000", "-2.5亿"),
        ("123456789012.34", "1,234.57亿"),
    ],
)
def test_large_amounts_read_in_wan_or_yi(value: str, shown: str | None) -> None:
    with translation.override("en"):
        assert in_wan(Decimal(value)) == shown


def _render(source: str, value: Any) -> str:
    return Template("{% load numbers %}" + source).render(Context({"v": value}))


def test_the_money_filter_shows_wan_with_the_exact_amount_as_title_only_when_asked() -> None:
    with translation.override("en"):
        assert _render("{{ v|money }}", Decimal("1234567.8")) == "1,234,567.80"
        with amounts_in_wan(True):
            assert _render("{{ v|money }}", Decimal("1234567.8")) == (
                '<span class="amount-short" title="1,234,567.80">123.46万</span>'
            )
            assert _render("{{ v|money }}", Decimal("9999.99")) == "9,999.99"
            assert _render("{{ v|money }}", None) == ""
            assert _render("{{ v|money|default:'—' }}", None) == "—"
            assert _render("{{ v|money_exact }}", Decimal("1234567.8")) == "1,234,567.80"
            both = "{% exact_amounts %}{{ v|money }}{% end_exact_amounts %}{{ v|money }}"
            assert _render(both, Decimal("20000")) == '20,000.00<span class="amount-short" title="20,000.00">2万</span>'
            # what services write (timeline notes, messages) stays exact
            assert money(Decimal("1234567.8")) == "1,234,567.80"
        assert _render("{{ v|money }}", Decimal("1234567.8")) == "1,234,567.80"


@pytest.mark.django_db
def test_the_profile_switches_the_preference_on_and_off(world: Any, web_as: Any) -> None:
    client = web_as(world.owner)
    page = client.get("/profile/")
    assert b'id="amounts-in-wan"' in page.content
    assert client.post("/profile/display/", {"amounts_in_wan": "on"}).status_code == 302
    world.owner.refresh_from_db()
    assert world.owner.amounts_in_wan is True
    assert b'id="amounts-in-wan" checked' in client.get("/profile/").content
    client.post("/profile/display/", {})
    world.owner.refresh_from_db()
    assert world.owner.amounts_in_wan is False
    world.teammate.refresh_from_db()
    assert world.teammate.amounts_in_wan is False


@pytest.mark.django_db
def test_pages_show_wan_but_exports_and_the_api_stay_exact(world: Any, web_as: Any, api_as: Any) -> None:
    deal = make_opportunity(world, amount=Decimal("1234567.80"))
    world.owner.amounts_in_wan = True
    world.owner.save(update_fields=["amounts_in_wan"])
    client = web_as(world.owner)
    listed = client.get("/opportunities/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'title="1,234,567.80">123.46万</span>' in listed
    detail = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert "123.46万" in detail
    exported = client.get("/opportunities/?export=csv")
    csv_text = b"".join(exported.streaming_content).decode() if exported.streaming else exported.content.decode()
    assert "1234567.80" in csv_text
    assert "万" not in csv_text
    answer = api_as(world.owner).get(f"/opportunities/{deal.pk}")
    assert answer.status_code == 200
    assert Decimal(str(answer.json()["amount"])) == Decimal("1234567.80")
    # a reader who did not ask sees the exact amount
    assert "123.46万" not in web_as(world.teammate).get("/opportunities/").content.decode()


@pytest.mark.django_db
def test_the_invoice_pdf_stays_exact_for_a_reader_who_reads_wan(world: Any, web_as: Any) -> None:
    contract = signed_contract(world, contract_team(world))
    issue_drafts(contract, world.finance)
    invoice = Invoice.objects.filter(contract=contract).exclude(number="").order_by("-total").first()
    assert invoice is not None
    assert invoice.total >= Decimal(10_000)
    world.finance.amounts_in_wan = True
    world.finance.save(update_fields=["amounts_in_wan"])
    client = web_as(world.finance)
    with translation.override("zh-hans"):
        exact = money(invoice.total)
    assert f'title="{exact}"' in client.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    response = client.get(f"/billing/invoices/{invoice.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert exact in text.replace(" ", "")
    assert re.search(r"\d\s*[万亿]", text) is None  # 大写金额 (叁万…) is words, not a shortened amount
