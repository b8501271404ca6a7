"""The catalog: products and services, bundles with their options and rules, price books with
volume tiers, and customers' contracted prices. Amounts are Decimal; unit prices keep four places
(volume prices are often quoted finer than a cent), amounts round to the cent at the quote line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ltc.catalog.choices import ProductType, RuleKind, TaxRate
from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field
from ltc.customers.models import Account
from ltc.org.choices import Industry, Region

POSITIVE = [MinValueValidator(Decimal("0.01"))]


def unit_price_field(verbose_name: object, **kwargs: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=4, **kwargs)  # type: ignore[arg-type]


def quantity_field(verbose_name: object, **kwargs: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(active=True)


class Product(VersionedModel):
    """Something sold: a product, a licence, a service or a subscription; or a bundle of them.
    Cost is in CNY (the company's currency) and feeds the quote's margin."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    product_type = models.CharField(_("type"), max_length=16, choices=ProductType.choices)
    unit = models.CharField(_("unit"), max_length=20, default="套")
    family = models.CharField(_("family"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    cost = money_field(_("unit cost (CNY)"), default=Decimal(0), validators=[MinValueValidator(0)])
    tax_rate = models.PositiveSmallIntegerField(_("VAT rate"), choices=TaxRate.choices, default=TaxRate.VAT_13)
    is_bundle = models.BooleanField(
        _("bundle"), default=False, help_text=_("Sold as a configured set of components and options.")
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    @staticmethod
    def timeline_choices(changes: list[dict[str, str]]) -> dict[str, Any]:
        """The timeline keeps the VAT rate as its number, which the rate's (numeric) choices miss."""
        return {"tax_rate": [(str(rate), label) for rate, label in TaxRate.choices]}

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (Chinese when there is no English name)."""
        if self.name_en and not (get_language() or "").startswith("zh"):
            return self.name_en
        return self.name


class BundleComponent(models.Model):
    """A component or option of a bundle: required ones are always in the configuration."""

    bundle = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components", verbose_name=_("bundle"))
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("component"))
    required = models.BooleanField(_("required"), default=False)
    min_quantity = quantity_field(_("minimum quantity"), default=Decimal(1), validators=POSITIVE)
    max_quantity = quantity_field(_("maximum quantity"), null=True, blank=True, help_text=_("Blank: no maximum."))
    default_quantity = quantity_field(_("default quantity"), default=Decimal(1), validators=POSITIVE)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["bundle", "order", "id"]
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_once"),
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True) | Q(max_quantity__gte=models.F("min_quantity")),
                name="bundle_component_max_ge_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bundle.code} ⊃ {self.component.code}"


class ConfigurationRule(models.Model):
    """A rule of a bundle's configuration: one product requires, or excludes, another."""

    bundle = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rules", verbose_name=_("bundle"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("if chosen"))
    kind = models.CharField(_("rule"), max_length=8, choices=RuleKind.choices)
    other = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("then"))

    class Meta:
        ordering = ["bundle", "id"]
        verbose_name = _("configuration rule")
        verbose_name_plural = _("configuration rules")
        constraints = [
            models.CheckConstraint(condition=~Q(product=models.F("other")), name="rule_two_products"),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.get_kind_display()} {self.other.code}"


class PriceBookQuerySet(models.QuerySet["PriceBook"]):
    def valid_on(self, day: date) -> PriceBookQuerySet:
        return self.filter(active=True, valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class PriceBook(VersionedModel):
    """List prices in one currency, for a customer segment (industry) and/or region, valid
    between two dates. The most specific valid book is proposed for a quote. Its entries and
    volume tiers change through catalog services, on the book's timeline."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    industry = models.CharField(
        _("customer segment"), max_length=32, choices=Industry.choices, blank=True, help_text=_("Blank: all.")
    )
    region = models.CharField(
        _("region"), max_length=16, choices=Region.choices, blank=True, help_text=_("Blank: all.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = PriceBookQuerySet.as_manager()

    class Meta:
        ordering = ["currency", "name"]
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="price_book_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def is_valid_on(self, day: date) -> bool:
        return self.active and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PriceBookEntry(models.Model):
    """A product's list price in a book; volume tiers lower it from a quantity on. A book in
    another currency than CNY gives the unit cost in its currency for the margin."""

    price_book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices", verbose_name=_("product"))
    unit_price = unit_price_field(_("list price"), validators=[MinValueValidator(0)])
    unit_cost = unit_price_field(
        _("unit cost"), null=True, blank=True, help_text=_("In the book's currency. Blank: the product's cost.")
    )

    class Meta:
        ordering = ["price_book", "product__code"]
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [models.UniqueConstraint(fields=["price_book", "product"], name="price_once_per_book")]

    def __str__(self) -> str:
        return f"{self.product.code}: {self.unit_price} {self.price_book.currency}"


class PriceTier(models.Model):
    """From `min_quantity` units on, each unit costs `unit_price` (the whole quantity, not the excess)."""

    entry = models.ForeignKey(PriceBookEntry, on_delete=models.CASCADE, related_name="tiers")
    min_quantity = quantity_field(_("from quantity"), validators=POSITIVE)
    unit_price = unit_price_field(_("unit price"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["entry", "min_quantity"]
        verbose_name = _("volume price")
        verbose_name_plural = _("volume prices")
        constraints = [models.UniqueConstraint(fields=["entry", "min_quantity"], name="tier_once_per_quantity")]

    def __str__(self) -> str:
        return f"≥ {self.min_quantity}: {self.unit_price}"


class ContractPrice(VersionedModel):
    """A customer's contracted price (协议价) for a product, in a currency, for a period;
    it wins over the price book. Once in force it is ended (valid_to), never deleted or repriced,
    so the agreement a quote was priced from stays on record."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contract_prices")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    unit_price = unit_price_field(_("contracted price"), validators=[MinValueValidator(0)])
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    reference = models.CharField(_("agreement reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["account", "product__code", "-valid_from"]
        verbose_name = _("contracted price")
        verbose_name_plural = _("contracted prices")
        indexes = [models.Index(fields=["account", "currency"], name="contract_price_account")]

    def __str__(self) -> str:
        return f"{self.account} · {self.product.code}: {self.unit_price} {self.currency}"
