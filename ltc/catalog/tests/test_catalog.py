"""The catalog API: products read by everyone signed in, written by administrators; unit prices
from volume tiers and contracted prices; the proposed price book."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ltc.catalog.models import ContractPrice, PriceBook, Product
from ltc.catalog.pricing import price_context, proposed_book
from ltc.catalog.tests.factories import Catalog

pytestmark = pytest.mark.django_db


def test_admin_creates_a_product_and_bad_fields_change_nothing(world: Any, api_as: Any) -> None:
    admin = api_as(world.admin)
    created = admin.post("/products", {"code": "gw-02", "name": "网关", "product_type": "hardware", "tax_rate": 13})
    assert created.status_code == 201, created.json()
    assert created.json()["code"] == "GW-02"
    duplicate = admin.post("/products", {"code": "GW-02", "name": "另一个", "product_type": "hardware"})
    assert duplicate.status_code == 422
    assert {e["field"] for e in duplicate.json()["errors"]} == {"code"}
    bad = admin.post("/products", {"code": "X-1", "name": "坏", "product_type": "gadget", "tax_rate": 17, "cost": "-1"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"product_type", "tax_rate", "cost"}
    assert Product.objects.count() == 1
    assert (
        api_as(world.owner).post("/products", {"code": "X-2", "name": "x", "product_type": "service"}).status_code
        == 403
    )


def test_product_update_needs_the_current_version(world: Any, api_as: Any) -> None:
    product = Product.objects.create(code="SVC-1", name="服务", product_type="service")
    admin = api_as(world.admin)
    assert admin.patch(f"/products/{product.pk}", {"active": False}).status_code == 428
    assert admin.patch(f"/products/{product.pk}", {"active": False}, **{"If-Match": '"7"'}).status_code == 412
    done = admin.patch(f"/products/{product.pk}", {"active": False}, **{"If-Match": '"1"'})
    assert done.status_code == 200
    assert done.json()["active"] is False


def test_unit_prices_volume_tiers_and_contracted_prices(world: Any) -> None:
    catalog = Catalog()
    ContractPrice.objects.create(
        account=world.account, product=catalog.server, unit_price=Decimal("45000"), valid_from=date(2026, 1, 1)
    )
    ContractPrice.objects.create(  # expired: ignored
        account=world.account,
        product=catalog.licence,
        unit_price=Decimal("1000"),
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
    )
    ids = [catalog.server.pk, catalog.licence.pk, catalog.cloud.pk]
    context = price_context(book=catalog.book, account=world.account, on=date(2026, 6, 1), product_ids=ids)
    assert context.unit_price(catalog.licence, Decimal(49)).price == Decimal("2000")
    assert context.unit_price(catalog.licence, Decimal(50)).price == Decimal("1800")
    assert context.unit_price(catalog.licence, Decimal(200)).source == "tier"
    assert context.unit_price(catalog.licence, Decimal(200)).price == Decimal("1500")
    server = context.unit_price(catalog.server, Decimal(1))
    assert (server.price, server.list_price, server.source) == (Decimal("45000"), Decimal("50000"), "contract")
    assert context.unit_price(catalog.bundle, Decimal(1)) is None  # not asked for


def test_the_most_specific_valid_book_is_proposed(world: Any) -> None:
    general = PriceBook.objects.create(name="通用", currency="CNY", valid_from=date(2026, 1, 1))
    PriceBook.objects.create(
        name="旧", currency="CNY", industry="manufacturing", valid_from=date(2024, 1, 1), valid_to=date(2025, 12, 31)
    )
    segment = PriceBook.objects.create(
        name="制造业", currency="CNY", industry="manufacturing", valid_from=date(2026, 1, 1)
    )
    PriceBook.objects.create(name="美元", currency="USD", industry="manufacturing", valid_from=date(2026, 1, 1))
    world.account.industry = "manufacturing"
    assert proposed_book(account=world.account, currency="CNY", on=date(2026, 6, 1)) == segment
    world.account.industry = "finance"
    assert proposed_book(account=world.account, currency="CNY", on=date(2026, 6, 1)) == general
    assert proposed_book(account=world.account, currency="EUR", on=date(2026, 6, 1)) is None


def test_catalog_pages_show_bundles_and_prices(world: Any, web_as: Any) -> None:
    catalog = Catalog()
    client = web_as(world.owner)
    listing = client.get("/catalog/products/?bundle=1")
    assert "MES-SUITE" in listing.content.decode()
    assert "SRV-01" not in listing.content.decode()
    detail = client.get(f"/catalog/products/{catalog.bundle.pk}/").content.decode()
    assert "AI 质检模块" in detail
    assert "数据平台" in detail
    book = client.get(f"/catalog/price-books/{catalog.book.pk}/").content.decode()
    assert "1,800.00" in book or "1800" in book
