"""/api/v1/products and /api/v1/price-books: read by every signed-in user, products written by admins."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from ltc.catalog import selectors, services
from ltc.catalog.choices import ProductType, TaxRate
from ltc.catalog.models import BundleComponent, ConfigurationRule, PriceBook, PriceBookEntry, Product
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import Money, OneOf
from ltc.org.types import AuthedRequest

router = Router(tags=["catalog"])


class ProductOut(Schema):
    id: int
    version: int
    code: str
    name: str
    name_en: str
    product_type: str
    unit: str
    family: str
    cost: Money
    tax_rate: int
    is_bundle: bool
    active: bool


class ComponentOut(Schema):
    component_id: int
    code: str
    name: str
    required: bool
    min_quantity: Decimal
    max_quantity: Decimal | None
    default_quantity: Decimal

    @staticmethod
    def resolve_code(obj: BundleComponent) -> str:
        return obj.component.code

    @staticmethod
    def resolve_name(obj: BundleComponent) -> str:
        return obj.component.display_name


class RuleOut(Schema):
    product_id: int
    kind: str
    other_id: int
    text: str

    @staticmethod
    def resolve_text(obj: ConfigurationRule) -> str:
        return f"{obj.product.display_name} {obj.get_kind_display()} {obj.other.display_name}"


class TierOut(Schema):
    min_quantity: Decimal
    unit_price: Decimal


class PriceOut(Schema):
    price_book_id: int
    price_book: str
    currency: str
    unit_price: Decimal
    tiers: list[TierOut]

    @staticmethod
    def resolve_price_book(obj: PriceBookEntry) -> str:
        return obj.price_book.name

    @staticmethod
    def resolve_currency(obj: PriceBookEntry) -> str:
        return obj.price_book.currency

    @staticmethod
    def resolve_tiers(obj: PriceBookEntry) -> list[Any]:
        return list(obj.tiers.all())


class ProductDetailOut(ProductOut):
    description: str
    components: list[ComponentOut]
    rules: list[RuleOut]
    prices: list[PriceOut]

    @staticmethod
    def resolve_components(obj: Product) -> list[Any]:
        return list(obj.components.all())

    @staticmethod
    def resolve_rules(obj: Product) -> list[Any]:
        return list(obj.rules.all())

    @staticmethod
    def resolve_prices(obj: Product) -> list[Any]:
        return list(obj.prices.all())


class ProductIn(Schema):
    code: str
    name: str
    name_en: str = ""
    product_type: Annotated[str, OneOf(ProductType)]
    unit: str = "套"
    family: str = ""
    description: str = ""
    cost: Decimal = Field(Decimal(0), ge=0)
    tax_rate: Annotated[int, OneOf(TaxRate)] = 13
    is_bundle: bool = False
    active: bool = True


class ProductPatch(Schema):
    code: str | None = None
    name: str | None = None
    name_en: str | None = None
    product_type: Annotated[str, OneOf(ProductType)] | None = None
    unit: str | None = None
    family: str | None = None
    description: str | None = None
    cost: Decimal | None = Field(None, ge=0)
    tax_rate: Annotated[int, OneOf(TaxRate)] | None = None
    is_bundle: bool | None = None
    active: bool | None = None


class ProductQuery(Schema):
    q: str = ""
    product_type: Annotated[str, OneOf(ProductType, blank=True)] = ""
    family: str = ""
    active: bool | None = True
    bundle: bool | None = None
    sort: str = "code"
    limit: int = 50
    offset: int = 0


class PriceBookOut(Schema):
    id: int
    name: str
    currency: str
    industry: str
    region: str
    valid_from: date
    valid_to: date | None
    active: bool


class EntryOut(Schema):
    product_id: int
    code: str
    name: str
    unit_price: Decimal
    tiers: list[TierOut]

    @staticmethod
    def resolve_code(obj: PriceBookEntry) -> str:
        return obj.product.code

    @staticmethod
    def resolve_name(obj: PriceBookEntry) -> str:
        return obj.product.display_name

    @staticmethod
    def resolve_tiers(obj: PriceBookEntry) -> list[Any]:
        return list(obj.tiers.all())


class PriceBookDetailOut(PriceBookOut):
    entries: list[EntryOut]

    @staticmethod
    def resolve_entries(obj: PriceBook) -> list[Any]:
        return list(obj.entries.all())


def _answer(response: HttpResponse, product: Product) -> Product:
    response["ETag"] = etag(product.version)
    return product


@router.get("/products", response=Page[ProductOut])
def product_list(request: AuthedRequest, query: Query[ProductQuery]) -> dict[str, Any]:
    filters = selectors.ProductFilters(**query.model_dump(exclude={"limit", "offset"}))
    return paginate(selectors.product_list(filters=filters), limit=query.limit, offset=query.offset)


@router.post("/products", response={201: ProductDetailOut})
def product_create(request: AuthedRequest, payload: ProductIn, response: HttpResponse) -> Status[Any]:
    product = services.product_create(actor=request.user, data=payload.model_dump())
    response["Location"] = f"/api/v1/products/{product.pk}"
    return Status(201, _answer(response, selectors.product_get(pk=product.pk)))


@router.get("/products/{product_id}", response=ProductDetailOut)
def product_get(request: AuthedRequest, product_id: int, response: HttpResponse) -> Product:
    return _answer(response, selectors.product_get(pk=product_id))


@router.patch("/products/{product_id}", response=ProductDetailOut)
def product_update(request: AuthedRequest, product_id: int, payload: ProductPatch, response: HttpResponse) -> Product:
    services.require_catalog_admin(request.user)
    product = selectors.product_get(pk=product_id)
    expected = if_match_version(request, product)
    services.product_update(
        actor=request.user, product=product, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _answer(response, selectors.product_get(pk=product_id))


@router.get("/price-books", response=list[PriceBookOut])
def price_book_list(request: AuthedRequest, currency: str = "", active_only: bool = True) -> list[PriceBook]:
    return list(selectors.price_book_list(currency=currency, active_only=active_only))


@router.get("/price-books/{price_book_id}", response=PriceBookDetailOut)
def price_book_get(request: AuthedRequest, price_book_id: int) -> PriceBook:
    return selectors.price_book_get(pk=price_book_id)
