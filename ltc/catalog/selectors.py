"""Reads of the catalog. Every signed-in user sees products and price books (they are what the
company sells, not customer data); contracted prices are shown only on quotes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from ltc.catalog.models import BundleComponent, ConfigurationRule, PriceBook, PriceBookEntry, Product
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
