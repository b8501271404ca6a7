"""What the customer sees through a quote's private link: an allow-list (the JSON, the page, the
PDF and the answers), never the cost, margin, approval reason or approvals; and the links mailed
to the customer are built on LTC_BASE_URL, not on the address of the request that sent them."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import formats
from pypdf import PdfReader

from ltc.catalog.tests.factories import Catalog
from ltc.org.models import CompanyProfile
from ltc.quotes import services
from ltc.quotes.models import Quote, QuoteVersion
from ltc.quotes.tests.factories import make_quote, standard_matrix

pytestmark = pytest.mark.django_db

BASE = "https://ltc.example.com"
MANAGER_COMMENT = "内部意见：成本偏高但同意上报"
BOSS_COMMENT = "批准，毛利勉强可接受"
# Names and keys of what stays inside the company.
INTERNAL_KEYS = (
    "cost",
    "margin",
    "approval",
    "approver",
    "comment",
    "list_price",
    "price_source",
    "price_book",
    "sent_to",
    "answer_address",
    "answer_note",
    "answer_channel",
    "recorded_by",
    "created_by",
    "opportunity",
)


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _sent(world: Any, catalog: Catalog) -> tuple[Quote, str]:
    """A quote whose version has a cost, a margin, an approval reason and two approvals with
    comments, sent to the customer; returns the quote and the link's token."""
    standard_matrix(world)
    for user, name in ((world.owner, "销售张三"), (world.manager, "经理李审批"), (world.boss, "总监王审批")):
        user.display_name = name
        user.save(update_fields=["display_name"])
    CompanyProfile.objects.update_or_create(pk=1, defaults={"name": "示例科技有限公司", "phone": "021-5555 0100"})
    quote = make_quote(world, catalog)
    services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line(licences="21")], "document_discount_pct": "15", "notes": "含首年维保"},
    )
    quote.refresh_from_db()
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    services.quote_approve(actor=world.manager, quote=quote, comment=MANAGER_COMMENT)
    services.quote_approve(actor=world.boss, quote=quote, comment=BOSS_COMMENT)
    quote.refresh_from_db()
    link = services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn")
    quote.refresh_from_db()
    return quote, link.rstrip("/").rsplit("/", 1)[1]


def _secrets(version: QuoteVersion) -> list[str]:
    """The internal values of a version, as they could be printed in JSON, HTML or a PDF."""
    assert version.cost_total > 0
    assert version.margin_pct is not None
    assert "authority" in version.approval_reason
    values = [version.approval_reason, MANAGER_COMMENT, BOSS_COMMENT, "经理李审批", "总监王审批"]
    for amount in [version.cost_total, *(line.cost_amount for line in version.lines.all() if line.cost_amount)]:
        values += [str(amount), formats.number_format(amount, 2, force_grouping=True)]
    values += [str(version.margin_pct), f"{version.margin_pct:.1f}%"]
    return values


def _assert_hidden(text: str, version: QuoteVersion, *, keys: bool = True) -> None:
    for value in _secrets(version):
        assert value not in text, f"{value!r} is shown to the customer"
    if keys:
        for key in INTERNAL_KEYS:
            assert f'"{key}' not in text, f"{key!r} is shown to the customer"
            assert f"_{key}" not in text, f"{key!r} is shown to the customer"


def _keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def test_the_public_json_is_the_customer_allow_list(world: Any, catalog: Catalog, api_as: Any) -> None:
    quote, token = _sent(world, catalog)
    version = quote.current
    answer = api_as(None).get(f"/public/quotes/{token}")
    assert answer.status_code == 200
    _assert_hidden(answer.content.decode(), version)
    body = answer.json()
    assert set(body) == {"number", "title", "customer", "contact", "version", "can_answer"}
    assert body["contact"] == {"name": "销售张三", "email": world.owner.email, "phone": "021-5555 0100"}
    assert (body["number"], body["customer"], body["can_answer"]) == (quote.number, "锦程智能制造有限公司", True)
    assert set(body["version"]) == {
        "number",
        "status",
        "currency",
        "quote_date",
        "valid_until",
        "expired",
        "document_discount_pct",
        "delivery_terms",
        "notes",
        "base_total",
        "net_total",
        "tax_total",
        "grand_total",
        "answered_at",
        "answer_name",
        "answer_title",
        "lines",
        "terms",
    }
    assert body["version"]["grand_total"] == str(version.grand_total)
    assert body["version"]["notes"] == "含首年维保"
    line = body["version"]["lines"][0]
    assert set(line) == {
        "position",
        "code",
        "name",
        "unit",
        "quantity",
        "unit_price",
        "discount_pct",
        "base_amount",
        "net_amount",
        "tax_rate",
        "tax_amount",
        "total",
        "components",
    }
    assert [c["code"] for c in line["components"]] == ["SRV-01", "MES-LIC"]
    assert set(line["components"][0]) == set(line)
    assert _keys(body) & set(INTERNAL_KEYS) == set()


def test_the_answers_show_the_allow_list_too(world: Any, catalog: Catalog, api_as: Any) -> None:
    quote, token = _sent(world, catalog)
    customer = api_as(None)
    declined = customer.post(f"/public/quotes/{token}/decline", {"name": "李采购", "note": "预算不足"})
    assert declined.status_code == 200
    assert declined.json()["version"]["status"] == "declined"
    assert declined.json()["version"]["answer_name"] == "李采购"
    _assert_hidden(declined.content.decode(), quote.current)
    assert "预算不足" not in declined.content.decode()  # the customer's note is kept for the sales team
    refused = customer.post(f"/public/quotes/{token}/accept", {"name": "李采购"})
    assert refused.status_code == 422
    _assert_hidden(refused.content.decode(), quote.current)
    assert QuoteVersion.objects.get(pk=quote.current_id).status == "declined"


def test_accepting_answers_the_allow_list(world: Any, catalog: Catalog, api_as: Any) -> None:
    quote, token = _sent(world, catalog)
    accepted = api_as(None).post(f"/public/quotes/{token}/accept", {"name": "李采购", "title": "采购经理"})
    assert accepted.status_code == 200
    assert (accepted.json()["version"]["status"], accepted.json()["can_answer"]) == ("accepted", False)
    _assert_hidden(accepted.content.decode(), quote.current)


def test_the_public_page_and_pdf_hide_internal_figures(world: Any, catalog: Catalog, web_as: Any) -> None:
    quote, token = _sent(world, catalog)
    version = quote.current
    customer = web_as(None)
    page = customer.get(f"/q/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert quote.number in html
    assert "销售张三" in html  # the contact is the quote's author
    _assert_hidden(html, version, keys=False)
    refused = customer.post(f"/q/{token}/", {"name": "李采购"})
    assert refused.status_code == 422
    _assert_hidden(refused.content.decode(), version, keys=False)
    pdf = customer.get(f"/q/{token}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert quote.number in text
    _assert_hidden(text, version, keys=False)
    for word in ("cost", "margin", "approv"):
        assert word not in text.lower()
    answered = customer.post(f"/q/{token}/", {"name": "李采购", "answer": "accept"})
    assert answered.status_code == 302
    after = customer.get(f"/q/{token}/").content.decode()
    assert "Accepted by 李采购" in after
    _assert_hidden(after, version, keys=False)


def test_the_openapi_names_the_public_schemas(client: Any) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("PublicQuoteOut", "PublicVersionOut", "PublicLineOut", "PublicTermOut", "PublicContactOut"):
        assert name in schemas
    public = json.dumps({k: v for k, v in schemas.items() if k.startswith("Public")})
    for key in INTERNAL_KEYS:
        assert f'"{key}' not in public
        assert f"_{key}" not in public
    send = schemas["QuoteSendOut"] if "QuoteSendOut" in schemas else schemas["SendOut"]
    assert {"link", "api_link"} <= set(send["required"])
    assert "/api/v1/public/quotes/" in send["properties"]["api_link"]["description"]


@override_settings(LTC_BASE_URL=BASE)
def test_sending_mails_links_on_the_configured_address(
    world: Any, catalog: Catalog, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    quote, _token = _sent(world, catalog)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = api_as(world.owner).post(f"/quotes/{quote.pk}/send", {"to": "buyer@jincheng.cn"})
    assert sent.status_code == 200, sent.json()
    link, api_link = sent.json()["link"], sent.json()["api_link"]
    token = link.removeprefix(f"{BASE}/q/").removesuffix("/")
    assert link == f"{BASE}/q/{token}/"
    assert api_link == f"{BASE}/api/v1/public/quotes/{token}"
    assert link in mail.outbox[-1].body
    assert "testserver" not in mail.outbox[-1].body  # the request's host is not the site's address
    seen = api_as(None).get(api_link.removeprefix(f"{BASE}/api/v1"))
    assert seen.json()["number"] == quote.number
    assert Decimal(seen.json()["version"]["grand_total"]) == quote.current.grand_total


@override_settings(LTC_BASE_URL=BASE, ALLOWED_HOSTS=["intranet.local"])
def test_sending_from_the_page_mails_the_configured_address(
    world: Any, catalog: Catalog, web_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    quote, _token = _sent(world, catalog)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = web_as(world.owner).post(
            f"/quotes/{quote.pk}/send/", {"to": "buyer@jincheng.cn"}, headers={"host": "intranet.local"}
        )
    assert answer.status_code == 302
    to_buyer = [m for m in mail.outbox if m.to == ["buyer@jincheng.cn"]][-1]  # the approvers' notices go too
    assert f"{BASE}/q/" in to_buyer.body
    assert "intranet.local" not in to_buyer.body
