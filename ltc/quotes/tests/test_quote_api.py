"""The quotes API end to end, the public link, the PDF's text, and the list's query budget."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from pypdf import PdfReader

from ltc.catalog.tests.factories import Catalog
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.quotes.documents import render_pdf
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote, standard_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def test_build_approve_send_and_accept_through_the_api(
    world: Any, catalog: Catalog, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    standard_matrix(world)
    deal = make_opportunity(world, make_pipeline())
    rep, manager, boss = api_as(world.owner), api_as(world.manager), api_as(world.boss)
    created = rep.post("/quotes", {"opportunity_id": deal.pk, "price_book_id": catalog.book.pk})
    assert created.status_code == 201, created.json()
    quote_id, etag = created.json()["id"], created["ETag"]
    edit = {"lines": [catalog.bundle_line(licences="60")], "document_discount_pct": "15"}
    assert rep.patch(f"/quotes/{quote_id}", edit).status_code == 428  # If-Match required
    edited = rep.patch(f"/quotes/{quote_id}", edit, **{"If-Match": etag})
    assert edited.status_code == 200, edited.json()
    body = edited.json()["current"]
    assert [line["code"] for line in body["lines"]] == ["MES-SUITE"]
    assert [c["code"] for c in body["lines"][0]["components"]] == ["SRV-01", "MES-LIC"]
    assert body["discount_pct"] == "15.00"
    submitted = rep.post(f"/quotes/{quote_id}/submit", **{"If-Match": edited["ETag"]})
    assert submitted.json()["status"] == "in_approval"
    # Locked while in approval: an edit is refused and changes nothing.
    locked = rep.patch(f"/quotes/{quote_id}", {"notes": "x"}, **{"If-Match": submitted["ETag"]})
    assert locked.status_code == 422
    assert locked.json()["errors"][0]["field"] == "version"
    assert boss.post(f"/quotes/{quote_id}/approve", {"comment": ""}).status_code == 403  # not yet boss's turn
    assert manager.post(f"/quotes/{quote_id}/approve", {"comment": "同意"}).json()["status"] == "in_approval"
    approved = boss.post(f"/quotes/{quote_id}/approve", {"comment": "批准"})
    assert approved.json()["status"] == "approved"
    assert [a["status"] for a in approved.json()["current"]["approvals"]] == ["escalated", "approved"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = rep.post(f"/quotes/{quote_id}/send", {"to": "buyer@jincheng.cn"})
    link = sent.json()["link"]
    to_buyer = [m for m in mail.outbox if m.to == ["buyer@jincheng.cn"]][-1]  # the approvers' notices go too
    assert link in to_buyer.body
    token = link.rstrip("/").rsplit("/", 1)[1]
    public = api_as(None)
    seen = public.get(f"/public/quotes/{token}")
    assert seen.status_code == 200
    assert seen.json()["can_answer"] is True
    assert public.post(f"/public/quotes/{token}/accept", {"name": ""}).status_code == 422
    accepted = public.post(f"/public/quotes/{token}/accept", {"name": "李采购", "title": "采购经理"})
    assert accepted.json()["version"]["status"] == "accepted"
    assert public.post(f"/public/quotes/{token}/decline", {"name": "李采购"}).status_code == 422
    assert public.get("/public/quotes/not-a-link").status_code == 404


def test_bad_input_gets_field_errors(world: Any, catalog: Catalog, api_as: Any) -> None:
    quote = make_quote(world, catalog)
    rep = api_as(world.owner)
    answer = rep.patch(
        f"/quotes/{quote.pk}",
        {"lines": [{"product_id": catalog.service.pk, "quantity": "-1", "discount_pct": "120"}]},
        **{
            "If-Match": f'"{quote.version}"',
        },
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"lines.0.quantity", "lines.0.discount_pct"}
    stale = rep.patch(f"/quotes/{quote.pk}", {"notes": "x"}, **{"If-Match": '"99"'})
    assert stale.status_code == 412
    assert Quote.objects.get(pk=quote.pk).version == quote.version


def test_versions_compare_side_by_side(world: Any, catalog: Catalog, api_as: Any) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)
    rep = api_as(world.owner)
    first = rep.patch(f"/quotes/{quote.pk}", {"lines": [catalog.bundle_line()]}, **{"If-Match": f'"{quote.version}"'})
    submitted = rep.post(f"/quotes/{quote.pk}/submit", **{"If-Match": first["ETag"]})
    revised = rep.post(f"/quotes/{quote.pk}/revise", **{"If-Match": submitted["ETag"]})
    assert revised.json()["current_version"] == 2
    line = catalog.bundle_line(licences="30")
    rep.patch(
        f"/quotes/{quote.pk}",
        {"lines": [line, {"product_id": catalog.service.pk, "quantity": "5"}]},
        **{
            "If-Match": revised["ETag"],
        },
    )
    diff = rep.get(f"/quotes/{quote.pk}/compare?a=1&b=2").json()
    kinds = {(c["code"], c["kind"]) for c in diff["lines"]}
    assert ("SVC-IMP", "added") in kinds
    assert ("MES-LIC", "changed") in kinds
    licence = next(c for c in diff["lines"] if c["code"] == "MES-LIC")
    assert {"field": "quantity", "label": "quantity", "old": "20.00", "new": "30.00"} in licence["changes"]
    assert {h["field"] for h in diff["header"]} >= {"grand_total", "net_total"}
    assert rep.get(f"/quotes/{quote.pk}/versions").json()[1]["status"] == "superseded"


def test_the_pdf_prints_chinese_and_the_amount_in_words(world: Any, catalog: Catalog) -> None:
    quote = make_quote(world, catalog)
    from ltc.quotes import services

    services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )
    version = Quote.objects.get(pk=quote.pk).current
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(version))).pages)
    squeezed = text.replace(" ", "").replace("\n", "")
    assert "智能工厂MES套件" in squeezed
    assert "锦程智能制造有限公司" in squeezed
    # 50,000 + 20 × 2,000 = 90,000 net; 13% VAT → 101,700.00
    assert version.grand_total == 101700
    assert "101,700.00" in text
    assert "壹拾万壹仟柒佰元整" in squeezed


def test_quote_list_has_a_query_budget(
    world: Any, catalog: Catalog, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        make_quote(world, catalog)
    client = api_as(world.owner)
    with django_assert_max_num_queries(8):
        answer = client.get("/quotes")
    assert len(answer.json()["items"]) == 5
