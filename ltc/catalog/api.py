"""/api/v1/products, /api/v1/price-books and /api/v1/contract-prices: products and price books are
read by every signed-in user; the catalog (products, bundle components and rules, price books,
their entries and volume tiers, contracted prices) is written by catalog administrators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.catalog import selectors, services
from ltc.catalog.choices import ProductType, RuleKind, TaxRate
from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf
from ltc.customers.models import Account
from ltc.org.choices import Industry, Region
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
    id: int
    product_id: int
    kind: str
    other_id: int
    text: str

    @staticmethod
    def resolve_text(obj: ConfigurationRule) -> str:
        return f"{obj.product.display_name} {obj.get_kind_display()} {obj.other.display_name}"


class TierOut(Schema):
    id: int
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
    version: int
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
    unit_cost: Decimal | None
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


# --- configuration: bundle components and rules -----------------------------------------------


class ComponentIn(Schema):
    component_id: int
    required: bool = False
    min_quantity: Decimal = Field(Decimal(1), gt=0)
    max_quantity: Decimal | None = Field(None, gt=0)
    default_quantity: Decimal = Field(Decimal(1), gt=0)
    order: int = Field(0, ge=0, le=32767)


class ComponentPatch(Schema):
    required: bool | None = None
    min_quantity: Decimal | None = Field(None, gt=0)
    max_quantity: Decimal | None = Field(None, gt=0)
    default_quantity: Decimal | None = Field(None, gt=0)
    order: int | None = Field(None, ge=0, le=32767)


class RuleIn(Schema):
    product_id: int
    kind: Annotated[str, OneOf(RuleKind)]
    other_id: int


class RulePatch(Schema):
    product_id: int | None = None
    kind: Annotated[str, OneOf(RuleKind)] | None = None
    other_id: int | None = None


def _product_named(pk: int, field: str) -> Product:
    """A product named in a body: an unknown id is a field error, not a missing page."""
    found = Product.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("Choose a product of the catalog.")]})
    return found


def _part(product_id: int, component_id: int) -> BundleComponent:
    return selectors.bundle_component_get(bundle_id=product_id, component_id=component_id)


def _owner_etag(response: HttpResponse, owner: Product | PriceBook) -> None:
    """The owner's new version, to send as If-Match with the next change of its parts."""
    response["ETag"] = etag(owner.version)


@router.post("/products/{product_id}/components", response={201: ComponentOut})
def bundle_component_add(
    request: AuthedRequest, product_id: int, payload: ComponentIn, response: HttpResponse
) -> Status[Any]:
    """Add a component or option to a bundle (administrators; If-Match: the bundle's version; its
    new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    bundle = selectors.product_get(pk=product_id)
    expected = if_match_version(request, bundle)
    data = payload.model_dump(exclude={"component_id"})
    component = _product_named(payload.component_id, "component_id")
    part = services.bundle_component_add(
        actor=request.user, bundle=bundle, component=component, data=data, expected_version=expected
    )
    _owner_etag(response, bundle)
    return Status(201, _part(product_id, part.component_id))


@router.patch("/products/{product_id}/components/{component_id}", response=ComponentOut)
def bundle_component_update(
    request: AuthedRequest, product_id: int, component_id: int, payload: ComponentPatch, response: HttpResponse
) -> BundleComponent:
    """Change a component (If-Match: the bundle's version; its new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    part = _part(product_id, component_id)
    expected = if_match_version(request, part.bundle)
    data = payload.model_dump(exclude_unset=True)
    services.bundle_component_update(actor=request.user, part=part, data=data, expected_version=expected)
    _owner_etag(response, part.bundle)
    return _part(product_id, component_id)


@router.delete("/products/{product_id}/components/{component_id}", response={204: None})
def bundle_component_remove(request: AuthedRequest, product_id: int, component_id: int) -> Status[None]:
    """Take a component out (If-Match: the bundle's version)."""
    services.require_catalog_admin(request.user)
    part = _part(product_id, component_id)
    expected = if_match_version(request, part.bundle)
    services.bundle_component_remove(actor=request.user, part=part, expected_version=expected)
    return Status(204, None)


@router.post("/products/{product_id}/rules", response={201: RuleOut})
def configuration_rule_add(
    request: AuthedRequest, product_id: int, payload: RuleIn, response: HttpResponse
) -> Status[Any]:
    """Add "product requires / excludes other" to a bundle (administrators; If-Match: the
    bundle's version; its new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    bundle = selectors.product_get(pk=product_id)
    expected = if_match_version(request, bundle)
    product = _product_named(payload.product_id, "product_id")
    other = _product_named(payload.other_id, "other_id")
    rule = services.configuration_rule_add(
        actor=request.user, bundle=bundle, product=product, kind=payload.kind, other=other, expected_version=expected
    )
    _owner_etag(response, bundle)
    return Status(201, selectors.configuration_rule_get(bundle_id=product_id, pk=rule.pk))


@router.patch("/products/{product_id}/rules/{rule_id}", response=RuleOut)
def configuration_rule_update(
    request: AuthedRequest, product_id: int, rule_id: int, payload: RulePatch, response: HttpResponse
) -> ConfigurationRule:
    """Change a rule (If-Match: the bundle's version; its new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    rule = selectors.configuration_rule_get(bundle_id=product_id, pk=rule_id)
    expected = if_match_version(request, rule.bundle)
    data: dict[str, Any] = {}
    for name in ("product", "other"):
        pk = getattr(payload, f"{name}_id")
        if pk is not None:
            data[name] = _product_named(pk, f"{name}_id")
    if payload.kind is not None:
        data["kind"] = payload.kind
    services.configuration_rule_update(actor=request.user, rule=rule, data=data, expected_version=expected)
    _owner_etag(response, rule.bundle)
    return selectors.configuration_rule_get(bundle_id=product_id, pk=rule_id)


@router.delete("/products/{product_id}/rules/{rule_id}", response={204: None})
def configuration_rule_remove(request: AuthedRequest, product_id: int, rule_id: int) -> Status[None]:
    """Remove a rule (If-Match: the bundle's version)."""
    services.require_catalog_admin(request.user)
    rule = selectors.configuration_rule_get(bundle_id=product_id, pk=rule_id)
    expected = if_match_version(request, rule.bundle)
    services.configuration_rule_remove(actor=request.user, rule=rule, expected_version=expected)
    return Status(204, None)


# --- configuration: price books, entries, volume tiers ----------------------------------------


class PriceBookIn(Schema):
    name: str
    currency: Annotated[str, OneOf(Currency)] = "CNY"
    industry: Annotated[str, OneOf(Industry, blank=True)] = ""
    region: Annotated[str, OneOf(Region, blank=True)] = ""
    valid_from: date
    valid_to: date | None = None
    active: bool = True


class PriceBookPatch(Schema):
    name: str | None = None
    currency: Annotated[str, OneOf(Currency)] | None = None
    industry: Annotated[str, OneOf(Industry, blank=True)] | None = None
    region: Annotated[str, OneOf(Region, blank=True)] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool | None = None


class EntryIn(Schema):
    unit_price: Decimal = Field(ge=0)
    unit_cost: Decimal | None = Field(None, ge=0)


class EntryPatch(Schema):
    unit_price: Decimal | None = Field(None, ge=0)
    unit_cost: Decimal | None = Field(None, ge=0)


class TierIn(Schema):
    min_quantity: Decimal = Field(gt=0)
    unit_price: Decimal = Field(ge=0)


class TierPatch(Schema):
    min_quantity: Decimal | None = Field(None, gt=0)
    unit_price: Decimal | None = Field(None, ge=0)


def _book_answer(response: HttpResponse, pk: int) -> PriceBook:
    book = selectors.price_book_get(pk=pk)
    response["ETag"] = etag(book.version)
    return book


@router.post("/price-books", response={201: PriceBookDetailOut})
def price_book_create(request: AuthedRequest, payload: PriceBookIn, response: HttpResponse) -> Status[Any]:
    """Open a price book (administrators)."""
    book = services.price_book_create(actor=request.user, data=payload.model_dump())
    response["Location"] = f"/api/v1/price-books/{book.pk}"
    return Status(201, _book_answer(response, book.pk))


@router.patch("/price-books/{price_book_id}", response=PriceBookDetailOut)
def price_book_update(
    request: AuthedRequest, price_book_id: int, payload: PriceBookPatch, response: HttpResponse
) -> PriceBook:
    """Change a price book's fields (If-Match); quotes priced from it keep their prices."""
    services.require_catalog_admin(request.user)
    book = selectors.price_book_get(pk=price_book_id)
    expected = if_match_version(request, book)
    data = payload.model_dump(exclude_unset=True)
    services.price_book_update(actor=request.user, book=book, data=data, expected_version=expected)
    return _book_answer(response, price_book_id)


@router.post("/price-books/{price_book_id}/deactivate", response=PriceBookDetailOut)
def price_book_deactivate(request: AuthedRequest, price_book_id: int, response: HttpResponse) -> PriceBook:
    """Stop proposing the book for new quotes (If-Match)."""
    services.require_catalog_admin(request.user)
    book = selectors.price_book_get(pk=price_book_id)
    expected = if_match_version(request, book)
    services.price_book_deactivate(actor=request.user, book=book, expected_version=expected)
    return _book_answer(response, price_book_id)


@router.put("/price-books/{price_book_id}/entries/{product_id}", response=EntryOut)
def price_book_entry_set(
    request: AuthedRequest, price_book_id: int, product_id: int, payload: EntryIn, response: HttpResponse
) -> Any:
    """Give a product its list price in the book, adding or changing the entry (administrators;
    If-Match: the book's version; its new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    book = selectors.price_book_get(pk=price_book_id)
    product = selectors.product_get(pk=product_id)
    expected = if_match_version(request, book)
    entry = services.price_book_entry_set(
        actor=request.user,
        book=book,
        product=product,
        unit_price=payload.unit_price,
        unit_cost=payload.unit_cost,
        expected_version=expected,
    )
    _owner_etag(response, book)
    return selectors.price_book_entry_get(price_book_id=price_book_id, product_id=entry.product_id)


@router.patch("/price-books/{price_book_id}/entries/{product_id}", response=EntryOut)
def price_book_entry_update(
    request: AuthedRequest, price_book_id: int, product_id: int, payload: EntryPatch, response: HttpResponse
) -> Any:
    """Change a product's list price or unit cost in the book, the fields sent only (administrators;
    If-Match: the book's version; its new one is in the ETag). A product not in the book is 404."""
    services.require_catalog_admin(request.user)
    entry = selectors.price_book_entry_get(price_book_id=price_book_id, product_id=product_id)
    expected = if_match_version(request, entry.price_book)
    data = payload.model_dump(exclude_unset=True)
    services.price_book_entry_set(
        actor=request.user,
        book=entry.price_book,
        product=entry.product,
        unit_price=data.get("unit_price", entry.unit_price),
        unit_cost=data.get("unit_cost", entry.unit_cost),
        expected_version=expected,
    )
    _owner_etag(response, entry.price_book)
    return selectors.price_book_entry_get(price_book_id=price_book_id, product_id=product_id)


@router.delete("/price-books/{price_book_id}/entries/{product_id}", response={204: None})
def price_book_entry_remove(request: AuthedRequest, price_book_id: int, product_id: int) -> Status[None]:
    """Take a product out of the book (If-Match: the book's version)."""
    services.require_catalog_admin(request.user)
    entry = selectors.price_book_entry_get(price_book_id=price_book_id, product_id=product_id)
    expected = if_match_version(request, entry.price_book)
    services.price_book_entry_remove(actor=request.user, entry=entry, expected_version=expected)
    return Status(204, None)


@router.post("/price-books/{price_book_id}/entries/{product_id}/tiers", response={201: TierOut})
def price_tier_add(
    request: AuthedRequest, price_book_id: int, product_id: int, payload: TierIn, response: HttpResponse
) -> Status[Any]:
    """Add a volume price to an entry: from min_quantity units on, each unit costs unit_price
    (If-Match: the book's version; its new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    entry = selectors.price_book_entry_get(price_book_id=price_book_id, product_id=product_id)
    expected = if_match_version(request, entry.price_book)
    tier = services.price_tier_add(
        actor=request.user,
        entry=entry,
        min_quantity=payload.min_quantity,
        unit_price=payload.unit_price,
        expected_version=expected,
    )
    _owner_etag(response, entry.price_book)
    return Status(201, PriceTier.objects.get(pk=tier.pk))


@router.patch("/price-books/{price_book_id}/entries/{product_id}/tiers/{tier_id}", response=TierOut)
def price_tier_update(
    request: AuthedRequest,
    price_book_id: int,
    product_id: int,
    tier_id: int,
    payload: TierPatch,
    response: HttpResponse,
) -> PriceTier:
    """Change a volume price (If-Match: the book's version; its new one is in the ETag)."""
    services.require_catalog_admin(request.user)
    tier = selectors.price_tier_get(price_book_id=price_book_id, product_id=product_id, pk=tier_id)
    expected = if_match_version(request, tier.entry.price_book)
    data = payload.model_dump(exclude_unset=True)
    services.price_tier_update(actor=request.user, tier=tier, data=data, expected_version=expected)
    _owner_etag(response, tier.entry.price_book)
    return PriceTier.objects.get(pk=tier.pk)


@router.delete("/price-books/{price_book_id}/entries/{product_id}/tiers/{tier_id}", response={204: None})
def price_tier_remove(request: AuthedRequest, price_book_id: int, product_id: int, tier_id: int) -> Status[None]:
    """Remove a volume price (If-Match: the book's version)."""
    services.require_catalog_admin(request.user)
    tier = selectors.price_tier_get(price_book_id=price_book_id, product_id=product_id, pk=tier_id)
    expected = if_match_version(request, tier.entry.price_book)
    services.price_tier_remove(actor=request.user, tier=tier, expected_version=expected)
    return Status(204, None)


# --- configuration: contracted prices ---------------------------------------------------------


class ContractPriceOut(Schema):
    id: int
    version: int
    account_id: int
    account_name: str
    product_id: int
    code: str
    currency: str
    unit_price: Decimal
    valid_from: date
    valid_to: date | None
    reference: str

    @staticmethod
    def resolve_account_name(obj: ContractPrice) -> str:
        return obj.account.name

    @staticmethod
    def resolve_code(obj: ContractPrice) -> str:
        return obj.product.code


class ContractPriceIn(Schema):
    account_id: int
    product_id: int
    currency: Annotated[str, OneOf(Currency)] = "CNY"
    unit_price: Decimal = Field(ge=0)
    valid_from: date
    valid_to: date | None = None
    reference: str = ""


class ContractPricePatch(Schema):
    unit_price: Decimal | None = Field(None, ge=0)
    currency: Annotated[str, OneOf(Currency)] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    reference: str | None = None


class ContractPriceEndIn(Schema):
    on: date | None = None


class ContractPriceQuery(Schema):
    account_id: int | None = None
    product_id: int | None = None
    limit: int = 50
    offset: int = 0


def _contract_answer(response: HttpResponse, pk: int) -> ContractPrice:
    price = selectors.contract_price_get(pk=pk)
    response["ETag"] = etag(price.version)
    return price


@router.get("/contract-prices", response=Page[ContractPriceOut])
def contract_price_list(request: AuthedRequest, query: Query[ContractPriceQuery]) -> dict[str, Any]:
    """Customers' contracted prices, newest first (administrators)."""
    services.require_catalog_admin(request.user)
    prices = selectors.contract_price_list(account_id=query.account_id, product_id=query.product_id)
    return paginate(prices, limit=query.limit, offset=query.offset)


@router.post("/contract-prices", response={201: ContractPriceOut})
def contract_price_add(request: AuthedRequest, payload: ContractPriceIn, response: HttpResponse) -> Status[Any]:
    """Agree a customer's price for a product over a period (administrators)."""
    services.require_catalog_admin(request.user)
    account = Account.objects.filter(pk=payload.account_id).first()
    if account is None:
        raise ValidationError({"account_id": [_("Choose a customer.")]})
    product = _product_named(payload.product_id, "product_id")
    data = payload.model_dump(exclude={"account_id", "product_id"})
    price = services.contract_price_add(actor=request.user, account=account, product=product, data=data)
    response["Location"] = f"/api/v1/contract-prices/{price.pk}"
    return Status(201, _contract_answer(response, price.pk))


@router.get("/contract-prices/{contract_price_id}", response=ContractPriceOut)
def contract_price_get(request: AuthedRequest, contract_price_id: int, response: HttpResponse) -> ContractPrice:
    services.require_catalog_admin(request.user)
    return _contract_answer(response, contract_price_id)


@router.patch("/contract-prices/{contract_price_id}", response=ContractPriceOut)
def contract_price_update(
    request: AuthedRequest, contract_price_id: int, payload: ContractPricePatch, response: HttpResponse
) -> ContractPrice:
    """Change a contracted price (If-Match); once in force only its end date and reference change."""
    services.require_catalog_admin(request.user)
    price = selectors.contract_price_get(pk=contract_price_id)
    expected = if_match_version(request, price)
    data = payload.model_dump(exclude_unset=True)
    services.contract_price_update(actor=request.user, price=price, data=data, expected_version=expected)
    return _contract_answer(response, contract_price_id)


@router.post("/contract-prices/{contract_price_id}/end", response=ContractPriceOut)
def contract_price_end(
    request: AuthedRequest, contract_price_id: int, payload: ContractPriceEndIn, response: HttpResponse
) -> ContractPrice:
    """End an agreement on a day (today by default; If-Match); it stays on record."""
    services.require_catalog_admin(request.user)
    price = selectors.contract_price_get(pk=contract_price_id)
    expected = if_match_version(request, price)
    services.contract_price_end(actor=request.user, price=price, expected_version=expected, on=payload.on)
    return _contract_answer(response, contract_price_id)
