"""Changing an existing part of the catalog on its page: a product's own fields, a bundle's
component and rule, a product's price and volume price in a book, a contracted price. Each edit
form posts back the version the page was read at: a stale one is a form error, bad input is a
field error, and neither changes anything; other users see no edit control and a post they make
anyway is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.catalog.tests.factories import Catalog
from ltc.core.models import TimelineEvent

pytestmark = pytest.mark.django_db

EDIT_CONTROLS = [
    "Edit product",
    "Change component",
    "Change rule",
    "Change contracted price",
    "Change price",
    "Change volume price",
]


@pytest.fixture
def catalog(world: Any) -> Catalog:
    _speaks(world.admin, "en")
    catalog = Catalog()
    catalog.agreement = ContractPrice.objects.create(  # type: ignore[attr-defined]
        account=world.account,
        product=catalog.bundle,
        unit_price=Decimal(900000),
        valid_from=timezone.localdate() - timedelta(days=30),
        reference="框架协议 2026-01",
    )
    return catalog


def _state() -> tuple[Any, ...]:
    return (
        list(Product.objects.order_by("pk").values()),
        list(BundleComponent.objects.order_by("pk").values()),
        list(ConfigurationRule.objects.order_by("pk").values()),
        list(PriceBook.objects.order_by("pk").values()),
        list(PriceBookEntry.objects.order_by("pk").values()),
        list(PriceTier.objects.order_by("pk").values()),
        list(ContractPrice.objects.order_by("pk").values()),
        TimelineEvent.objects.count(),
    )


@dataclass
class Edit:
    """One edit form: where it posts, a valid change, the field a bad value goes into, and what
    the change leaves in the database."""

    path: Callable[[Catalog], str]
    data: Callable[[Catalog], dict[str, str]]
    number: Callable[[Catalog], str]
    saved: Callable[[Catalog], Any]
    expected: Any
    page: Callable[[Catalog], str]


def _part(c: Catalog) -> BundleComponent:
    return BundleComponent.objects.get(bundle=c.bundle, component=c.licence)


def _rule(c: Catalog) -> ConfigurationRule:
    return ConfigurationRule.objects.get(bundle=c.bundle, product=c.onprem)


def _entry(c: Catalog) -> PriceBookEntry:
    return PriceBookEntry.objects.get(price_book=c.book, product=c.server)


def _tier(c: Catalog) -> PriceTier:
    """The licence's top volume price (from 200 units; it stays the top one when changed here)."""
    return PriceTier.objects.filter(entry__price_book=c.book, entry__product=c.licence).order_by("min_quantity").last()


def _agreement(c: Catalog) -> ContractPrice:
    return c.agreement  # type: ignore[attr-defined,no-any-return]


def _product_page(c: Catalog) -> str:
    return f"/catalog/products/{c.bundle.pk}/"


def _book_page(c: Catalog) -> str:
    return f"/catalog/price-books/{c.book.pk}/"


EDITS = {
    "product": Edit(
        path=lambda c: f"/catalog/products/{c.server.pk}/",
        data=lambda c: {
            "code": "SRV-01",
            "name": "边缘服务器（二代）",
            "name_en": "Edge server G2",
            "product_type": "hardware",
            "unit": "台",
            "family": "硬件",
            "cost": "31000",
            "tax_rate": "13",
            "active": "on",
            "description": "",
            "version": "1",
        },
        number=lambda c: "cost",
        saved=lambda c: Product.objects.filter(pk=c.server.pk).values_list("name_en", "cost", "version").get(),
        expected=("Edge server G2", Decimal(31000), 2),
        page=lambda c: f"/catalog/products/{c.server.pk}/",
    ),
    "component": Edit(
        path=lambda c: f"/catalog/products/{c.bundle.pk}/components/{c.licence.pk}/",
        data=lambda c: {
            f"part{_part(c).pk}-required": "on",
            f"part{_part(c).pk}-min_quantity": "20",
            f"part{_part(c).pk}-max_quantity": "800",
            f"part{_part(c).pk}-default_quantity": "50",
            "version": "1",
        },
        number=lambda c: f"part{_part(c).pk}-default_quantity",
        saved=lambda c: (
            BundleComponent.objects.filter(pk=_part(c).pk).values_list("min_quantity", "max_quantity").get(),
            Product.objects.get(pk=c.bundle.pk).version,
        ),
        expected=((Decimal(20), Decimal(800)), 2),
        page=_product_page,
    ),
    "rule": Edit(
        path=lambda c: f"/catalog/products/{c.bundle.pk}/rules/{_rule(c).pk}/",
        data=lambda c: {
            f"rule{_rule(c).pk}-product": str(c.onprem.pk),
            f"rule{_rule(c).pk}-kind": "requires",
            f"rule{_rule(c).pk}-other": str(c.server.pk),
            "version": "1",
        },
        number=lambda c: f"rule{_rule(c).pk}-other",
        saved=lambda c: (
            ConfigurationRule.objects.filter(pk=_rule(c).pk).values_list("kind", "other_id").get(),
            Product.objects.get(pk=c.bundle.pk).version,
        ),
        expected=None,  # set per catalog: the server's id
        page=_product_page,
    ),
    "entry": Edit(
        path=lambda c: f"/catalog/price-books/{c.book.pk}/entries/{c.server.pk}/",
        data=lambda c: {
            f"entry{_entry(c).pk}-unit_price": "52000",
            f"entry{_entry(c).pk}-unit_cost": "31000",
            "version": "1",
        },
        number=lambda c: f"entry{_entry(c).pk}-unit_price",
        saved=lambda c: (
            PriceBookEntry.objects.filter(pk=_entry(c).pk).values_list("unit_price", "unit_cost").get(),
            PriceBook.objects.get(pk=c.book.pk).version,
        ),
        expected=((Decimal(52000), Decimal(31000)), 2),
        page=_book_page,
    ),
    "tier": Edit(
        path=lambda c: f"/catalog/price-books/{c.book.pk}/tiers/{_tier(c).pk}/",
        data=lambda c: {
            f"tieredit{_tier(c).pk}-min_quantity": "300",
            f"tieredit{_tier(c).pk}-unit_price": "1400",
            "version": "1",
        },
        number=lambda c: f"tieredit{_tier(c).pk}-unit_price",
        saved=lambda c: (
            PriceTier.objects.filter(pk=_tier(c).pk).values_list("min_quantity", "unit_price").get(),
            PriceBook.objects.get(pk=c.book.pk).version,
        ),
        expected=((Decimal(300), Decimal(1400)), 2),
        page=_book_page,
    ),
    "contract_price": Edit(
        path=lambda c: f"/catalog/contract-prices/{_agreement(c).pk}/",
        data=lambda c: {
            f"cp{_agreement(c).pk}-currency": "CNY",
            f"cp{_agreement(c).pk}-unit_price": "900000",
            f"cp{_agreement(c).pk}-valid_from": _agreement(c).valid_from.isoformat(),
            f"cp{_agreement(c).pk}-valid_to": "2030-12-31",
            f"cp{_agreement(c).pk}-reference": "框架协议 2026-02",
            "version": "1",
        },
        number=lambda c: f"cp{_agreement(c).pk}-unit_price",
        saved=lambda c: (
            ContractPrice.objects.filter(pk=_agreement(c).pk).values_list("valid_to", "reference", "version").get()
        ),
        expected=(date(2030, 12, 31), "框架协议 2026-02", 2),
        page=_product_page,
    ),
}


def _expected(name: str, c: Catalog) -> Any:
    if name == "rule":
        return (("requires", c.server.pk), 2)
    return EDITS[name].expected


@pytest.mark.parametrize("name", list(EDITS))
def test_an_administrator_changes_an_existing_part_through_its_edit_form(
    world: Any, catalog: Catalog, web_as: Any, name: str
) -> None:
    edit = EDITS[name]
    client = web_as(world.admin)
    page = client.get(edit.page(catalog)).content.decode()
    assert f'action="{edit.path(catalog)}"' in page

    saved = client.post(edit.path(catalog), edit.data(catalog))

    assert saved.status_code == 302, saved.content.decode()[-3000:]
    assert saved["Location"] == edit.page(catalog)
    assert edit.saved(catalog) == _expected(name, catalog)


@pytest.mark.parametrize("version", ["9", "0", "²", ""])
@pytest.mark.parametrize("name", list(EDITS))
def test_a_stale_or_missing_version_is_a_form_error_that_changes_nothing(
    world: Any, catalog: Catalog, web_as: Any, name: str, version: str
) -> None:
    edit = EDITS[name]
    before = _state()

    refused = web_as(world.admin).post(edit.path(catalog), {**edit.data(catalog), "version": version})

    assert refused.status_code == 422
    text = refused.content.decode()
    assert "changed by someone else" in text
    assert "Reload and try again." in text
    assert name == "product" or " open>" in text  # the failed form is shown again, unfolded
    assert _state() == before


@pytest.mark.parametrize("value", ["²", "", "-5", "1e400"])
@pytest.mark.parametrize("name", list(EDITS))
def test_bad_input_is_a_field_error_that_changes_nothing(
    world: Any, catalog: Catalog, web_as: Any, name: str, value: str
) -> None:
    edit = EDITS[name]
    before = _state()

    refused = web_as(world.admin).post(edit.path(catalog), {**edit.data(catalog), edit.number(catalog): value})

    assert refused.status_code == 422
    assert "invalid-feedback d-block" in refused.content.decode()
    assert _state() == before


def test_a_service_refusal_shows_on_the_fields_of_the_edit_form(world: Any, catalog: Catalog, web_as: Any) -> None:
    """The checks are the services': a volume price above the list price, a rule linking a product
    to itself, a contracted price in force repriced — each on its field, nothing saved."""
    client = web_as(_speaks(world.admin, "en"))
    before = _state()
    tier = _tier(catalog)
    ladder = client.post(
        EDITS["tier"].path(catalog),
        {f"tieredit{tier.pk}-min_quantity": "300", f"tieredit{tier.pk}-unit_price": "1900", "version": "1"},
    )
    assert ladder.status_code == 422
    assert "must be below" in ladder.content.decode()
    rule = _rule(catalog)
    same = client.post(
        EDITS["rule"].path(catalog),
        {
            f"rule{rule.pk}-product": str(catalog.onprem.pk),
            f"rule{rule.pk}-kind": "excludes",
            f"rule{rule.pk}-other": str(catalog.onprem.pk),
            "version": "1",
        },
    )
    assert same.status_code == 422
    assert "A rule links two different products." in same.content.decode()
    repriced = client.post(
        EDITS["contract_price"].path(catalog),
        {**EDITS["contract_price"].data(catalog), f"cp{_agreement(catalog).pk}-unit_price": "800000"},
    )
    assert repriced.status_code == 422
    assert "end it and add a new contracted price" in repriced.content.decode()
    assert _state() == before


def test_the_edit_forms_read_in_chinese(world: Any, catalog: Catalog, web_as: Any) -> None:
    client = web_as(_speaks(world.admin, "zh-hans"))
    product = client.get(_product_page(catalog)).content.decode()
    for text in ("编辑产品", "修改组件", "修改规则", "修改协议价"):
        assert text in product, text
    book = client.get(_book_page(catalog)).content.decode()
    for text in ("修改价格", "修改阶梯价"):
        assert text in book, text
    for text in EDIT_CONTROLS:
        assert text not in product + book, text


def test_others_see_no_edit_control_and_their_posts_are_refused(world: Any, catalog: Catalog, web_as: Any) -> None:
    before = _state()
    for user in (world.owner, world.manager, world.executive, world.finance):
        client = web_as(_speaks(user, "en"))
        pages = client.get(_product_page(catalog)).content.decode() + client.get(_book_page(catalog)).content.decode()
        pages += client.get(f"/catalog/products/{catalog.server.pk}/").content.decode()
        for text in EDIT_CONTROLS:
            assert text not in pages, (user, text)
        for name, edit in EDITS.items():
            assert client.post(edit.path(catalog), edit.data(catalog)).status_code == 403, (user, name)
    assert _state() == before


def test_the_product_timeline_reads_the_vat_rate_as_its_label(world: Any, catalog: Catalog, web_as: Any) -> None:
    client = web_as(_speaks(world.admin, "en"))
    data = {**EDITS["product"].data(catalog), "tax_rate": "6"}
    assert client.post(EDITS["product"].path(catalog), data).status_code == 302
    timeline = client.get(f"/catalog/products/{catalog.server.pk}/").content.decode().split('id="timeline"')[1]
    assert 'VAT rate: <del class="text-secondary">VAT 13%</del> → VAT 6%' in timeline
    chinese = web_as(_speaks(world.admin, "zh-hans")).get(f"/catalog/products/{catalog.server.pk}/")
    assert '<del class="text-secondary">增值税 13%</del> → 增值税 6%' in chinese.content.decode()


def test_the_pages_with_edit_forms_keep_their_query_budget(
    world: Any, catalog: Catalog, web_as: Any, django_assert_max_num_queries: Any
) -> None:
    """An edit form on every component, rule, entry, tier and contracted price costs no query
    per row (the rules' product lists come from the bundle's prefetched components)."""
    client = web_as(world.admin)
    for path in (_product_page(catalog), _book_page(catalog)):
        client.get(path)
    for index in range(6):
        ContractPrice.objects.create(
            account=world.account,
            product=catalog.bundle,
            unit_price=Decimal(index),
            valid_from=date(2020, 1, 1 + index),
            valid_to=date(2020, 1, 1 + index),
        )
        ConfigurationRule.objects.create(
            bundle=catalog.bundle, product=catalog.server, kind="requires", other=[catalog.ai, catalog.data][index % 2]
        )
    with django_assert_max_num_queries(20):
        assert client.get(_product_page(catalog)).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(_book_page(catalog)).status_code == 200


def _speaks(user: Any, language: str) -> Any:
    user.language = language
    user.save(update_fields=["language"])
    return user
