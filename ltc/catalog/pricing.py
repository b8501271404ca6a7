"""Unit prices and configuration checks, computed in memory from a few queries.

A unit price comes from, in order: the customer's contracted price valid on the quote date in
the book's currency; the highest volume tier the quantity reaches; the book's list price."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from ltc.catalog.choices import PriceSource, RuleKind
from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.core.templatetags import numbers
from ltc.customers.models import Account


@dataclass(frozen=True)
class UnitPrice:
    list_price: Decimal  # the book's price for one unit, before volume or contract
    price: Decimal  # the price that applies to this quantity for this customer
    source: str
    unit_cost: Decimal


@dataclass(frozen=True)
class Entry:
    list_price: Decimal
    unit_cost: Decimal | None
    tiers: tuple[tuple[Decimal, Decimal], ...]  # (from quantity, unit price), ascending


@dataclass
class PriceContext:
    """Everything needed to price lines of one quote: its book, customer and date."""

    book: PriceBook
    on: date
    entries: dict[int, Entry] = field(default_factory=dict)
    contract: dict[int, Decimal] = field(default_factory=dict)

    def unit_price(self, product: Product, quantity: Decimal) -> UnitPrice | None:
        """None when the book has no price for the product."""
        entry = self.entries.get(product.pk)
        if entry is None:
            return None
        cost = entry.unit_cost if entry.unit_cost is not None else product.cost
        contracted = self.contract.get(product.pk)
        if contracted is not None:
            return UnitPrice(entry.list_price, contracted, PriceSource.CONTRACT, cost)
        price, source = entry.list_price, PriceSource.LIST
        for min_quantity, tier_price in entry.tiers:
            if quantity >= min_quantity:
                price, source = tier_price, PriceSource.TIER
        return UnitPrice(entry.list_price, price, source, cost)


def price_context(*, book: PriceBook, account: Account | None, on: date, product_ids: Iterable[int]) -> PriceContext:
    """Load the book's prices and volume tiers and the customer's contracted prices for these
    products: three queries of plain values, whatever the number of lines."""
    ids = sorted(set(product_ids))
    context = PriceContext(book=book, on=on)
    rows = PriceBookEntry.objects.filter(price_book=book, product_id__any=ids).values_list(
        "pk", "product_id", "unit_price", "unit_cost"
    )
    entries = {pk: (product_id, price, cost) for pk, product_id, price, cost in rows}
    tiers: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for entry_id, min_quantity, price in PriceTier.objects.filter(entry_id__any=list(entries)).values_list(
        "entry_id", "min_quantity", "unit_price"
    ):
        tiers.setdefault(entry_id, []).append((min_quantity, price))
    for pk, (product_id, price, cost) in entries.items():
        context.entries[product_id] = Entry(price, cost, tuple(sorted(tiers.get(pk, ()))))
    if account is not None:
        contracted = ContractPrice.objects.filter(
            account=account, currency=book.currency, product_id__any=ids, valid_from__lte=on
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        ordered = contracted.order_by("valid_from", "pk").values_list("product_id", "unit_price")
        for product_id, price in ordered:  # the latest agreement wins
            context.contract[product_id] = price
    return context


def proposed_book(*, account: Account | None, currency: str, on: date) -> PriceBook | None:
    """The most specific active book valid on `on` in `currency`: segment and region first,
    then segment, then region, then a general book."""
    books = list(PriceBook.objects.valid_on(on).filter(currency=currency))
    industry = account.industry if account else ""
    region = account.region if account else ""

    def fit(book: PriceBook) -> tuple[int, int] | None:
        if book.industry and book.industry != industry:
            return None
        if book.region and book.region != region:
            return None
        return (2 if book.industry else 0) + (1 if book.region else 0), -book.pk

    ranked = [(score, book) for book in books if (score := fit(book)) is not None]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


# --- configuration ---------------------------------------------------------------------------


@dataclass
class BundleDefinition:
    components: dict[int, BundleComponent]
    rules: list[ConfigurationRule]


def bundle_definitions(bundle_ids: Iterable[int]) -> dict[int, BundleDefinition]:
    """Components and rules of the given bundles, in two queries."""
    ids = sorted(set(bundle_ids))
    definitions = {pk: BundleDefinition({}, []) for pk in ids}
    for part in BundleComponent.objects.filter(bundle_id__any=ids).select_related("component"):
        definitions[part.bundle_id].components[part.component_id] = part
    for rule in ConfigurationRule.objects.filter(bundle_id__any=ids).select_related("product", "other"):
        definitions[rule.bundle_id].rules.append(rule)
    return definitions


def configuration_errors(
    bundle: Product, definition: BundleDefinition, chosen: dict[int, Decimal], products: dict[int, Product]
) -> list[str]:
    """What is wrong with choosing `chosen` (component id → quantity per bundle) for `bundle`:
    a missing required component, a quantity out of range, a product that is not an option,
    a broken requires / excludes rule — each naming the rule it breaks."""
    errors = []
    totals: dict[int, Decimal] = defaultdict(Decimal, chosen)
    for component_id, part in definition.components.items():
        quantity = totals.get(component_id)
        name = part.component.display_name
        if quantity is None:
            if part.required:
                errors.append(_("%(bundle)s needs %(part)s.") % {"bundle": bundle.display_name, "part": name})
            continue
        if quantity < part.min_quantity or (part.max_quantity is not None and quantity > part.max_quantity):
            upper = part.max_quantity if part.max_quantity is not None else "∞"
            errors.append(
                _("%(part)s in %(bundle)s: quantity %(qty)s is outside %(min)s–%(max)s.")
                % {"part": name, "bundle": bundle.display_name, "qty": quantity, "min": part.min_quantity, "max": upper}
            )
    for component_id in chosen:
        if component_id not in definition.components:
            product = products.get(component_id)
            errors.append(
                _("%(product)s is not an option of %(bundle)s.")
                % {"product": product.display_name if product else component_id, "bundle": bundle.display_name}
            )
    present = set(chosen) | {bundle.pk}
    for rule in definition.rules:
        if rule.product_id not in present:
            continue
        if rule.kind == RuleKind.REQUIRES and rule.other_id not in present:
            errors.append(
                _("Rule broken: %(a)s requires %(b)s.") % {"a": rule.product.display_name, "b": rule.other.display_name}
            )
        if rule.kind == RuleKind.EXCLUDES and rule.other_id in present:
            errors.append(
                _("Rule broken: %(a)s excludes %(b)s.") % {"a": rule.product.display_name, "b": rule.other.display_name}
            )
    return errors


# --- price rules for configuration --------------------------------------------------------


def tier_ladder_errors(list_price: Decimal, tiers: Iterable[tuple[Decimal, Decimal]]) -> list[str]:
    """What is wrong with an entry's volume tiers (from quantity, unit price): a tier starts above
    one unit (from one unit on it would be the list price), and each tier lowers the price below
    the list price and below the tier before it, so a larger quantity never costs more per unit."""
    errors = []
    previous = list_price
    for min_quantity, price in sorted(tiers):
        if min_quantity <= 1:
            errors.append(_("A volume price starts above one unit; set the list price instead."))
        if price >= previous:
            errors.append(
                _("From %(qty)s units the price %(price)s must be below %(previous)s.")
                % {
                    "qty": numbers.quantity(min_quantity),
                    "price": numbers.quantity(price),
                    "previous": numbers.quantity(previous),
                }
            )
        previous = min(previous, price)
    return errors
