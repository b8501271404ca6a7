"""Reads of the catalog. Every signed-in user sees products and price books (they are what the
company sells, not customer data); contracted prices are shown only on quotes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.core.access import fetch_or_404

PRODUCT_SORTS = {"code": ("code",), "name": ("name", "code"), "-cost": ("-cost", "code"), "family": ("family", "code")}


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    product_type: str = ""
    family: str = ""
    active: bool | None = True
    bundle: bool | None = None
    sort: str = "code"


def product_list(*, filters: ProductFilters = ProductFilters()) -> QuerySet[Product]:
    qs = Product.objects.all()
    if term := filters.q.strip()[:100]:
        qs = qs.filter(Q(code__icontains=term) | Q(name__icontains=term) | Q(name_en__icontains=term))
    if filters.product_type:
        qs = qs.filter(product_type=filters.product_type)
    if filters.family:
        qs = qs.filter(family=filters.family)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.bundle is not None:
        qs = qs.filter(is_bundle=filters.bundle)
    return qs.order_by(*PRODUCT_SORTS.get(filters.sort, PRODUCT_SORTS["code"]))


def product_get(*, pk: Any) -> Product:
    components = BundleComponent.objects.select_related("component")
    rules = ConfigurationRule.objects.select_related("product", "other")
    prices = PriceBookEntry.objects.select_related("price_book").prefetch_related("tiers")
    lookups: list[Any] = [
        Prefetch("components", queryset=components),
        Prefetch("rules", queryset=rules),
        Prefetch("prices", queryset=prices),
    ]
    return fetch_or_404(Product.objects.prefetch_related(*lookups), pk=pk)


def families() -> list[str]:
    return list(Product.objects.exclude(family="").order_by("family").values_list("family", flat=True).distinct())


def price_book_list(*, currency: str = "", active_only: bool = True) -> QuerySet[PriceBook]:
    qs = PriceBook.objects.all()
    if currency:
        qs = qs.filter(currency=currency)
    return qs.filter(active=True) if active_only else qs


def price_book_get(*, pk: Any) -> PriceBook:
    entries = PriceBookEntry.objects.select_related("product").prefetch_related("tiers")
    lookup: Any = Prefetch("entries", queryset=entries)
    return fetch_or_404(PriceBook.objects.prefetch_related(lookup), pk=pk)


def bundle_component_get(*, bundle_id: Any, component_id: Any) -> BundleComponent:
    return fetch_or_404(
        BundleComponent.objects.select_related("bundle", "component"), bundle_id=bundle_id, component_id=component_id
    )


def configuration_rule_get(*, bundle_id: Any, pk: Any) -> ConfigurationRule:
    return fetch_or_404(
        ConfigurationRule.objects.select_related("bundle", "product", "other"), bundle_id=bundle_id, pk=pk
    )


def price_book_entry_get(*, price_book_id: Any, product_id: Any) -> PriceBookEntry:
    entries = PriceBookEntry.objects.select_related("price_book", "product").prefetch_related("tiers")
    return fetch_or_404(entries, price_book_id=price_book_id, product_id=product_id)


def price_tier_get(*, price_book_id: Any, pk: Any, product_id: Any = None) -> PriceTier:
    tiers = PriceTier.objects.select_related("entry__price_book", "entry__product")
    if product_id is not None:
        tiers = tiers.filter(entry__product_id=product_id)
    return fetch_or_404(tiers, entry__price_book_id=price_book_id, pk=pk)


def contract_price_list(*, account_id: int | None = None, product_id: int | None = None) -> QuerySet[ContractPrice]:
    """Contracted prices for catalog administrators (the caller checks), newest agreement first."""
    qs = ContractPrice.objects.select_related("account", "product")
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return qs.order_by("-valid_from", "-pk")


def contract_price_get(*, pk: Any) -> ContractPrice:
    return fetch_or_404(ContractPrice.objects.select_related("account", "product"), pk=pk)
