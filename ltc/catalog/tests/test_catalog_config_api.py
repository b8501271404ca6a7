"""The catalog's configuration API: bundle components and rules, price books, entries, volume
tiers and contracted prices — administrators write (If-Match where versioned), others are refused
and nothing changes; answers keep to the OpenAPI document (api_as checks every exchange)."""

from __future__ import annotations

from datetime import timedelta
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


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _fields(answer: Any) -> dict[str, list[str]]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def test_components_and_rules_through_the_api(world: Any, catalog: Catalog, api_as: Any) -> None:
    admin = api_as(world.admin)
    bundle = catalog.bundle.pk
    added = admin.post(
        f"/products/{bundle}/components",
        {"component_id": catalog.service.pk, "min_quantity": "2", "max_quantity": "40", "default_quantity": "5"},
        **{"If-Match": '"1"'},
    )
    assert added.status_code == 201, added.json()
    assert added.json() == {
        "component_id": catalog.service.pk,
        "code": "SVC-IMP",
        "name": "实施服务",
        "required": False,
        "min_quantity": "2.00",
        "max_quantity": "40.00",
        "default_quantity": "5.00",
    }
    assert added.headers["ETag"] == '"2"'
    changed = admin.patch(
        f"/products/{bundle}/components/{catalog.service.pk}", {"required": True}, **{"If-Match": '"2"'}
    )
    assert (changed.status_code, changed.json()["required"], changed.headers["ETag"]) == (200, True, '"3"')
    rule = admin.post(
        f"/products/{bundle}/rules",
        {"product_id": catalog.service.pk, "kind": "requires", "other_id": catalog.onprem.pk},
        **{"If-Match": '"3"'},
    )
    assert rule.status_code == 201, rule.json()
    assert rule.json()["text"] == "实施服务 requires 本地部署"
    rule_id = rule.json()["id"]
    flipped = admin.patch(f"/products/{bundle}/rules/{rule_id}", {"kind": "excludes"}, **{"If-Match": '"4"'})
    assert (flipped.status_code, flipped.json()["kind"], flipped.headers["ETag"]) == (200, "excludes", '"5"')
    assert rule.headers["ETag"] == '"4"'
    assert admin.request("DELETE", f"/products/{bundle}/rules/{rule_id}", **{"If-Match": '"5"'}).status_code == 204
    removed = admin.request("DELETE", f"/products/{bundle}/components/{catalog.service.pk}", **{"If-Match": '"6"'})
    assert removed.status_code == 204
    assert not BundleComponent.objects.filter(component=catalog.service).exists()
    assert not ConfigurationRule.objects.filter(pk=rule_id).exists()


def test_bad_or_refused_component_changes_change_nothing(world: Any, catalog: Catalog, api_as: Any) -> None:
    admin = api_as(world.admin)
    bundle = catalog.bundle.pk
    count, events = BundleComponent.objects.count(), TimelineEvent.objects.count()
    current = {"If-Match": '"1"'}
    itself = admin.post(f"/products/{bundle}/components", {"component_id": bundle}, **current)
    assert (itself.status_code, _fields(itself)) == (422, {"component_id": "A bundle cannot contain itself."})
    unknown = admin.post(f"/products/{bundle}/components", {"component_id": 999999}, **current)
    assert (unknown.status_code, _fields(unknown)) == (422, {"component_id": "Choose a product of the catalog."})
    negative = admin.post(
        f"/products/{bundle}/components", {"component_id": catalog.service.pk, "min_quantity": "0"}, **current
    )
    assert (negative.status_code, list(_fields(negative))) == (422, ["min_quantity"])
    owner = api_as(world.owner)
    assert owner.post(f"/products/{bundle}/components", {"component_id": catalog.service.pk}).status_code == 403
    assert owner.request("DELETE", f"/products/{bundle}/components/{catalog.server.pk}").status_code == 403
    assert admin.request("DELETE", f"/products/{bundle}/components/{catalog.service.pk}").status_code == 404
    assert (BundleComponent.objects.count(), TimelineEvent.objects.count()) == (count, events)


def test_price_books_entries_and_tiers_through_the_api(world: Any, catalog: Catalog, api_as: Any) -> None:
    admin = api_as(world.admin)
    created = admin.post(
        "/price-books", {"name": "美元价目表", "currency": "USD", "valid_from": "2026-01-01", "region": "east"}
    )
    assert created.status_code == 201, created.json()
    assert created.headers["ETag"] == '"1"'
    book = created.json()
    assert {k: book[k] for k in ("name", "currency", "region", "industry", "valid_to", "active", "entries")} == {
        "name": "美元价目表",
        "currency": "USD",
        "region": "east",
        "industry": "",
        "valid_to": None,
        "active": True,
        "entries": [],
    }
    path = f"/price-books/{book['id']}"
    assert admin.patch(path, {"valid_to": "2026-12-31"}).status_code == 428
    assert admin.patch(path, {"valid_to": "2026-12-31"}, **{"If-Match": '"7"'}).status_code == 412
    updated = admin.patch(path, {"valid_to": "2026-12-31"}, **{"If-Match": '"1"'})
    assert (updated.status_code, updated.json()["valid_to"], updated.headers["ETag"]) == (200, "2026-12-31", '"2"')

    entry = admin.request(
        "PUT", f"{path}/entries/{catalog.licence.pk}", {"unit_price": "300", "unit_cost": "30"}, **{"If-Match": '"2"'}
    )
    assert (entry.status_code, entry.headers["ETag"]) == (200, '"3"'), entry.json()
    assert entry.json() == {
        "product_id": catalog.licence.pk,
        "code": "MES-LIC",
        "name": "MES 用户许可",
        "unit_price": "300.0000",
        "unit_cost": "30.0000",
        "tiers": [],
    }
    tiers = f"{path}/entries/{catalog.licence.pk}/tiers"
    tier = admin.post(tiers, {"min_quantity": "100", "unit_price": "270"}, **{"If-Match": '"3"'})
    assert (tier.status_code, tier.headers["ETag"]) == (201, '"4"'), tier.json()
    assert {k: tier.json()[k] for k in ("min_quantity", "unit_price")} == {
        "min_quantity": "100.00",
        "unit_price": "270.0000",
    }
    too_dear = admin.post(tiers, {"min_quantity": "200", "unit_price": "280"}, **{"If-Match": '"4"'})
    assert (too_dear.status_code, _fields(too_dear)) == (
        422,
        {"unit_price": "From 200 units the price 280 must be below 270."},
    )
    tier_path = f"{path}/entries/{catalog.licence.pk}/tiers/{tier.json()['id']}"
    assert admin.patch(tier_path, {"unit_price": "260"}, **{"If-Match": '"4"'}).json()["unit_price"] == "260.0000"
    detail = admin.get(path).json()
    assert detail["entries"][0]["tiers"] == [
        {"id": tier.json()["id"], "min_quantity": "100.00", "unit_price": "260.0000"}
    ]
    assert admin.request("DELETE", tier_path, **{"If-Match": '"5"'}).status_code == 204
    assert admin.request("DELETE", f"{path}/entries/{catalog.licence.pk}", **{"If-Match": '"6"'}).status_code == 204
    assert not PriceBookEntry.objects.filter(price_book_id=book["id"]).exists()

    off = admin.post(f"{path}/deactivate", **{"If-Match": '"7"'})
    assert (off.status_code, off.json()["active"], off.headers["ETag"]) == (200, False, '"8"')
    again = admin.post(f"{path}/deactivate", **{"If-Match": '"8"'})
    assert (again.status_code, _fields(again)) == (422, {"active": "The price book is inactive already."})


def test_part_changes_need_the_owners_current_version(world: Any, catalog: Catalog, api_as: Any) -> None:
    """Entries and tiers change from the book's version, components and rules from the bundle's:
    without If-Match 428, from a stale one 412, and nothing changes."""
    admin = api_as(world.admin)
    book, bundle = catalog.book.pk, catalog.bundle.pk
    entry = f"/price-books/{book}/entries/{catalog.licence.pk}"
    tier = PriceTier.objects.get(entry__price_book=catalog.book, entry__product=catalog.licence, min_quantity=50)
    rule = catalog.bundle.rules.get(product=catalog.onprem)
    changes = [
        ("PUT", entry, {"unit_price": "2100"}),
        ("POST", f"{entry}/tiers", {"min_quantity": "500", "unit_price": "1200"}),
        ("PATCH", f"{entry}/tiers/{tier.pk}", {"unit_price": "1700"}),
        ("DELETE", f"{entry}/tiers/{tier.pk}", None),
        ("PATCH", f"/products/{bundle}/components/{catalog.server.pk}", {"required": False}),
        ("PATCH", f"/products/{bundle}/rules/{rule.pk}", {"kind": "requires"}),
        ("DELETE", f"/products/{bundle}/rules/{rule.pk}", None),
        ("POST", f"/products/{bundle}/components", {"component_id": catalog.service.pk}),
        (
            "POST",
            f"/products/{bundle}/rules",
            {"product_id": catalog.cloud.pk, "kind": "requires", "other_id": catalog.data.pk},
        ),
        ("DELETE", entry, None),
    ]

    def state() -> tuple[Any, ...]:
        return (
            list(PriceBook.objects.values()),
            list(PriceBookEntry.objects.values()),
            list(PriceTier.objects.values()),
            list(BundleComponent.objects.values()),
            list(ConfigurationRule.objects.values()),
            list(Product.objects.values_list("pk", "version")),
            TimelineEvent.objects.count(),
        )

    before = state()
    for method, path, body in changes:
        assert admin.request(method, path, body).status_code == 428, (method, path)
        assert admin.request(method, path, body, **{"If-Match": '"9"'}).status_code == 412, (method, path)
    assert state() == before

    first = admin.request("PUT", entry, {"unit_price": "2100"}, **{"If-Match": '"1"'})
    assert (first.status_code, first.headers["ETag"]) == (200, '"2"')
    second = admin.request("PUT", entry, {"unit_price": "2200"}, **{"If-Match": '"1"'})
    assert second.status_code == 412
    assert PriceBookEntry.objects.get(price_book=catalog.book, product=catalog.licence).unit_price == Decimal(2100)


def test_others_may_read_price_books_but_not_change_them(world: Any, catalog: Catalog, api_as: Any) -> None:
    owner = api_as(world.owner)
    book = catalog.book.pk
    before = (
        list(PriceBook.objects.values()),
        list(PriceBookEntry.objects.values()),
        list(PriceTier.objects.values()),
        TimelineEvent.objects.count(),
    )
    assert owner.get(f"/price-books/{book}").json()["version"] == 1
    assert owner.post("/price-books", {"name": "x", "valid_from": "2026-01-01"}).status_code == 403
    assert owner.patch(f"/price-books/{book}", {"name": "x"}, **{"If-Match": '"1"'}).status_code == 403
    assert (
        owner.request("PUT", f"/price-books/{book}/entries/{catalog.server.pk}", {"unit_price": "1"}).status_code == 403
    )
    tiers = f"/price-books/{book}/entries/{catalog.licence.pk}/tiers"
    assert owner.post(tiers, {"min_quantity": "500", "unit_price": "1000"}).status_code == 403
    assert owner.post(f"/price-books/{book}/deactivate", **{"If-Match": '"1"'}).status_code == 403
    after = (
        list(PriceBook.objects.values()),
        list(PriceBookEntry.objects.values()),
        list(PriceTier.objects.values()),
        TimelineEvent.objects.count(),
    )
    assert after == before


def test_contracted_prices_through_the_api(world: Any, catalog: Catalog, api_as: Any) -> None:
    admin = api_as(world.admin)
    today = timezone.localdate()
    body = {
        "account_id": world.account.pk,
        "product_id": catalog.service.pk,
        "unit_price": "1200",
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "reference": "框架协议 2026-07",
    }
    created = admin.post("/contract-prices", body)
    assert created.status_code == 201, created.json()
    price = created.json()
    assert {k: price[k] for k in ("account_name", "code", "currency", "unit_price", "valid_to", "version")} == {
        "account_name": "锦程智能制造有限公司",
        "code": "SVC-IMP",
        "currency": "CNY",
        "unit_price": "1200.0000",
        "valid_to": None,
        "version": 1,
    }
    listed = admin.get(f"/contract-prices?account_id={world.account.pk}").json()
    assert [p["id"] for p in listed["items"]] == [price["id"]]
    path = f"/contract-prices/{price['id']}"
    repriced = admin.patch(path, {"unit_price": "1000"}, **{"If-Match": '"1"'})
    assert repriced.status_code == 422
    assert list(_fields(repriced)) == ["unit_price"]
    ended = admin.post(f"{path}/end", {}, **{"If-Match": '"1"'})
    assert (ended.status_code, ended.json()["valid_to"], ended.json()["unit_price"]) == (
        200,
        today.isoformat(),
        "1200.0000",
    )
    owner = api_as(world.owner)
    assert owner.get("/contract-prices").status_code == 403
    assert owner.post("/contract-prices", body).status_code == 403
    assert owner.post(f"{path}/end", {}, **{"If-Match": '"2"'}).status_code == 403
    missing = admin.post("/contract-prices", {**body, "account_id": 999999})
    assert (missing.status_code, _fields(missing)) == (422, {"account_id": "Choose a customer."})
    assert ContractPrice.objects.count() == 1
    assert ContractPrice.objects.get().unit_price == Decimal(1200)


def test_an_entry_is_patched_field_by_field_from_the_books_version(world: Any, catalog: Catalog, api_as: Any) -> None:
    """PATCH changes the fields sent only (the unit cost stays when only the price is sent),
    needs the book's version, refuses bad values and a product not in the book, changing nothing."""
    PriceBookEntry.objects.filter(price_book=catalog.book, product=catalog.server).update(unit_cost=Decimal(30000))
    admin = api_as(world.admin)
    path = f"/price-books/{catalog.book.pk}/entries/{catalog.server.pk}"
    before = list(PriceBookEntry.objects.order_by("pk").values()), PriceBook.objects.get(pk=catalog.book.pk).version

    assert admin.patch(path, {"unit_price": "52000"}).status_code == 428
    assert admin.patch(path, {"unit_price": "52000"}, **{"If-Match": '"7"'}).status_code == 412
    bad = admin.patch(path, {"unit_price": "-1"}, **{"If-Match": '"1"'})
    assert bad.status_code == 422
    assert bad.headers["Content-Type"] == "application/problem+json"
    licence = f"/price-books/{catalog.book.pk}/entries/{catalog.licence.pk}"
    below_tiers = admin.patch(licence, {"unit_price": "1700"}, **{"If-Match": '"1"'})
    assert (below_tiers.status_code, list(_fields(below_tiers))) == (422, ["unit_price"])
    outside = api_as(world.admin).patch(
        f"/price-books/{catalog.book.pk}/entries/{catalog.bundle.pk + 999}", {"unit_price": "1"}, **{"If-Match": '"1"'}
    )
    assert outside.status_code == 404
    assert api_as(world.owner).patch(path, {"unit_price": "1"}, **{"If-Match": '"1"'}).status_code == 403
    assert (list(PriceBookEntry.objects.order_by("pk").values()), catalog.book.version) == before

    changed = admin.patch(path, {"unit_price": "52000"}, **{"If-Match": '"1"'})

    assert (changed.status_code, changed.headers["ETag"]) == (200, '"2"'), changed.json()
    assert {k: changed.json()[k] for k in ("unit_price", "unit_cost")} == {
        "unit_price": "52000.0000",
        "unit_cost": "30000.0000",
    }
    cleared = admin.patch(path, {"unit_cost": None}, **{"If-Match": '"2"'})
    assert (cleared.json()["unit_price"], cleared.json()["unit_cost"]) == ("52000.0000", None)
    event = TimelineEvent.objects.filter(object_id=catalog.book.pk, kind="changed").order_by("-id").first()
    assert event is not None
    assert event.text == "SRV-01"
