"""Quote pages: the editor keeps what was typed and shows errors on their rows; the customer's
page refuses an expired quote; documents answer in HTML and PDF."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.catalog.tests.factories import Catalog
from ltc.quotes import services
from ltc.quotes.models import Quote, QuoteVersion
from ltc.quotes.tests.factories import make_quote, standard_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _priced(world: Any, catalog: Catalog) -> Quote:
    quote = make_quote(world, catalog)
    services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )
    return Quote.objects.get(pk=quote.pk)


def _editor_post(quote: Quote, **extra: str) -> dict[str, str]:
    version = quote.current
    assert version is not None
    return {
        "version": str(quote.version),
        "title": quote.title,
        "price_book": str(version.price_book_id),
        "valid_until": version.valid_until.isoformat(),
        "document_discount_pct": "0",
        "term-0-label": "全款",
        "term-0-percent": "100",
        "term-0-trigger": "signing",
        "term-0-days": "0",
        **extra,
    }


def test_adding_a_bundle_and_an_option_through_the_editor(world: Any, catalog: Catalog, web_as: Any) -> None:
    quote = make_quote(world, catalog)
    client = web_as(world.owner)
    added = client.post(
        f"/quotes/{quote.pk}/edit/",
        _editor_post(quote, new_bundle=str(catalog.bundle.pk), new_bundle_quantity="2", then="stay"),
    )
    assert added.status_code == 302
    quote.refresh_from_db()
    codes = list(quote.current.lines.order_by("position").values_list("code", "quantity"))
    assert [(c, str(q)) for c, q in codes] == [("MES-SUITE", "2.00"), ("SRV-01", "2.00"), ("MES-LIC", "40.00")]
    # The AI module into the bundle breaks "AI requires data platform": shown on the row, not saved.
    form = _editor_post(quote, new_product=str(catalog.ai.pk), new_into="0")
    form |= {
        "line-0-product": str(catalog.bundle.pk),
        "line-0-quantity": "2",
        "line-0-discount": "0",
        "line-0-parent": "",
    }
    form |= {
        "line-1-product": str(catalog.server.pk),
        "line-1-quantity": "2",
        "line-1-discount": "0",
        "line-1-parent": "0",
    }
    form |= {
        "line-2-product": str(catalog.licence.pk),
        "line-2-quantity": "40",
        "line-2-discount": "0",
        "line-2-parent": "0",
    }
    refused = client.post(f"/quotes/{quote.pk}/edit/", form)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Rule broken: AI 质检模块 requires 数据平台." in page
    assert "AI-QC" in page  # the added option is still on screen
    assert quote.current.lines.count() == 3


def test_a_wrong_quantity_is_shown_on_its_row(world: Any, catalog: Catalog, web_as: Any) -> None:
    quote = make_quote(world, catalog)
    form = _editor_post(quote, new_product=str(catalog.service.pk), new_quantity="-3")
    answer = web_as(world.owner).post(f"/quotes/{quote.pk}/edit/", form)
    assert answer.status_code == 422
    assert "Enter a quantity above 0, with at most two decimals." in answer.content.decode()


@pytest.mark.parametrize("value", ["²", "99999999999999999999"])
def test_a_product_id_that_names_nothing_is_shown_on_its_row(
    world: Any, catalog: Catalog, web_as: Any, value: str
) -> None:
    quote = make_quote(world, catalog)
    form = _editor_post(quote, **{"line-0-product": value, "line-0-quantity": "1", "line-0-parent": ""})
    form |= {"line-²-product": value, "new_bundle": value, "term-0-days": "²"}

    answer = web_as(world.owner).post(f"/quotes/{quote.pk}/edit/", form)

    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Choose a product of the catalog." in page
    assert "Enter 0 to 3650 days." in page
    assert Quote.objects.get(pk=quote.pk).version == quote.version


def test_the_editor_refuses_a_version_that_is_not_a_draft(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog)
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    answer = web_as(world.owner).get(f"/quotes/{quote.pk}/edit/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/quotes/{quote.pk}/"


def test_documents_in_html_and_pdf(world: Any, catalog: Catalog, web_as: Any) -> None:
    quote = make_quote(world, catalog)
    client = web_as(world.owner)
    preview = client.get(f"/quotes/{quote.pk}/document/")
    assert "Quotation" in preview.content.decode()
    pdf = client.get(f"/quotes/{quote.pk}/document/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_customer_page_refuses_an_expired_quote(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog)
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    quote.refresh_from_db()
    link = services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    path = link.removeprefix("http://testserver")
    customer = web_as(None)
    assert "Accept this quote" in customer.get(path).content.decode()
    QuoteVersion.objects.filter(pk=quote.current_id).update(valid_until=timezone.localdate() - timedelta(days=1))
    page = customer.get(path).content.decode()
    assert "This quote expired on" in page
    refused = customer.post(path, {"name": "李采购", "answer": "accept"})
    assert refused.status_code == 422
    assert QuoteVersion.objects.get(pk=quote.current_id).status == "sent"
    assert customer.get("/q/not-a-token/").status_code == 404


def test_creating_needs_a_deal_the_user_writes(world: Any, catalog: Catalog, web_as: Any) -> None:
    client = web_as(world.owner)
    assert client.get("/quotes/new/").status_code == 404
    quote = make_quote(world, catalog)
    assert web_as(world.other).get(f"/quotes/new/?opportunity={quote.opportunity_id}").status_code == 404
    assert web_as(world.executive).get(f"/quotes/new/?opportunity={quote.opportunity_id}").status_code == 403


def test_the_customer_must_choose_accept_or_decline(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog)
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    quote.refresh_from_db()
    link = services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    customer = web_as(None)
    path = link.removeprefix("http://testserver")
    refused = customer.post(path, {"name": "李采购"})
    assert refused.status_code == 422
    assert "Choose Accept or Decline." in refused.content.decode()
    assert QuoteVersion.objects.get(pk=quote.current_id).status == "sent"
    declined = customer.post(path, {"name": "李采购", "answer": "decline", "note": "预算不足"})
    assert declined.status_code == 302
    version = QuoteVersion.objects.get(pk=quote.current_id)
    assert (version.status, version.answer_note, version.answer_address) == ("declined", "预算不足", "127.0.0.1")


def test_the_list_exports_what_the_user_sees(world: Any, catalog: Catalog, web_as: Any) -> None:
    mine = make_quote(world, catalog)
    answer = web_as(world.owner).get("/quotes/?status=draft&export=csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "Quote,Subject,Account,Status,Total,Currency,Valid until,Author"
    assert mine.number in text
    assert "锦程智能制造有限公司" in text
    other = b"".join(web_as(world.other).get("/quotes/?export=csv").streaming_content).decode("utf-8-sig")
    assert mine.number not in other
    xlsx = web_as(world.owner).get("/quotes/?export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
