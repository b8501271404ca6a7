"""The catalog's configuration pages: administrators get the forms (in Chinese and English) and
change the catalog through them; other users read the same pages without a single form, and a
post they make anyway is refused and changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.catalog.models import BundleComponent, ContractPrice, PriceBook, PriceBookEntry, PriceTier, Product
from ltc.catalog.tests.factories import Catalog, product
from ltc.core.models import TimelineEvent
from ltc.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_ONLY_EN = ["Add volume price", "Set price", "Edit price book", "Deactivate", "Remove"]


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _state() -> tuple[Any, ...]:
    return (
        list(BundleComponent.objects.order_by("pk").values()),
        list(PriceBook.objects.order_by("pk").values()),
        list(PriceBookEntry.objects.order_by("pk").values()),
        list(PriceTier.objects.order_by("pk").values()),
        list(ContractPrice.objects.order_by("pk").values()),
        TimelineEvent.objects.count(),
    )


def _speaks(user: Any, language: str) -> Any:
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_an_administrator_sees_the_forms_in_english_and_chinese(world: Any, catalog: Catalog, web_as: Any) -> None:
    english = web_as(_speaks(world.admin, "en")).get(f"/catalog/price-books/{catalog.book.pk}/").content.decode()
    for text in ADMIN_ONLY_EN:
        assert text in english, text
    product = web_as(world.admin).get(f"/catalog/products/{catalog.bundle.pk}/").content.decode()
    for text in ("Add component", "Add rule", "Add contracted price", "Timeline"):
        assert text in product, text

    chinese = web_as(_speaks(world.admin, "zh-hans")).get(f"/catalog/price-books/{catalog.book.pk}/").content.decode()
    for text in ("添加阶梯价", "设置价格", "编辑价目表", "停用", "移除", "时间线"):
        assert text in chinese, text
    for text in ADMIN_ONLY_EN:
        assert text not in chinese, text
    product = web_as(world.admin).get(f"/catalog/products/{catalog.bundle.pk}/").content.decode()
    for text in ("添加组件", "添加规则", "添加协议价", "协议价"):
        assert text in product, text
    listing = web_as(world.admin).get("/catalog/price-books/").content.decode()
    assert "新建价目表" in listing
    assert "标准价目表 2026" in listing


def test_others_read_the_pages_without_any_form(world: Any, catalog: Catalog, web_as: Any) -> None:
    for user in (world.owner, world.manager, world.executive):
        client = web_as(_speaks(user, "en"))
        book = client.get(f"/catalog/price-books/{catalog.book.pk}/")
        assert book.status_code == 200
        text = book.content.decode()
        assert "≥ 50: 1,800.00" in text
        assert 'method="post"' not in text.split('id="entries"')[1]
        for label in ADMIN_ONLY_EN:
            assert label not in text, label
        product = client.get(f"/catalog/products/{catalog.bundle.pk}/").content.decode()
        for label in ("Add component", "Add rule", "Contracted prices", "Add contracted price"):
            assert label not in product, label
        listing = client.get("/catalog/price-books/").content.decode()
        assert "New price book" not in listing
        assert "标准价目表 2026" in listing


def test_a_post_by_a_non_administrator_is_refused_and_changes_nothing(
    world: Any, catalog: Catalog, web_as: Any
) -> None:
    entry = PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence)
    tier = entry.tiers.first()
    book = catalog.book.pk
    posts = [
        ("/catalog/price-books/", {"name": "新", "currency": "CNY", "valid_from": "2026-01-01"}),
        (
            f"/catalog/price-books/{book}/",
            {"name": "改", "currency": "CNY", "valid_from": "2026-01-01", "version": "1"},
        ),
        (f"/catalog/price-books/{book}/deactivate/", {"version": "1"}),
        (f"/catalog/price-books/{book}/entries/", {"product": catalog.server.pk, "unit_price": "1"}),
        (f"/catalog/price-books/{book}/entries/{catalog.licence.pk}/remove/", {}),
        (
            f"/catalog/price-books/{book}/entries/{catalog.licence.pk}/tiers/",
            {f"tier{entry.pk}-min_quantity": "500", f"tier{entry.pk}-unit_price": "1000"},
        ),
        (f"/catalog/price-books/{book}/tiers/{tier.pk}/remove/", {}),
        (f"/catalog/products/{catalog.bundle.pk}/components/", {"component": catalog.service.pk}),
        (f"/catalog/products/{catalog.bundle.pk}/components/{catalog.server.pk}/remove/", {}),
        (f"/catalog/products/{catalog.service.pk}/contract-prices/", {"account": world.account.pk}),
    ]
    before = _state()
    for user in (world.owner, world.executive):
        client = web_as(user)
        for path, data in posts:
            assert client.post(path, data).status_code == 403, path
    assert _state() == before


def test_an_administrator_configures_through_the_pages(world: Any, catalog: Catalog, web_as: Any) -> None:
    client = web_as(_speaks(world.admin, "en"))
    created = client.post(
        "/catalog/price-books/",
        {"name": "华南价目表", "currency": "CNY", "region": "south", "valid_from": "2026-06-01"},
    )
    book = PriceBook.objects.get(name="华南价目表")
    assert created.status_code == 302
    assert created["Location"] == f"/catalog/price-books/{book.pk}/"
    assert (book.region, book.valid_from, book.version) == ("south", date(2026, 6, 1), 1)

    assert (
        client.post(
            f"/catalog/price-books/{book.pk}/entries/",
            {"product": catalog.server.pk, "unit_price": "48000", "version": "1"},
        ).status_code
        == 302
    )
    entry = PriceBookEntry.objects.get(price_book=book)
    tier_path = f"/catalog/price-books/{book.pk}/entries/{catalog.server.pk}/tiers/"
    page = client.get(f"/catalog/price-books/{book.pk}/").content.decode()
    assert page.count('<input type="hidden" name="version" value="2">') >= 4  # the book's and its parts' forms
    added = client.post(
        tier_path, {f"tier{entry.pk}-min_quantity": "5", f"tier{entry.pk}-unit_price": "45000", "version": "2"}
    )
    assert added.status_code == 302
    assert list(entry.tiers.values_list("min_quantity", "unit_price")) == [(Decimal(5), Decimal(45000))]

    before = _state()
    refused = client.post(
        tier_path, {f"tier{entry.pk}-min_quantity": "10", f"tier{entry.pk}-unit_price": "46000", "version": "3"}
    )
    assert refused.status_code == 422
    assert "From 10 units the price 46,000 must be below 45,000." in refused.content.decode()
    stale_tier = client.post(
        tier_path, {f"tier{entry.pk}-min_quantity": "10", f"tier{entry.pk}-unit_price": "44000", "version": "2"}
    )
    assert stale_tier.status_code == 422
    assert "changed by someone else" in stale_tier.content.decode()
    stale_entry = client.post(
        f"/catalog/price-books/{book.pk}/entries/",
        {"product": catalog.server.pk, "unit_price": "49000", "version": "2"},
    )
    assert stale_entry.status_code == 422
    assert "changed by someone else" in stale_entry.content.decode()
    stale = client.post(
        f"/catalog/price-books/{book.pk}/",
        {
            "name": "华南价目表",
            "currency": "CNY",
            "region": "south",
            "valid_from": "2026-06-01",
            "valid_to": "2026-12-31",
            "version": "9",
        },
    )
    assert stale.status_code == 422
    assert "changed by someone else" in stale.content.decode()
    assert _state() == before

    saved = client.post(
        f"/catalog/price-books/{book.pk}/",
        {
            "name": "华南价目表",
            "currency": "CNY",
            "region": "south",
            "valid_from": "2026-06-01",
            "valid_to": "2026-12-31",
            "version": "3",
        },
    )
    assert saved.status_code == 302
    book.refresh_from_db()
    assert (book.valid_to, book.version) == (date(2026, 12, 31), 4)
    page = client.get(f"/catalog/price-books/{book.pk}/").content.decode()
    assert "SRV-01 ≥ 5" in page

    added = client.post(
        f"/catalog/products/{catalog.bundle.pk}/components/",
        {
            "component": catalog.service.pk,
            "min_quantity": "1",
            "max_quantity": "",
            "default_quantity": "3",
            "version": "1",
        },
    )
    assert added.status_code == 302
    assert Product.objects.get(pk=catalog.bundle.pk).version == 2
    part = BundleComponent.objects.get(bundle=catalog.bundle, component=catalog.service)
    assert (part.required, part.default_quantity, part.max_quantity) == (False, Decimal(3), None)

    contracted = client.post(
        f"/catalog/products/{catalog.service.pk}/contract-prices/",
        {"account": world.account.pk, "currency": "CNY", "unit_price": "1250", "valid_from": "2026-01-01"},
    )
    assert contracted.status_code == 302
    price = ContractPrice.objects.get()
    assert (price.account, price.unit_price, price.valid_to) == (world.account, Decimal(1250), None)
    ended = client.post(f"/catalog/contract-prices/{price.pk}/end/", {"version": "1"})
    assert ended.status_code == 302
    price.refresh_from_db()
    assert price.valid_to is not None
    assert price.version == 2


@pytest.mark.parametrize(
    "model", ["bundlecomponent", "configurationrule", "pricebook", "pricebookentry", "contractprice"]
)
def test_the_admin_site_shows_the_catalog_configuration_but_never_changes_it(
    world: Any, catalog: Catalog, web_as: Any, model: str
) -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = web_as(root)
    ContractPrice.objects.create(
        account=world.account, product=catalog.service, unit_price=Decimal(1200), valid_from=date(2026, 1, 1)
    )
    record = apps.get_model("catalog", model).objects.order_by("pk").first()
    before = _state()
    assert client.get(f"/admin/catalog/{model}/").status_code == 200
    change = client.get(f"/admin/catalog/{model}/{record.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.get(f"/admin/catalog/{model}/add/").status_code == 403
    assert client.post(f"/admin/catalog/{model}/{record.pk}/change/", {}).status_code == 403
    assert client.post(f"/admin/catalog/{model}/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert _state() == before


def test_the_pages_query_budget_does_not_grow_with_entries(world: Any, catalog: Catalog, web_as: Any) -> None:
    client = web_as(world.admin)
    pages = [f"/catalog/price-books/{catalog.book.pk}/", f"/catalog/products/{catalog.bundle.pk}/"]
    for path in pages:  # content types and the like are cached after the first visit
        client.get(path)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    before = [queries(path) for path in pages]
    for index in range(5):
        extra = product(f"EXTRA-{index}", f"附加产品 {index}", price="100", book=catalog.book)
        entry = PriceBookEntry.objects.get(product=extra)
        PriceTier.objects.create(entry=entry, min_quantity=Decimal(10), unit_price=Decimal(90))
        BundleComponent.objects.create(bundle=catalog.bundle, component=extra)
        ContractPrice.objects.create(
            account=world.account,
            product=catalog.bundle,
            unit_price=Decimal(index),
            valid_from=date(2026, 1, 1 + index),
        )
    after = [queries(path) for path in pages]
    assert after == before
    assert max(after) <= 25


@pytest.mark.parametrize("account", ["²", "9" * 30, "-1", "x"])
def test_a_contracted_price_naming_no_account_is_a_form_error(world: Any, catalog: Catalog, web_as: Any, account: str):
    """A digit of another script ("²" is a digit to str.isdigit(), not to int()) or a number beyond
    any column names no account: the form says so and nothing is saved (no 500)."""
    response = web_as(world.admin).post(
        f"/catalog/products/{catalog.service.pk}/contract-prices/",
        {"account": account, "currency": "CNY", "unit_price": "1250", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 422
    assert not ContractPrice.objects.exists()
