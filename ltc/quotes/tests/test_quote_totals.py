"""The editor's totals box: recomputed on the server in Decimal from the rows as typed, with the
margin from catalog costs and the approval the discount needs under the authority matrix;
nothing is saved by it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ltc.catalog.tests.factories import Catalog, product
from ltc.quotes import preview
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote, quote_authority, standard_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _rows(catalog: Catalog, *, quantity: str = "2", discount: str = "0", doc: str = "0") -> dict[str, str]:
    """The editor's rows: two servers (50,000 each, cost 30,000, VAT 13%)."""
    return {
        "line-0-product": str(catalog.server.pk),
        "line-0-parent": "",
        "line-0-quantity": quantity,
        "line-0-discount": discount,
        "document_discount_pct": doc,
        "price_book": str(catalog.book.pk),
    }


def _box(response: Any) -> preview.TotalsBox:
    assert response.status_code == 200
    return response.context["totals"]


def test_totals_are_decimal_with_margin_and_the_approval_an_8_percent_discount_needs(
    world: Any, catalog: Catalog, web_as: Any
) -> None:
    standard_matrix(world)  # AR 5%, manager 10%, boss 25%, executives any
    quote = make_quote(world, catalog)
    before = (quote.version, quote.current.grand_total, quote.current.lines.count())

    response = web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", _rows(catalog, doc="8"))

    box = _box(response)
    assert (box.base_total, box.discount_amount, box.net_total) == (
        Decimal("100000.00"),
        Decimal("8000.00"),
        Decimal("92000.00"),
    )
    assert (box.tax_total, box.grand_total) == (Decimal("11960.00"), Decimal("103960.00"))
    assert (box.margin_amount, box.margin_pct, box.discount_pct) == (
        Decimal("32000.00"),
        Decimal("34.78"),
        Decimal("8.00"),
    )
    assert all(isinstance(v, Decimal) for v in (box.base_total, box.net_total, box.grand_total, box.margin_amount))
    assert not box.within
    assert box.route == [world.manager]
    assert (box.own_limit, box.decider_limit) == (Decimal("5.00"), Decimal("10.00"))
    html = response.content.decode()
    assert f"Needs approval by {world.manager}." in html
    assert "Your authority: discounts up to 5% at this amount and margin" in html
    assert "103,960.00" in html
    assert "34.78%" in html
    quote = Quote.objects.get(pk=quote.pk)
    assert (quote.version, quote.current.grand_total, quote.current.lines.count()) == before  # nothing saved


def test_a_discount_within_the_authors_authority_says_so(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)

    box = _box(web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", _rows(catalog, discount="5")))

    assert box.within
    assert box.route == []
    assert box.grand_total == Decimal("107350.00")  # 95,000 net + 13% VAT


def test_above_the_manager_the_route_climbs_to_the_boss(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)

    response = web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", _rows(catalog, doc="20"))

    box = _box(response)
    assert box.route == [world.manager, world.boss]
    assert box.decider == world.boss
    assert box.decider_limit == Decimal("25.00")
    assert f"Level 2: {world.boss}" in response.content.decode()


def test_nobody_covering_is_said_plainly(world: Any, catalog: Catalog, web_as: Any) -> None:
    quote_authority("ar", discount="5")
    quote = make_quote(world, catalog)

    response = web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", _rows(catalog, doc="30"))

    box = _box(response)
    assert box.blocked
    assert "Nobody holds the authority to approve this quote" in response.content.decode()


def test_a_product_without_cost_is_named_and_the_margin_is_flagged(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    free = product("SVC-X", "咨询服务", price="1000", book=catalog.book)  # no cost in the catalog
    quote = make_quote(world, catalog)
    rows = {**_rows(catalog), "line-1-product": str(free.pk), "line-1-parent": "", "line-1-quantity": "1"}

    response = web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", rows)

    box = _box(response)
    assert box.uncosted == ["SVC-X"]
    assert "Cost unknown in the catalog for SVC-X" in response.content.decode()


def test_bad_input_is_left_out_and_flagged_never_a_500(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)
    rows = {**_rows(catalog), "line-0-quantity": "二", "document_discount_pct": "1e999"}

    box = _box(web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", rows))

    assert box.incomplete
    assert box.grand_total == Decimal(0)


@pytest.mark.parametrize("field", ["price_book", "line-0-product"])
@pytest.mark.parametrize("value", ["²", "99999999999999999999", "-1", "x"])
def test_an_id_that_names_nothing_is_flagged_never_a_500(
    world: Any, catalog: Catalog, web_as: Any, field: str, value: str
) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)

    box = _box(web_as(world.owner).post(f"/quotes/{quote.pk}/totals/", {**_rows(catalog), field: value}))

    assert box.incomplete
    # A bad book keeps the version's book (the line still prices); a bad product leaves its line out.
    assert box.net_total == (Decimal("100000.00") if field == "price_book" else Decimal(0))


def test_the_editor_page_shows_the_box_for_the_saved_version(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)

    response = web_as(world.owner).get(f"/quotes/{quote.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="quote-totals"' in html
    assert f'hx-post="/quotes/{quote.pk}/totals/"' in html


def test_only_who_writes_the_quote_recomputes(world: Any, catalog: Catalog, web_as: Any) -> None:
    quote = make_quote(world, catalog)

    assert web_as(world.other).post(f"/quotes/{quote.pk}/totals/", _rows(catalog)).status_code == 404
    assert web_as(world.executive).post(f"/quotes/{quote.pk}/totals/", _rows(catalog)).status_code == 403
    assert web_as(world.owner).get(f"/quotes/{quote.pk}/totals/").status_code == 405


def test_recompute_query_budget(world: Any, catalog: Catalog, web_as: Any, django_assert_max_num_queries: Any) -> None:
    standard_matrix(world)
    quote = make_quote(world, catalog)
    client = web_as(world.owner)
    rows = _rows(catalog, doc="20")
    for index in range(1, 20):
        rows |= {f"line-{index}-product": str(catalog.server.pk), f"line-{index}-quantity": "1"}

    with django_assert_max_num_queries(40):
        assert client.post(f"/quotes/{quote.pk}/totals/", rows).status_code == 200
