"""Configuring the catalog through its services: bundle components and rules, price books,
entries, volume tiers and contracted prices — administrators only, validated, on a timeline with
a field diff, and never changing what a quote already priced."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.catalog import services
from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.catalog.tests.factories import Catalog, product
from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.quotes import services as quote_services
from ltc.quotes.tests.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _events(subject: Any) -> list[TimelineEvent]:
    kind = ContentType.objects.get_for_model(subject)
    return list(TimelineEvent.objects.filter(content_type=kind, object_id=subject.pk).order_by("id"))


def _state() -> tuple[Any, ...]:
    """Everything the configuration services may touch, to show a refusal changed nothing."""
    return (
        list(BundleComponent.objects.order_by("pk").values()),
        list(ConfigurationRule.objects.order_by("pk").values()),
        list(PriceBook.objects.order_by("pk").values()),
        list(PriceBookEntry.objects.order_by("pk").values()),
        list(PriceTier.objects.order_by("pk").values()),
        list(ContractPrice.objects.order_by("pk").values()),
        TimelineEvent.objects.count(),
    )


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _version(record: Any) -> int:
    """The stored version of a bundle or price book, as an editor reads it now."""
    return type(record).objects.get(pk=record.pk).version


def test_only_catalog_administrators_configure(world: Any, catalog: Catalog) -> None:
    before = _state()
    entry = PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence)
    part = BundleComponent.objects.get(bundle=catalog.bundle, component=catalog.server)
    attempts = [
        lambda actor: services.bundle_component_add(
            actor=actor, bundle=catalog.bundle, component=catalog.service, data={}
        ),
        lambda actor: services.bundle_component_update(
            actor=actor, part=part, data={"required": False}, expected_version=1
        ),
        lambda actor: services.bundle_component_remove(actor=actor, part=part),
        lambda actor: services.configuration_rule_add(
            actor=actor, bundle=catalog.bundle, product=catalog.cloud, kind="requires", other=catalog.data
        ),
        lambda actor: services.price_book_create(actor=actor, data={"name": "新", "valid_from": date(2026, 1, 1)}),
        lambda actor: services.price_book_update(
            actor=actor, book=catalog.book, data={"name": "x"}, expected_version=1
        ),
        lambda actor: services.price_book_deactivate(actor=actor, book=catalog.book, expected_version=1),
        lambda actor: services.price_book_entry_set(
            actor=actor, book=catalog.book, product=catalog.server, unit_price=Decimal(1), expected_version=1
        ),
        lambda actor: services.price_book_entry_remove(actor=actor, entry=entry),
        lambda actor: services.price_tier_add(
            actor=actor, entry=entry, min_quantity=Decimal(500), unit_price=Decimal(1000), expected_version=1
        ),
        lambda actor: services.contract_price_add(
            actor=actor,
            account=world.account,
            product=catalog.server,
            data={"unit_price": Decimal(1), "valid_from": date(2026, 1, 1)},
        ),
    ]
    for actor in (world.owner, world.manager, world.executive, world.finance):
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                attempt(actor)
    assert _state() == before


def test_a_component_is_added_changed_and_removed_on_the_bundles_timeline(world: Any, catalog: Catalog) -> None:
    part = services.bundle_component_add(
        actor=world.admin,
        bundle=catalog.bundle,
        component=catalog.service,
        data={"min_quantity": Decimal(2), "max_quantity": Decimal(20), "default_quantity": Decimal(5), "order": 7},
    )
    assert (part.required, part.min_quantity, part.max_quantity, part.default_quantity) == (
        False,
        Decimal(2),
        Decimal(20),
        Decimal(5),
    )
    services.bundle_component_update(
        actor=world.admin,
        part=part,
        data={"required": True, "max_quantity": None},
        expected_version=_version(catalog.bundle),
    )
    services.bundle_component_remove(actor=world.admin, part=part)

    assert not BundleComponent.objects.filter(bundle=catalog.bundle, component=catalog.service).exists()
    added, changed, removed = _events(catalog.bundle)
    assert added.text == "SVC-IMP"
    assert added.changes == [
        {"field": "components.component", "old": "", "new": "SVC-IMP 实施服务"},
        {"field": "components.required", "old": "", "new": "False"},
        {"field": "components.min_quantity", "old": "", "new": "2"},
        {"field": "components.max_quantity", "old": "", "new": "20"},
        {"field": "components.default_quantity", "old": "", "new": "5"},
        {"field": "components.order", "old": "", "new": "7"},
    ]
    assert changed.changes == [
        {"field": "components.required", "old": "False", "new": "True"},
        {"field": "components.max_quantity", "old": "20", "new": ""},
    ]
    assert [c["label"] for c in changed.display_changes()] == ["required", "maximum quantity"]
    assert removed.text == "SVC-IMP"
    assert removed.changes[0] == {"field": "components.component", "old": "SVC-IMP 实施服务", "new": ""}
    assert changed.actor == world.admin


@pytest.mark.parametrize(
    ("which", "data", "field"),
    [
        ("bundle", {}, "component_id"),  # itself
        ("other_bundle", {}, "component_id"),  # bundles never nest, so never cycle
        ("server", {}, "component_id"),  # already there
        ("service", {"min_quantity": Decimal(5), "max_quantity": Decimal(2)}, "max_quantity"),
        ("service", {"default_quantity": Decimal(9), "max_quantity": Decimal(3)}, "default_quantity"),
        ("service", {"min_quantity": Decimal(0)}, "min_quantity"),
        ("service", {"colour": "red"}, "colour"),
        ("retired", {}, "component_id"),
    ],
)
def test_a_bad_component_is_refused_and_changes_nothing(
    world: Any, catalog: Catalog, which: str, data: dict[str, Any], field: str
) -> None:
    made = {
        "other_bundle": product("ERP-SUITE", "ERP 套件", is_bundle=True),
        "retired": product("OLD-1", "旧网关", active=False),
    }
    component = made[which] if which in made else getattr(catalog, which)
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.bundle_component_add(actor=world.admin, bundle=catalog.bundle, component=component, data=data)
    assert list(_errors(refused)) == [field]
    assert _state() == before


def test_a_component_that_is_not_a_bundles_is_refused(world: Any, catalog: Catalog) -> None:
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.bundle_component_add(actor=world.admin, bundle=catalog.server, component=catalog.service, data={})
    assert _errors(refused) == {"bundle": ["SRV-01 is not a bundle."]}
    assert _state() == before


def test_a_component_named_by_a_rule_stays_until_the_rule_goes(world: Any, catalog: Catalog) -> None:
    part = BundleComponent.objects.get(bundle=catalog.bundle, component=catalog.ai)
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.bundle_component_remove(actor=world.admin, part=part)
    assert _errors(refused) == {"component_id": ["Remove the configuration rules that name it first."]}
    assert _state() == before
    rule = ConfigurationRule.objects.get(bundle=catalog.bundle, product=catalog.ai)
    services.configuration_rule_remove(actor=world.admin, rule=rule)
    services.bundle_component_remove(actor=world.admin, part=part)
    assert list(BundleComponent.objects.filter(bundle=catalog.bundle).values_list("component__code", flat=True)) == [
        "SRV-01",
        "MES-LIC",
        "DATA-PF",
        "DEP-ONP",
        "DEP-CLD",
    ]


def test_configuration_rules_are_checked(world: Any, catalog: Catalog) -> None:
    rule = services.configuration_rule_add(
        actor=world.admin, bundle=catalog.bundle, product=catalog.cloud, kind="requires", other=catalog.data
    )
    assert _events(catalog.bundle)[-1].changes == [
        {"field": "rules.product", "old": "", "new": "DEP-CLD 云部署"},
        {"field": "rules.kind", "old": "", "new": "requires"},
        {"field": "rules.other", "old": "", "new": "DATA-PF 数据平台"},
    ]
    before = _state()
    refusals = [
        (
            (catalog.cloud, "excludes", catalog.data),
            {"kind": ["Another rule says the opposite about these two products."]},
        ),
        (
            (catalog.data, "excludes", catalog.cloud),
            {"kind": ["Another rule says the opposite about these two products."]},
        ),
        ((catalog.cloud, "requires", catalog.data), {"other_id": ["This rule exists already."]}),
        ((catalog.cloud, "requires", catalog.cloud), {"other_id": ["A rule links two different products."]}),
        ((catalog.service, "requires", catalog.data), {"product_id": ["Choose the bundle or one of its components."]}),
    ]
    for (first, kind, other), errors in refusals:
        with pytest.raises(ValidationError) as refused:
            services.configuration_rule_add(
                actor=world.admin, bundle=catalog.bundle, product=first, kind=kind, other=other
            )
        assert _errors(refused) == errors
    assert _state() == before
    services.configuration_rule_update(
        actor=world.admin, rule=rule, data={"kind": "excludes"}, expected_version=_version(catalog.bundle)
    )
    flipped = _events(catalog.bundle)[-1]
    assert (flipped.text, flipped.changes) == (
        "DEP-CLD → DATA-PF",
        [{"field": "rules.kind", "old": "requires", "new": "excludes"}],
    )


def test_price_book_create_update_and_deactivate(world: Any, catalog: Catalog) -> None:
    book = services.price_book_create(
        actor=world.admin,
        data={
            "name": " 华东制造业价目表 ",
            "currency": "CNY",
            "industry": "manufacturing",
            "valid_from": date(2027, 1, 1),
        },
    )
    assert (book.name, book.version, book.active) == ("华东制造业价目表", 1, True)
    assert [e.kind for e in _events(book)] == ["created"]
    services.price_book_update(
        actor=world.admin, book=book, data={"valid_to": date(2027, 12, 31), "region": "east"}, expected_version=1
    )
    assert _events(book)[-1].changes == [
        {"field": "valid_to", "old": "", "new": "2027-12-31"},
        {"field": "region", "old": "", "new": "east"},
    ]
    book.refresh_from_db()
    assert book.version == 2
    before = _state()
    with pytest.raises(StaleVersionError):
        services.price_book_update(actor=world.admin, book=book, data={"name": "旧"}, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        services.price_book_update(
            actor=world.admin, book=book, data={"valid_to": date(2026, 1, 1)}, expected_version=2
        )
    assert _errors(refused) == {"valid_to": ["The end date is before the start date."]}
    with pytest.raises(ValidationError) as refused:
        services.price_book_create(actor=world.admin, data={"name": "标准价目表 2026", "valid_from": date(2026, 1, 1)})
    assert list(_errors(refused)) == ["name"]
    with pytest.raises(ValidationError) as refused:
        services.price_book_update(actor=world.admin, book=catalog.book, data={"currency": "USD"}, expected_version=1)
    assert _errors(refused) == {"currency": ["The book has prices in CNY: its currency stays."]}
    book.refresh_from_db()
    catalog.book.refresh_from_db()
    assert _state() == before
    services.price_book_deactivate(actor=world.admin, book=book, expected_version=2)
    book.refresh_from_db()
    assert (book.active, book.version) == (False, 3)
    assert _events(book)[-1].changes == [{"field": "active", "old": "True", "new": "False"}]


def test_entries_and_volume_tiers_keep_a_descending_ladder(world: Any, catalog: Catalog) -> None:
    entry = PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence)  # 2000; 50: 1800; 200: 1500
    before = _state()
    bad = [
        ((Decimal(100), Decimal(1900)), ["From 100 units the price 1,900 must be below 1,800."]),
        ((Decimal(20), Decimal(2000)), ["From 20 units the price 2,000 must be below 2,000."]),
        ((Decimal(1), Decimal(1950)), ["A volume price starts above one unit; set the list price instead."]),
    ]
    for (quantity, price), messages in bad:
        with pytest.raises(ValidationError) as refused:
            services.price_tier_add(
                actor=world.admin, entry=entry, min_quantity=quantity, unit_price=price, expected_version=1
            )
        assert _errors(refused) == {"unit_price": messages}
    with pytest.raises(ValidationError) as refused:
        services.price_tier_add(
            actor=world.admin, entry=entry, min_quantity=Decimal(50), unit_price=Decimal(1700), expected_version=1
        )
    assert _errors(refused) == {"min_quantity": ["A volume price from this quantity exists already."]}
    with pytest.raises(ValidationError) as refused:
        services.price_book_entry_set(
            actor=world.admin, book=catalog.book, product=catalog.licence, unit_price=Decimal(1700), expected_version=1
        )
    assert _errors(refused) == {"unit_price": ["From 50 units the price 1,800 must be below 1,700."]}
    assert _state() == before

    tier = services.price_tier_add(
        actor=world.admin, entry=entry, min_quantity=Decimal(500), unit_price=Decimal("1200.50"), expected_version=1
    )
    services.price_tier_update(actor=world.admin, tier=tier, data={"unit_price": Decimal(1300)}, expected_version=2)
    services.price_book_entry_set(
        actor=world.admin,
        book=catalog.book,
        product=catalog.licence,
        unit_price=Decimal(2100),
        unit_cost=Decimal(150),
        expected_version=3,
    )
    assert _version(catalog.book) == 4
    added, changed, priced = _events(catalog.book)
    assert added.text == "MES-LIC ≥ 500"
    assert added.changes == [
        {"field": "entries.tiers.min_quantity", "old": "", "new": "500"},
        {"field": "entries.tiers.unit_price", "old": "", "new": "1200.50"},
    ]
    assert changed.changes == [{"field": "entries.tiers.unit_price", "old": "1200.50", "new": "1300"}]
    assert [c["label"] for c in changed.display_changes()] == ["unit price"]
    assert priced.text == "MES-LIC"
    assert priced.changes == [
        {"field": "entries.unit_price", "old": "2000.0000", "new": "2100"},
        {"field": "entries.unit_cost", "old": "", "new": "150"},
    ]
    assert list(entry.tiers.values_list("min_quantity", "unit_price")) == [
        (Decimal(50), Decimal(1800)),
        (Decimal(200), Decimal(1500)),
        (Decimal(500), Decimal(1300)),
    ]
    services.price_book_entry_remove(actor=world.admin, entry=entry)
    assert not PriceBookEntry.objects.filter(pk=entry.pk).exists()
    assert not PriceTier.objects.filter(entry_id=entry.pk).exists()
    assert _events(catalog.book)[-1].text == "MES-LIC"


def test_a_new_entry_is_on_the_books_timeline(world: Any, catalog: Catalog) -> None:
    gateway = product("GW-01", "网关")
    entry = services.price_book_entry_set(
        actor=world.admin, book=catalog.book, product=gateway, unit_price=Decimal("8800.5"), expected_version=1
    )
    assert (entry.unit_price, entry.unit_cost) == (Decimal("8800.5"), None)
    event = _events(catalog.book)[-1]
    assert (event.text, event.changes) == (
        "GW-01",
        [{"field": "entries.unit_price", "old": "", "new": "8800.5"}],
    )
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.price_book_entry_set(
            actor=world.admin, book=catalog.book, product=gateway, unit_price=Decimal(-1), expected_version=2
        )
    assert list(_errors(refused)) == ["unit_price"]
    assert _state() == before


def test_contracted_prices_do_not_overlap_and_in_force_ones_are_ended_not_repriced(
    world: Any, catalog: Catalog
) -> None:
    today = timezone.localdate()
    price = services.contract_price_add(
        actor=world.admin,
        account=world.account,
        product=catalog.service,
        data={"unit_price": Decimal(1200), "valid_from": today - timedelta(days=30), "reference": "框架协议 A"},
    )
    assert price.version == 1
    event = _events(world.account)[-1]
    assert event.text == "SVC-IMP"
    assert event.changes[:3] == [
        {"field": "contract_prices.product", "old": "", "new": "SVC-IMP 实施服务"},
        {"field": "contract_prices.currency", "old": "", "new": "CNY"},
        {"field": "contract_prices.unit_price", "old": "", "new": "1200"},
    ]
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.contract_price_add(
            actor=world.admin,
            account=world.account,
            product=catalog.service,
            data={"unit_price": Decimal(1100), "valid_from": today},
        )
    start = (today - timedelta(days=30)).isoformat()
    assert _errors(refused) == {
        "valid_from": [f"A contracted price of 1,200 applies from {start}: end it before this one starts."]
    }
    with pytest.raises(ValidationError) as refused:
        services.contract_price_update(
            actor=world.admin, price=price, data={"unit_price": Decimal(1000)}, expected_version=1
        )
    assert _errors(refused) == {"unit_price": [f"In force since {start}: end it and add a new contracted price."]}
    with pytest.raises(StaleVersionError):
        services.contract_price_end(actor=world.admin, price=price, expected_version=2)
    with pytest.raises(ValidationError) as refused:
        services.contract_price_end(actor=world.admin, price=price, expected_version=1, on=today - timedelta(days=31))
    assert _errors(refused) == {"on": [f"It starts on {start}: change its dates instead."]}
    assert _state() == before

    services.contract_price_end(actor=world.admin, price=price, expected_version=1)
    price.refresh_from_db()
    assert (price.valid_to, price.version, price.unit_price) == (today, 2, Decimal(1200))
    assert _events(world.account)[-1].changes == [
        {"field": "contract_prices.valid_to", "old": "", "new": today.isoformat()}
    ]
    following = services.contract_price_add(
        actor=world.admin,
        account=world.account,
        product=catalog.service,
        data={"unit_price": Decimal(1000), "valid_from": today + timedelta(days=1)},
    )
    services.contract_price_update(
        actor=world.admin, price=following, data={"unit_price": Decimal(990)}, expected_version=1
    )  # not in force yet: still open to change
    assert ContractPrice.objects.filter(account=world.account).count() == 2


def test_quotes_already_priced_keep_their_prices(world: Any, catalog: Catalog) -> None:
    ContractPrice.objects.create(
        account=world.account, product=catalog.service, unit_price=Decimal("1200"), valid_from=date(2026, 1, 1)
    )
    quote = make_quote(world, catalog)
    lines = [
        {"product_id": catalog.licence.pk, "quantity": "60"},
        {"product_id": catalog.server.pk, "quantity": "2"},
        {"product_id": catalog.service.pk, "quantity": "10"},
    ]
    quote_services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": lines}
    )
    quote.refresh_from_db()

    def priced() -> list[tuple[str, Decimal, Decimal, str]]:
        rows = quote.current.lines.order_by("position").values_list("code", "list_price", "unit_price", "price_source")
        return list(rows)

    assert priced() == [
        ("MES-LIC", Decimal(2000), Decimal(1800), "tier"),
        ("SRV-01", Decimal(50000), Decimal(50000), "list"),
        ("SVC-IMP", Decimal(1500), Decimal(1200), "contract"),
    ]
    total = quote.current.grand_total
    licence = PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence)
    services.price_tier_update(
        actor=world.admin, tier=licence.tiers.get(min_quantity=50), data={"unit_price": 1700}, expected_version=1
    )
    services.price_tier_add(
        actor=world.admin, entry=licence, min_quantity=Decimal(10), unit_price=Decimal(1900), expected_version=2
    )
    services.price_book_entry_set(
        actor=world.admin, book=catalog.book, product=catalog.server, unit_price=Decimal(45000), expected_version=3
    )
    contracted = ContractPrice.objects.get()
    services.contract_price_end(actor=world.admin, price=contracted, expected_version=1)
    services.price_book_deactivate(actor=world.admin, book=catalog.book, expected_version=4)

    quote.refresh_from_db()
    assert priced() == [
        ("MES-LIC", Decimal(2000), Decimal(1800), "tier"),
        ("SRV-01", Decimal(50000), Decimal(50000), "list"),
        ("SVC-IMP", Decimal(1500), Decimal(1200), "contract"),
    ]
    assert quote.current.grand_total == total


def _parts_state() -> tuple[Any, ...]:
    """The configuration and the versions of the records that own its parts."""
    return (_state(), list(Product.objects.order_by("pk").values_list("pk", "version")))


def test_a_part_change_from_a_stale_version_is_refused_and_changes_nothing(world: Any, catalog: Catalog) -> None:
    """Two administrators read the book (or bundle) at the same version; the second one to write
    is refused instead of silently overwriting the first one's change."""
    entry = PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence)
    tier = entry.tiers.get(min_quantity=50)
    part = BundleComponent.objects.get(bundle=catalog.bundle, component=catalog.server)
    rule = catalog.bundle.rules.get(product=catalog.onprem)
    read_book, read_bundle = _version(catalog.book), _version(catalog.bundle)
    services.price_tier_update(
        actor=world.admin, tier=tier, data={"unit_price": Decimal(1700)}, expected_version=read_book
    )
    services.bundle_component_update(
        actor=world.admin, part=part, data={"required": False}, expected_version=read_bundle
    )
    assert (_version(catalog.book), _version(catalog.bundle)) == (read_book + 1, read_bundle + 1)
    before = _parts_state()
    entry = PriceBookEntry.objects.get(pk=entry.pk)
    stale = [
        lambda: services.price_book_entry_set(
            actor=world.admin,
            book=catalog.book,
            product=catalog.licence,
            unit_price=Decimal(2200),
            expected_version=read_book,
        ),
        lambda: services.price_tier_add(
            actor=world.admin,
            entry=entry,
            min_quantity=Decimal(500),
            unit_price=Decimal(1000),
            expected_version=read_book,
        ),
        lambda: services.price_tier_update(
            actor=world.admin,
            tier=PriceTier.objects.get(pk=tier.pk),
            data={"unit_price": Decimal(1750)},
            expected_version=read_book,
        ),
        lambda: services.price_tier_remove(
            actor=world.admin, tier=PriceTier.objects.get(pk=tier.pk), expected_version=read_book
        ),
        lambda: services.price_book_entry_remove(actor=world.admin, entry=entry, expected_version=read_book),
        lambda: services.bundle_component_update(
            actor=world.admin, part=part, data={"required": True}, expected_version=read_bundle
        ),
        lambda: services.bundle_component_add(
            actor=world.admin, bundle=catalog.bundle, component=catalog.service, data={}, expected_version=read_bundle
        ),
        lambda: services.configuration_rule_update(
            actor=world.admin, rule=rule, data={"kind": "requires"}, expected_version=read_bundle
        ),
        lambda: services.configuration_rule_remove(actor=world.admin, rule=rule, expected_version=read_bundle),
    ]
    for attempt in stale:
        with pytest.raises(StaleVersionError):
            attempt()
    assert _parts_state() == before


def _locked_before(table: str, lock: str, queries: list[dict[str, str]]) -> bool:
    """Whether the first read of `table` came after a row lock on `lock`."""
    sql = [q["sql"] for q in queries]
    locks = [i for i, q in enumerate(sql) if "FOR UPDATE" in q and lock in q]
    reads = [i for i, q in enumerate(sql) if q.startswith("SELECT") and table in q and "FOR UPDATE" not in q]
    return bool(locks) and bool(reads) and locks[0] < reads[0]


NO_ROW_LOCKS = pytest.mark.skipif(not connection.features.has_select_for_update, reason="the database has no row locks")


@NO_ROW_LOCKS
def test_the_tier_ladder_is_checked_under_the_books_row_lock(world: Any, catalog: Catalog) -> None:
    """Two concurrent tier edits cannot each pass the ladder check and together break it."""
    entry = PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence)
    with CaptureQueriesContext(connection) as tiers:
        services.price_tier_add(
            actor=world.admin, entry=entry, min_quantity=Decimal(500), unit_price=Decimal(1000), expected_version=1
        )
    assert _locked_before('"catalog_pricetier"', '"catalog_pricebook"', tiers.captured_queries)


@NO_ROW_LOCKS
def test_overlapping_contracted_prices_are_checked_under_the_accounts_row_lock(world: Any, catalog: Catalog) -> None:
    """Two concurrent overlapping agreements for one customer cannot both pass the overlap check."""
    with CaptureQueriesContext(connection) as prices:
        services.contract_price_add(
            actor=world.admin,
            account=world.account,
            product=catalog.server,
            data={"unit_price": Decimal(1), "valid_from": date(2026, 1, 1)},
        )
    assert _locked_before('"catalog_contractprice"', '"customers_account"', prices.captured_queries)
