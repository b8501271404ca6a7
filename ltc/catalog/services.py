"""Writes to the catalog, by catalog administrators only: products, bundle components and
configuration rules, price books with their entries and volume tiers, customers' contracted prices.

Every change is on a timeline with a field diff: a product's own fields, components and rules on
the product's; a price book's fields, entries and tiers on the book's; contracted prices on the
customer's account. Versioned records (products, price books, contracted prices) change only
from the version the writer read; so do their parts — a bundle's components and rules, a price
book's entries and tiers — which change under the owner's row lock and move its version on.

Nothing a quote already priced changes: quote lines keep the prices they were given, and a
contracted price in force is ended, never repriced or deleted, so the agreement stays on record.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.catalog.choices import RuleKind
from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.catalog.pricing import tier_ladder_errors
from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.core.templatetags import numbers
from ltc.customers.models import Account
from ltc.org.choices import RoleCode
from ltc.org.models import User

PRODUCT_FIELDS = (
    "code",
    "name",
    "name_en",
    "product_type",
    "unit",
    "family",
    "description",
    "cost",
    "tax_rate",
    "is_bundle",
    "active",
)


def can_change_catalog(user: Any) -> bool:
    return has_any_role(user, (RoleCode.ADMIN,))


def require_catalog_admin(actor: User) -> None:
    if not can_change_catalog(actor):
        raise PermissionDenied(_("Only administrators change the catalog."))


def _check(product: Product, exclude: list[str] | None = None) -> None:
    product.code = (product.code or "").strip().upper()
    product.full_clean(exclude=exclude)


def product_create(*, actor: User, data: dict[str, Any]) -> Product:
    """Add a product; the code is upper-cased and unique. Refuses bad fields, changing nothing."""
    require_catalog_admin(actor)
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    product = Product(**data)
    _check(product)
    with transaction.atomic():
        product.save()
        timeline.record_created(actor=actor, subject=product)
    return product


def product_update(*, actor: User, product: Product, data: dict[str, Any], expected_version: int) -> Product:
    """Change a product's fields if the version is current. Bundle ↔ single product changes are
    refused while the product has components."""
    require_catalog_admin(actor)
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    before = timeline.snapshot(product, data.keys())
    for name, value in data.items():
        setattr(product, name, value)
    _check(product)
    if "is_bundle" in data and not product.is_bundle and product.components.exists():
        raise ValidationError({"is_bundle": [_("Remove the bundle's components first.")]})
    with transaction.atomic():
        save_if_current(product, expected_version=expected_version, fields=list(data))
        timeline.record_changes(actor=actor, subject=product, before=before)
    return product


# --- shared helpers --------------------------------------------------------------------------

COMPONENT_FIELDS = ("required", "min_quantity", "max_quantity", "default_quantity", "order")
RULE_FIELDS = ("product", "kind", "other")
PRICE_BOOK_FIELDS = ("name", "currency", "industry", "region", "valid_from", "valid_to", "active")
ENTRY_FIELDS = ("unit_price", "unit_cost")
TIER_FIELDS = ("min_quantity", "unit_price")
CONTRACT_PRICE_FIELDS = ("account", "product", "currency", "unit_price", "valid_from", "valid_to", "reference")
# What a contracted price in force keeps: a quote may have been priced from it.
CONTRACT_PRICE_FIXED = ("account", "product", "currency", "unit_price", "valid_from")


def _refuse_unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})


def _values(record: models.Model, fields: tuple[str, ...]) -> dict[str, str]:
    return timeline.snapshot(record, fields)


def _on_timeline(
    *, actor: User, subject: models.Model, text: str, via: str, before: dict[str, str], after: dict[str, str]
) -> None:
    """A change of one of the subject's parts (a component, an entry, a tier, a contracted price)
    on the subject's timeline: the fields named through the relation ("entries.unit_price") so
    they read labelled in the reader's language, the part named in the text by its codes (no
    words, which would stay in the writer's language). An addition reads "— → value", a removal
    "value → —"."""
    changes = [
        {"field": f"{via}.{name}", "old": before.get(name, ""), "new": after.get(name, "")}
        for name in dict.fromkeys([*before, *after])
        if before.get(name, "") != after.get(name, "")
    ]
    if not changes:
        return
    TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=TimelineKind.CHANGED,
        actor=actor,
        text=text,
        changes=changes,
    )


def _clean(record: models.Model, exclude: list[str] | None = None) -> None:
    record.full_clean(exclude=exclude)


def _lock_owner(owner: Product | PriceBook, expected_version: int | None) -> None:
    """Lock the record that owns the parts being changed (a bundle product, a price book) and
    check the version the writer read, so checks reading the other parts (the tier ladder, the
    bundle's rules) see no concurrent change, and two editors conflict instead of overwriting
    each other. Runs inside the caller's transaction; refuses a stale version, changing nothing."""
    locked = type(owner)._default_manager.select_for_update().only("pk", "version").get(pk=owner.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(locked.version)
    owner.version = locked.version


def _bump(owner: Product | PriceBook) -> None:
    """A part changed: the owner's version moves on, so editors who read the old one are refused."""
    save_if_current(owner, expected_version=owner.version, fields=[])


# --- bundle components and configuration rules ----------------------------------------------


def _check_component(part: BundleComponent) -> None:
    errors: dict[str, list[str]] = {}
    bundle, component = part.bundle, part.component
    if not bundle.is_bundle:
        errors["bundle"] = [_("%(code)s is not a bundle.") % {"code": bundle.code}]
    if component.pk == bundle.pk:
        errors["component_id"] = [_("A bundle cannot contain itself.")]
    elif component.is_bundle:
        errors["component_id"] = [_("A bundle cannot be part of another bundle.")]
    elif part.pk is None and not component.active:
        errors["component_id"] = [_("%(code)s is no longer sold.") % {"code": component.code}]
    elif part.pk is None and BundleComponent.objects.filter(bundle_id=bundle.pk, component_id=component.pk).exists():
        errors["component_id"] = [_("%(code)s is already in this bundle.") % {"code": component.code}]
    low, high, default = part.min_quantity, part.max_quantity, part.default_quantity
    if high is not None and low is not None and high < low:
        errors["max_quantity"] = [_("The maximum is below the minimum.")]
    elif default is not None and low is not None and (default < low or (high is not None and default > high)):
        errors["default_quantity"] = [_("The default quantity is outside the minimum and maximum.")]
    if errors:
        raise ValidationError(errors)
    _clean(part, exclude=["bundle", "component"])


def bundle_component_add(
    *, actor: User, bundle: Product, component: Product, data: dict[str, Any], expected_version: int | None = None
) -> BundleComponent:
    """Add a component or option to a bundle, from the bundle's version read (when given); the
    bundle's version moves on. Refuses a product that is not a bundle, the bundle itself or
    another bundle as a component (so bundles never nest or cycle), a component already there and
    quantities out of order, changing nothing."""
    require_catalog_admin(actor)
    _refuse_unknown(data, COMPONENT_FIELDS)
    part = BundleComponent(bundle=bundle, component=component, **data)
    with transaction.atomic():
        _lock_owner(bundle, expected_version)
        _check_component(part)
        part.save()
        _bump(bundle)
        _on_timeline(
            actor=actor,
            subject=bundle,
            text=component.code,
            via="components",
            before={},
            after=_values(part, ("component", *COMPONENT_FIELDS)),
        )
    return part


def bundle_component_update(
    *, actor: User, part: BundleComponent, data: dict[str, Any], expected_version: int
) -> BundleComponent:
    """Change whether a component is required, its quantities or its place, from the bundle's
    version read; the bundle's version moves on. Refuses a stale version, changing nothing."""
    require_catalog_admin(actor)
    _refuse_unknown(data, COMPONENT_FIELDS)
    before = _values(part, COMPONENT_FIELDS)
    for name, value in data.items():
        setattr(part, name, value)
    with transaction.atomic():
        _lock_owner(part.bundle, expected_version)
        _check_component(part)
        part.save(update_fields=list(data))
        _bump(part.bundle)
        _on_timeline(
            actor=actor,
            subject=part.bundle,
            text=part.component.code,
            via="components",
            before=before,
            after=_values(part, COMPONENT_FIELDS),
        )
    return part


def bundle_component_remove(*, actor: User, part: BundleComponent, expected_version: int | None = None) -> None:
    """Take a component out of a bundle, from the bundle's version read (when given); refused
    while a configuration rule names it. Quotes already configured keep their lines."""
    require_catalog_admin(actor)
    before = _values(part, ("component", *COMPONENT_FIELDS))
    with transaction.atomic():
        _lock_owner(part.bundle, expected_version)
        named = ConfigurationRule.objects.filter(bundle_id=part.bundle_id).filter(
            models.Q(product_id=part.component_id) | models.Q(other_id=part.component_id)
        )
        if named.exists():
            raise ValidationError({"component_id": [_("Remove the configuration rules that name it first.")]})
        part.delete()
        _bump(part.bundle)
        _on_timeline(
            actor=actor,
            subject=part.bundle,
            text=part.component.code,
            via="components",
            before=before,
            after={},
        )


def _rule_text(rule: ConfigurationRule) -> str:
    return f"{rule.product.code} → {rule.other.code}"


def _check_rule(rule: ConfigurationRule) -> None:
    bundle = rule.bundle
    allowed = {bundle.pk, *BundleComponent.objects.filter(bundle_id=bundle.pk).values_list("component_id", flat=True)}
    errors: dict[str, list[str]] = {}
    if not bundle.is_bundle:
        errors["bundle"] = [_("%(code)s is not a bundle.") % {"code": bundle.code}]
    for name in ("product", "other"):
        if getattr(rule, f"{name}_id") not in allowed:
            errors[f"{name}_id"] = [_("Choose the bundle or one of its components.")]
    if rule.product_id == rule.other_id:
        errors["other_id"] = [_("A rule links two different products.")]
    if rule.kind not in RuleKind.values:
        errors["kind"] = [_("Choose requires or excludes.")]
    if not errors:
        same = ConfigurationRule.objects.filter(bundle_id=bundle.pk).exclude(pk=rule.pk)
        pair = models.Q(product_id=rule.product_id, other_id=rule.other_id)
        if same.filter(pair, kind=rule.kind).exists():
            errors["other_id"] = [_("This rule exists already.")]
        elif (
            same.filter(pair | models.Q(product_id=rule.other_id, other_id=rule.product_id))
            .exclude(kind=rule.kind)
            .exists()
        ):
            errors["kind"] = [_("Another rule says the opposite about these two products.")]
    if errors:
        raise ValidationError(errors)
    _clean(rule, exclude=["bundle", "product", "other"])


def configuration_rule_add(
    *,
    actor: User,
    bundle: Product,
    product: Product,
    kind: str,
    other: Product,
    expected_version: int | None = None,
) -> ConfigurationRule:
    """Add "product requires / excludes other" to a bundle; both are the bundle or its components.
    From the bundle's version read (when given); the bundle's version moves on. Refuses a rule on
    one product, a duplicate and a contradiction, changing nothing."""
    require_catalog_admin(actor)
    rule = ConfigurationRule(bundle=bundle, product=product, kind=kind, other=other)
    with transaction.atomic():
        _lock_owner(bundle, expected_version)
        _check_rule(rule)
        rule.save()
        _bump(bundle)
        _on_timeline(
            actor=actor,
            subject=bundle,
            text=_rule_text(rule),
            via="rules",
            before={},
            after=_values(rule, RULE_FIELDS),
        )
    return rule


def configuration_rule_update(
    *, actor: User, rule: ConfigurationRule, data: dict[str, Any], expected_version: int
) -> ConfigurationRule:
    """Change a rule's products or kind (data: product, kind, other), under the same checks, from
    the bundle's version read; the bundle's version moves on. Refuses a stale version."""
    require_catalog_admin(actor)
    _refuse_unknown(data, RULE_FIELDS)
    before = _values(rule, RULE_FIELDS)
    for name, value in data.items():
        setattr(rule, name, value)
    with transaction.atomic():
        _lock_owner(rule.bundle, expected_version)
        _check_rule(rule)
        rule.save(update_fields=list(data))
        _bump(rule.bundle)
        _on_timeline(
            actor=actor,
            subject=rule.bundle,
            text=_rule_text(rule),
            via="rules",
            before=before,
            after=_values(rule, RULE_FIELDS),
        )
    return rule


def configuration_rule_remove(*, actor: User, rule: ConfigurationRule, expected_version: int | None = None) -> None:
    """Remove a rule, from the bundle's version read (when given); the bundle's version moves on."""
    require_catalog_admin(actor)
    before = _values(rule, RULE_FIELDS)
    with transaction.atomic():
        _lock_owner(rule.bundle, expected_version)
        rule.delete()
        _bump(rule.bundle)
        _on_timeline(
            actor=actor,
            subject=rule.bundle,
            text=_rule_text(rule),
            via="rules",
            before=before,
            after={},
        )


# --- price books -----------------------------------------------------------------------------


def _check_book(book: PriceBook) -> None:
    book.name = (book.name or "").strip()
    if book.valid_to is not None and book.valid_from is not None and book.valid_to < book.valid_from:
        raise ValidationError({"valid_to": [_("The end date is before the start date.")]})
    _clean(book)


def price_book_create(*, actor: User, data: dict[str, Any]) -> PriceBook:
    """Open a price book (name unique, dates in order). Refuses bad fields, changing nothing."""
    require_catalog_admin(actor)
    _refuse_unknown(data, PRICE_BOOK_FIELDS)
    book = PriceBook(**data)
    _check_book(book)
    with transaction.atomic():
        book.save()
        timeline.record_created(actor=actor, subject=book)
    return book


def price_book_update(*, actor: User, book: PriceBook, data: dict[str, Any], expected_version: int) -> PriceBook:
    """Change a book's fields from the version read. Its currency is fixed once it has prices
    (they are amounts in that currency). Quotes already priced from it keep their prices."""
    require_catalog_admin(actor)
    _refuse_unknown(data, PRICE_BOOK_FIELDS)
    if book.version != expected_version:
        raise StaleVersionError(book.version)
    if "currency" in data and data["currency"] != book.currency and book.entries.exists():
        raise ValidationError(
            {"currency": [_("The book has prices in %(c)s: its currency stays.") % {"c": book.currency}]}
        )
    before = timeline.snapshot(book, data.keys())
    for name, value in data.items():
        setattr(book, name, value)
    _check_book(book)
    with transaction.atomic():
        save_if_current(book, expected_version=expected_version, fields=list(data))
        timeline.record_changes(actor=actor, subject=book, before=before)
    return book


def price_book_deactivate(*, actor: User, book: PriceBook, expected_version: int) -> PriceBook:
    """Stop proposing the book for new quotes; quotes priced from it keep their prices."""
    require_catalog_admin(actor)
    if not book.active:
        raise ValidationError({"active": [_("The price book is inactive already.")]})
    return price_book_update(actor=actor, book=book, data={"active": False}, expected_version=expected_version)


def price_book_entry_set(
    *,
    actor: User,
    book: PriceBook,
    product: Product,
    unit_price: Decimal,
    unit_cost: Decimal | None = None,
    expected_version: int,
) -> PriceBookEntry:
    """Give a product its list price (and unit cost) in the book, adding the entry or changing
    it, from the book's version read; the book's version moves on. The new list price must stay
    above the entry's volume prices. Refuses a stale version, changing nothing."""
    require_catalog_admin(actor)
    with transaction.atomic():
        _lock_owner(book, expected_version)
        entry = PriceBookEntry.objects.filter(price_book=book, product=product).first()
        created = entry is None
        if entry is None:
            entry = PriceBookEntry(price_book=book, product=product)
        before = {} if created else _values(entry, ENTRY_FIELDS)
        entry.unit_price, entry.unit_cost = unit_price, unit_cost
        _clean(entry, exclude=["price_book", "product"])
        if not created:
            problems = tier_ladder_errors(unit_price, entry.tiers.values_list("min_quantity", "unit_price"))
            if problems:
                raise ValidationError({"unit_price": problems})
        _bump(book)
        if created:
            entry.save()
        else:
            entry.save(update_fields=list(ENTRY_FIELDS))
        _on_timeline(
            actor=actor,
            subject=book,
            text=product.code,
            via="entries",
            before=before,
            after=_values(entry, ENTRY_FIELDS),
        )
    return entry


def price_book_entry_remove(*, actor: User, entry: PriceBookEntry, expected_version: int | None = None) -> None:
    """Take a product out of a book, with its volume tiers, from the book's version read (when
    given); the book's version moves on. Quotes priced from it keep their lines."""
    require_catalog_admin(actor)
    before = _values(entry, ENTRY_FIELDS)
    with transaction.atomic():
        _lock_owner(entry.price_book, expected_version)
        _bump(entry.price_book)
        entry.tiers.all().delete()
        entry.delete()
        _on_timeline(
            actor=actor,
            subject=entry.price_book,
            text=entry.product.code,
            via="entries",
            before=before,
            after={},
        )


def _check_tier(tier: PriceTier) -> None:
    _clean(tier, exclude=["entry"])
    others = PriceTier.objects.filter(entry_id=tier.entry_id).exclude(pk=tier.pk)
    if others.filter(min_quantity=tier.min_quantity).exists():
        raise ValidationError({"min_quantity": [_("A volume price from this quantity exists already.")]})
    ladder = [*others.values_list("min_quantity", "unit_price"), (tier.min_quantity, tier.unit_price)]
    problems = tier_ladder_errors(tier.entry.unit_price, ladder)
    if problems:
        raise ValidationError({"unit_price": problems})


def _tier_text(tier: PriceTier) -> str:
    return f"{tier.entry.product.code} ≥ {numbers.quantity(tier.min_quantity)}"


def price_tier_add(
    *, actor: User, entry: PriceBookEntry, min_quantity: Decimal, unit_price: Decimal, expected_version: int
) -> PriceTier:
    """Add a volume price: from `min_quantity` units on each unit costs `unit_price`, from the
    book's version read; the book's version moves on. The ladder stays ascending in quantity and
    descending in price, below the list price (checked under the book's lock, so two concurrent
    edits cannot together break it); new quotes and re-priced lines get it, lines already priced
    keep theirs. Refuses a stale version, changing nothing."""
    require_catalog_admin(actor)
    tier = PriceTier(entry=entry, min_quantity=min_quantity, unit_price=unit_price)
    with transaction.atomic():
        _lock_owner(entry.price_book, expected_version)
        entry.refresh_from_db(fields=["unit_price"])
        _check_tier(tier)
        tier.save()
        _bump(entry.price_book)
        _on_timeline(
            actor=actor,
            subject=entry.price_book,
            text=_tier_text(tier),
            via="entries.tiers",
            before={},
            after=_values(tier, TIER_FIELDS),
        )
    return tier


def price_tier_update(*, actor: User, tier: PriceTier, data: dict[str, Any], expected_version: int) -> PriceTier:
    """Change a volume price from the book's version read, under the ladder's checks (made under
    the book's lock); the book's version moves on. Refuses a stale version, changing nothing."""
    require_catalog_admin(actor)
    _refuse_unknown(data, TIER_FIELDS)
    before = _values(tier, TIER_FIELDS)
    for name, value in data.items():
        setattr(tier, name, value)
    with transaction.atomic():
        _lock_owner(tier.entry.price_book, expected_version)
        tier.entry.refresh_from_db(fields=["unit_price"])
        _check_tier(tier)
        tier.save(update_fields=list(data))
        _bump(tier.entry.price_book)
        _on_timeline(
            actor=actor,
            subject=tier.entry.price_book,
            text=_tier_text(tier),
            via="entries.tiers",
            before=before,
            after=_values(tier, TIER_FIELDS),
        )
    return tier


def price_tier_remove(*, actor: User, tier: PriceTier, expected_version: int) -> None:
    """Remove a volume price from the book's version read; the book's version moves on."""
    require_catalog_admin(actor)
    before = _values(tier, TIER_FIELDS)
    with transaction.atomic():
        _lock_owner(tier.entry.price_book, expected_version)
        tier.delete()
        _bump(tier.entry.price_book)
        _on_timeline(
            actor=actor,
            subject=tier.entry.price_book,
            text=_tier_text(tier),
            via="entries.tiers",
            before=before,
            after={},
        )


# --- contracted prices -----------------------------------------------------------------------


def _check_contract_price(price: ContractPrice) -> None:
    price.reference = (price.reference or "").strip()
    if price.valid_to is not None and price.valid_from is not None and price.valid_to < price.valid_from:
        raise ValidationError({"valid_to": [_("The end date is before the start date.")]})
    _clean(price, exclude=["account", "product"])
    overlapping = (
        ContractPrice.objects.filter(account_id=price.account_id, product_id=price.product_id, currency=price.currency)
        .exclude(pk=price.pk)
        .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=price.valid_from))
    )
    if price.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=price.valid_to)
    clash = overlapping.order_by("valid_from").first()
    if clash is not None:
        raise ValidationError(
            {
                "valid_from": [
                    _("A contracted price of %(price)s applies from %(start)s: end it before this one starts.")
                    % {"price": numbers.quantity(clash.unit_price), "start": clash.valid_from.isoformat()}
                ]
            }
        )


def _lock_agreements(account_id: int) -> None:
    """Lock the customer's row: it serialises changes to its agreements, so two overlapping ones
    cannot both pass the overlap check."""
    Account.objects.select_for_update().filter(pk=account_id).values_list("pk", flat=True).first()


def contract_price_add(*, actor: User, account: Account, product: Product, data: dict[str, Any]) -> ContractPrice:
    """Agree a customer's price for a product in a currency over a period; it wins over price
    books on quotes dated in the period. Refuses a period overlapping another agreement for the
    same product and currency, changing nothing."""
    require_catalog_admin(actor)
    _refuse_unknown(data, CONTRACT_PRICE_FIELDS)
    price = ContractPrice(account=account, product=product, **data)
    with transaction.atomic():
        _lock_agreements(account.pk)
        _check_contract_price(price)
        price.save()
        _on_timeline(
            actor=actor,
            subject=account,
            text=product.code,
            via="contract_prices",
            before={},
            after=_values(price, CONTRACT_PRICE_FIELDS[1:]),
        )
    return price


def _today() -> date:
    return timezone.localdate()


def contract_price_update(
    *, actor: User, price: ContractPrice, data: dict[str, Any], expected_version: int
) -> ContractPrice:
    """Change a contracted price from the version read. Once in force (from its start date) only
    its end date and reference change: quotes may have been priced from it, so a new price is
    a new agreement (end this one, add the next)."""
    require_catalog_admin(actor)
    _refuse_unknown(data, CONTRACT_PRICE_FIELDS)
    if price.version != expected_version:
        raise StaleVersionError(price.version)
    changed = [name for name in data if name in CONTRACT_PRICE_FIXED and data[name] != getattr(price, name)]
    if changed and price.valid_from <= _today():
        message = _("In force since %(start)s: end it and add a new contracted price.") % {
            "start": price.valid_from.isoformat()
        }
        raise ValidationError({name: [message] for name in changed})
    fields = CONTRACT_PRICE_FIELDS[1:]
    before = _values(price, fields)
    for name, value in data.items():
        setattr(price, name, value)
    with transaction.atomic():
        _lock_agreements(price.account_id)
        _check_contract_price(price)
        save_if_current(price, expected_version=expected_version, fields=[name for name in data])
        _on_timeline(
            actor=actor,
            subject=price.account,
            text=price.product.code,
            via="contract_prices",
            before=before,
            after=_values(price, fields),
        )
    return price


def contract_price_end(
    *, actor: User, price: ContractPrice, expected_version: int, on: date | None = None
) -> ContractPrice:
    """End an agreement on `on` (today by default): it applies to quotes dated up to that day and
    stays on record. Refuses a day before its start or after its current end."""
    require_catalog_admin(actor)
    on = on or _today()
    if on < price.valid_from:
        raise ValidationError(
            {"on": [_("It starts on %(start)s: change its dates instead.") % {"start": price.valid_from.isoformat()}]}
        )
    if price.valid_to is not None and on >= price.valid_to:
        raise ValidationError({"on": [_("It ends on %(end)s already.") % {"end": price.valid_to.isoformat()}]})
    return contract_price_update(actor=actor, price=price, data={"valid_to": on}, expected_version=expected_version)
