"""Creating a quote, editing its draft version (lines, bundles, terms) and revising it.

Only a draft version changes; every other version is read-only. Editing re-prices the whole
version from the catalog, checks each bundle's configuration, and stores the lines in bulk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.catalog.models import PriceBook, Product
from ltc.catalog.pricing import bundle_definitions, configuration_errors, price_context, proposed_book
from ltc.core import timeline
from ltc.core.bulk import bulk_insert, next_ids
from ltc.core.concurrency import save_if_current
from ltc.core.forms import posted_number
from ltc.core.money import money_text
from ltc.core.numbering import document_number
from ltc.opportunities.models import Opportunity
from ltc.org.models import User
from ltc.quotes import pricing
from ltc.quotes.access import can_write
from ltc.quotes.choices import QuoteStatus, TermTrigger
from ltc.quotes.models import PaymentTerm, Quote, QuoteLine, QuoteVersion

VALID_FOR = timedelta(days=30)
MAX_LINES = 1000
MAX_TERMS = 12
HEADER_FIELDS = ("title", "price_book", "valid_until", "document_discount_pct", "delivery_terms", "notes")
TEXT_LIMITS = {"title": 200, "delivery_terms": 2000, "notes": 2000}
HUNDRED = Decimal(100)


def default_terms() -> list[dict[str, Any]]:
    """30% on signing, 60% on acceptance, 10% a year after acceptance (the warranty)."""
    return [
        {"label": _("Advance on signing"), "percent": Decimal(30), "trigger": TermTrigger.SIGNING, "days": 30},
        {"label": _("On acceptance"), "percent": Decimal(60), "trigger": TermTrigger.ACCEPTANCE, "days": 30},
        {"label": _("Warranty retention"), "percent": Decimal(10), "trigger": TermTrigger.WARRANTY, "days": 365},
    ]


def require_write(actor: User, opportunity: Opportunity) -> None:
    if not can_write(actor, opportunity):
        raise PermissionDenied(_("Only the deal's AR, SR and their managers work on its quotes."))


def current_of(quote: Quote) -> QuoteVersion:
    """The quote's current version (every quote has one from its creation on)."""
    if quote.current is None:
        raise ValidationError({"version": [_("This quote has no version.")]})
    return quote.current


def require_draft(version: QuoteVersion) -> None:
    if version.status == QuoteStatus.IN_APPROVAL:
        raise ValidationError({"version": [_("The quote is locked while in approval.")]})
    if not version.is_draft:
        raise ValidationError(
            {
                "version": [
                    _("Version %(n)d is %(status)s and read-only: revise the quote to change it.")
                    % {"n": version.number, "status": version.get_status_display()}
                ]
            }
        )


def mirror_current(quote: Quote, version: QuoteVersion) -> list[str]:
    """Copy the current version's list columns onto the quote; returns the fields to save."""
    quote.current = version
    quote.status = version.status
    quote.total = version.grand_total
    quote.valid_until = version.valid_until
    return ["current", "status", "total", "valid_until"]


def set_quote_status(quote: Quote, status: str) -> None:
    """Mirror a status change of the current version (bumping the quote's version)."""
    Quote.objects.filter(pk=quote.pk).update(status=status, version=F("version") + 1, updated_at=timezone.now())
    quote.status = status
    quote.version += 1


# --- reading line input ----------------------------------------------------------------------


@dataclass
class LineInput:
    product_id: Any
    quantity: Any
    discount_pct: Any
    components: list[LineInput]


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _read_lines(raw: Any, errors: dict[str, list[str]], prefix: str = "lines") -> list[LineInput]:
    if not isinstance(raw, list):
        errors[prefix] = [_("Send a list of lines.")]
        return []
    lines = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            errors[f"{prefix}.{index}"] = [_("Each line is an object with product_id and quantity.")]
            continue
        components = []
        if item.get("components"):
            components = _read_lines(item["components"], errors, f"{prefix}.{index}.components")
        lines.append(
            LineInput(item.get("product_id"), item.get("quantity"), item.get("discount_pct", 0) or 0, components)
        )
    return lines


def _flat_inputs(lines: list[LineInput], prefix: str = "lines") -> list[tuple[str, LineInput]]:
    out = []
    for index, line in enumerate(lines):
        out.append((f"{prefix}.{index}", line))
        out.extend(_flat_inputs(line.components, f"{prefix}.{index}.components"))
    return out


def _product_pk(value: Any) -> int:
    """The product id a line names, read by the rule for posted ids: 0 (no product) for "²", a
    sign, a fraction or a number beyond any column, which int() or the database would refuse."""
    return posted_number({"product_id": str(value)}, "product_id")


def _build_lines(
    inputs: list[LineInput], *, book: PriceBook, account: Any, on: date, errors: dict[str, list[str]]
) -> list[pricing.PricedLine]:
    """Resolve products, check quantities and discounts, price and configure. Errors are keyed
    by the line's place (lines.2.quantity, lines.0.components.1.product_id)."""
    flat = _flat_inputs(inputs)
    if len(flat) > MAX_LINES:
        errors["lines"] = [_("A quote has at most %(n)d lines.") % {"n": MAX_LINES}]
        return []
    ids = [pk for _p, line in flat if (pk := _product_pk(line.product_id))]
    products = {p.pk: p for p in Product.objects.filter(pk__any=ids)}
    context = price_context(book=book, account=account, on=on, product_ids=products)
    definitions = bundle_definitions(p.pk for p in products.values() if p.is_bundle)

    def build(line: LineInput, place: str, parent: Product | None) -> pricing.PricedLine | None:
        product = products.get(_product_pk(line.product_id))
        quantity, discount = _decimal(line.quantity), _decimal(line.discount_pct)
        ok = True
        if product is None:
            errors[f"{place}.product_id"] = [_("Choose a product of the catalog.")]
            ok = False
        elif not product.active:
            errors[f"{place}.product_id"] = [_("%(code)s is no longer sold.") % {"code": product.code}]
            ok = False
        if quantity is None or quantity <= 0 or quantity.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"{place}.quantity"] = [_("Enter a quantity above 0, with at most two decimals.")]
            ok = False
        if discount is None or not 0 <= discount <= HUNDRED or discount.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"{place}.discount_pct"] = [_("Enter a discount from 0 to 100%.")]
            ok = False
        if product is not None and line.components and not product.is_bundle:
            errors[f"{place}.components"] = [_("Only a bundle has components.")]
            ok = False
        if product is not None and parent is not None and product.is_bundle:
            errors[f"{place}.product_id"] = [_("A bundle cannot be part of another bundle.")]
            ok = False
        if not ok or product is None or quantity is None or discount is None:
            return None
        unit = context.unit_price(product, quantity)
        if unit is None:
            errors[f"{place}.product_id"] = [
                _("%(code)s has no price in %(book)s.") % {"code": product.code, "book": context.book}
            ]
            return None
        priced = pricing.PricedLine(product, quantity, discount, unit)
        for index, part in enumerate(line.components):
            built = build(part, f"{place}.components.{index}", product)
            if built is not None:
                priced.components.append(built)
        if product.is_bundle and len(priced.components) == len(line.components):
            chosen: dict[int, Decimal] = {}
            for component in priced.components:
                # Components are quantities per bundle ordered: 2 bundles of 3 servers = 6 servers.
                chosen[component.product.pk] = chosen.get(component.product.pk, Decimal(0)) + (
                    component.quantity / quantity
                )
            problems = configuration_errors(product, definitions[product.pk], chosen, products)
            if problems:
                errors[f"{place}.components"] = problems
        return priced

    built = [build(line, f"lines.{index}", None) for index, line in enumerate(inputs)]
    return [line for line in built if line is not None]


def _read_terms(raw: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors["terms"] = [_("Give at least one payment milestone.")]
        return []
    if len(raw) > MAX_TERMS:
        errors["terms"] = [_("At most %(n)d payment milestones.") % {"n": MAX_TERMS}]
        return []
    terms = []
    total = Decimal(0)
    for index, item in enumerate(raw):
        place = f"terms.{index}"
        item = item if isinstance(item, dict) else {}
        label = str(item.get("label") or "").strip()
        percent = _decimal(item.get("percent"))
        trigger = item.get("trigger")
        days = item.get("days", 0) or 0
        due_date = item.get("due_date") or None
        if not label or len(label) > 100:
            errors[f"{place}.label"] = [_("Name the milestone (at most 100 characters).")]
        if percent is None or not 0 < percent <= HUNDRED or percent.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"{place}.percent"] = [_("Enter a share above 0 and at most 100%.")]
            percent = None
        if trigger not in TermTrigger.values:
            errors[f"{place}.trigger"] = [_("Choose when the milestone falls due.")]
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        whole = isinstance(days, int) or (
            isinstance(days, str) and days.isascii() and days.isdigit() and len(days) < 19
        )
        if not whole or not 0 <= int(days) <= 3650:
            errors[f"{place}.days"] = [_("Enter 0 to 3650 days.")]
            days = 0
        if isinstance(due_date, str):
            try:
                due_date = date.fromisoformat(due_date)
            except ValueError:
                errors[f"{place}.due_date"] = [_("Enter a date as YYYY-MM-DD.")]
                due_date = None
        if trigger == TermTrigger.DATE and due_date is None:
            errors.setdefault(f"{place}.due_date", [_("Give the date this milestone falls due.")])
        total += percent or Decimal(0)
        terms.append(
            {
                "label": label,
                "percent": percent,
                "trigger": trigger,
                "days": int(days),
                "due_date": due_date if trigger == TermTrigger.DATE else None,
            }
        )
    if not any(key.startswith("terms.") for key in errors) and total != HUNDRED:
        errors["terms"] = [_("The payment milestones add up to %(total)s%%, not 100%%.") % {"total": total}]
    return terms


def _read_header(data: dict[str, Any], version: QuoteVersion, quote: Quote, errors: dict[str, list[str]]) -> None:
    for name, limit in TEXT_LIMITS.items():
        if name in data:
            value = str(data[name] or "").strip()
            if len(value) > limit or (name == "title" and not value):
                errors[name] = [_("Enter 1 to %(n)d characters.") % {"n": limit}]
            target = quote if name == "title" else version
            setattr(target, name, value)
    if "price_book" in data:
        book = data["price_book"]
        if not isinstance(book, PriceBook):
            errors["price_book"] = [_("Choose a price book.")]
        elif book.currency != quote.currency:
            errors["price_book"] = [
                _("The deal is in %(deal)s; this price book is in %(book)s.")
                % {"deal": quote.currency, "book": book.currency}
            ]
        elif not book.is_valid_on(timezone.localdate()):
            errors["price_book"] = [_("This price book is not valid today.")]
        else:
            version.price_book = book
    if "valid_until" in data:
        valid_until = data["valid_until"]
        if isinstance(valid_until, str):
            try:
                valid_until = date.fromisoformat(valid_until)
            except ValueError:
                valid_until = None
        if not isinstance(valid_until, date) or valid_until < timezone.localdate():
            errors["valid_until"] = [_("Enter a date from today on.")]
        elif valid_until > timezone.localdate() + timedelta(days=366):
            errors["valid_until"] = [_("A quote is valid for at most a year.")]
        else:
            version.valid_until = valid_until
    if "document_discount_pct" in data:
        discount = _decimal(data["document_discount_pct"])
        if discount is None or not 0 <= discount <= HUNDRED or discount.as_tuple().exponent < -2:  # type: ignore[operator]
            errors["document_discount_pct"] = [_("Enter a discount from 0 to 100%.")]
        else:
            version.document_discount_pct = discount


def _inputs_of(version: QuoteVersion) -> list[LineInput]:
    """The stored lines of a version as input, to re-price them (e.g. after a book change)."""
    stored = list(version.lines.all())
    by_parent: dict[int | None, list[QuoteLine]] = {}
    for line in stored:
        by_parent.setdefault(line.parent_id, []).append(line)

    def as_input(line: QuoteLine) -> LineInput:
        children = [as_input(c) for c in by_parent.get(line.pk, [])]
        return LineInput(line.product_id, line.quantity, line.discount_pct, children)

    return [as_input(line) for line in by_parent.get(None, [])]


def version_inputs(version: QuoteVersion) -> list[dict[str, Any]]:
    """The stored lines as the API's input shape (product_id, quantity, discount_pct, components)."""

    def as_dict(line: LineInput) -> dict[str, Any]:
        out: dict[str, Any] = {
            "product_id": line.product_id,
            "quantity": line.quantity,
            "discount_pct": line.discount_pct,
        }
        if line.components:
            out["components"] = [as_dict(c) for c in line.components]
        return out

    return [as_dict(line) for line in _inputs_of(version)]


LINE_COLUMNS = (
    "id",
    "version_id",
    "position",
    "parent_id",
    "product_id",
    "code",
    "name",
    "unit",
    "quantity",
    "list_price",
    "unit_price",
    "price_source",
    "discount_pct",
    "base_amount",
    "net_amount",
    "tax_rate",
    "tax_amount",
    "total",
    "unit_cost",
    "cost_amount",
)


def _line_row(
    pk: int, version: QuoteVersion, line: pricing.PricedLine, position: int, parent: int | None
) -> tuple[Any, ...]:
    product = line.product
    return (
        pk,
        version.pk,
        position,
        parent,
        product.pk,
        product.code,
        product.display_name,
        product.unit,
        line.quantity,
        line.price.list_price,
        line.price.price,
        line.price.source,
        line.discount_pct,
        line.base_amount,
        line.net_amount,
        product.tax_rate,
        line.tax_amount,
        line.total,
        line.price.unit_cost,
        line.cost_amount,
    )


def _store(version: QuoteVersion, lines: list[pricing.PricedLine], terms: list[dict[str, Any]] | None) -> None:
    """Replace the draft's lines in one DELETE and one bulk insert (ids reserved up front so
    components can name their bundle) and, when given, its terms; the terms' amounts follow
    the total."""
    QuoteLine.objects.filter(version=version).delete()
    ids = iter(next_ids(QuoteLine, len(pricing.flatten(lines))))
    rows = []
    position = 0
    for line in lines:
        position += 1
        parent = next(ids)
        rows.append(_line_row(parent, version, line, position, None))
        for component in line.components:
            position += 1
            rows.append(_line_row(next(ids), version, component, position, parent))
    bulk_insert(QuoteLine, LINE_COLUMNS, rows)
    if terms is not None:
        version.terms.all().delete()
        PaymentTerm.objects.bulk_create(
            PaymentTerm(version=version, position=index + 1, **term) for index, term in enumerate(terms)
        )
    stored_terms = list(version.terms.all())
    for term, amount in zip(
        stored_terms, pricing.split_by_percent(version.grand_total, [t.percent for t in stored_terms]), strict=True
    ):
        term.amount = amount
    PaymentTerm.objects.bulk_update(stored_terms, ["amount"])


TOTAL_FIELDS = ("base_total", "net_total", "tax_total", "grand_total", "cost_total", "discount_pct", "margin_pct")


def _apply_totals(version: QuoteVersion, totals: pricing.Totals) -> None:
    for name in TOTAL_FIELDS:
        setattr(version, name, getattr(totals, name))


def quote_version_update(*, actor: User, quote: Quote, expected_version: int, data: dict[str, Any]) -> QuoteVersion:
    """Change the current draft version: header fields, lines (bundles with components) and
    payment terms. Everything is re-priced from the catalog and each bundle's configuration is
    checked; any bad field refuses the whole change. Stale `expected_version`: refused (412)."""
    require_write(actor, quote.opportunity)
    version = current_of(quote)
    require_draft(version)
    unknown = sorted(set(data) - {*HEADER_FIELDS, "lines", "terms"})
    errors: dict[str, list[str]] = {name: [_("Unknown field.")] for name in unknown}
    before = timeline.snapshot(version, ("price_book", "valid_until", "document_discount_pct"))
    before_total = version.grand_total
    before_title = timeline.snapshot(quote, ("title",))
    _read_header(data, version, quote, errors)
    inputs = _read_lines(data["lines"], errors) if "lines" in data else _inputs_of(version)
    terms = _read_terms(data["terms"], errors) if "terms" in data else None
    lines = []
    if "price_book" not in errors:
        lines = _build_lines(
            inputs, book=version.price_book, account=quote.account, on=version.quote_date, errors=errors
        )
    if errors:
        raise ValidationError(errors)
    totals = pricing.price(lines, version.document_discount_pct)
    _apply_totals(version, totals)
    with transaction.atomic():
        quote.refresh_search_text()
        save_if_current(
            quote, expected_version=expected_version, fields=["title", "search_text", *mirror_current(quote, version)]
        )
        version.save(update_fields=[name for name in HEADER_FIELDS if name != "title"] + list(TOTAL_FIELDS))
        _store(version, lines, terms)
        timeline.record_changes(actor=actor, subject=quote, before=before_title)
        timeline.record_changes(actor=actor, subject=quote, before=before, source=version, via="current")
        if "lines" in data or version.grand_total != before_total:
            timeline.note_add(
                actor=actor,
                subject=quote,
                text=_("Version %(n)d: %(lines)d lines, total %(total)s %(currency)s.")
                % {
                    "n": version.number,
                    "lines": len(pricing.flatten(lines)),
                    "total": money_text(version.grand_total),
                    "currency": version.currency,
                },
            )
    return version


# --- create and revise -----------------------------------------------------------------------

_SPLIT = re.compile(r"[\n,，、;；]+")


def interest_products(text: str) -> tuple[list[Product], list[str]]:
    """The active products a deal's "products of interest" names, by code or name (one query);
    and the words that matched none."""
    words = [w.strip() for w in _SPLIT.split(text or "") if w.strip()]
    if not words:
        return [], []
    found = Product.objects.active().filter(
        Q(code__in=[w.upper() for w in words]) | Q(code__in=words) | Q(name__in=words) | Q(name_en__in=words)
    )
    by_word: dict[str, Product] = {}
    for product in found:
        for key in (product.code, product.code.upper(), product.name, product.name_en):
            if key:
                by_word[key] = product
    products: list[Product] = []
    unmatched: list[str] = []
    for word in words:
        match = by_word.get(word) or by_word.get(word.upper())
        if match is None:
            unmatched.append(word)
        elif match not in products:
            products.append(match)
    return products, unmatched


def _starting_lines(products: list[Product]) -> list[LineInput]:
    """Products of interest as lines: one each; a bundle with its required components."""
    definitions = bundle_definitions(p.pk for p in products if p.is_bundle)
    lines = []
    for product in products:
        components = []
        if product.is_bundle:
            components = [
                LineInput(part.component_id, part.default_quantity, 0, [])
                for part in definitions[product.pk].components.values()
                if part.required
            ]
        lines.append(LineInput(product.pk, Decimal(1), Decimal(0), components))
    return lines


def quote_create(
    *, actor: User, opportunity: Opportunity, price_book: PriceBook | None = None, title: str = ""
) -> tuple[Quote, list[str]]:
    """Open a quote on an open deal: version 1, a draft in the deal's currency, priced from
    `price_book` (default: the most specific valid book for the customer), with the deal's
    products of interest as lines and the default payment terms. Returns the quote and the
    words of "products of interest" that matched no product."""
    require_write(actor, opportunity)
    errors: dict[str, list[str]] = {}
    if not opportunity.is_open:
        errors["opportunity"] = [_("The deal is closed.")]
    today = timezone.localdate()
    book = price_book or proposed_book(account=opportunity.account, currency=opportunity.currency, on=today)
    if book is None:
        errors["price_book"] = [_("No price book in %(currency)s is valid today.") % {"currency": opportunity.currency}]
    elif book.currency != opportunity.currency:
        errors["price_book"] = [
            _("The deal is in %(deal)s; this price book is in %(book)s.")
            % {"deal": opportunity.currency, "book": book.currency}
        ]
    elif not book.is_valid_on(today):
        errors["price_book"] = [_("This price book is not valid today.")]
    title = (title or "").strip() or opportunity.name
    if len(title) > TEXT_LIMITS["title"]:
        errors["title"] = [_("Enter 1 to %(n)d characters.") % {"n": TEXT_LIMITS["title"]}]
    if errors or book is None:
        raise ValidationError(errors)
    products, unmatched = interest_products(opportunity.products_of_interest)
    line_errors: dict[str, list[str]] = {}
    lines = _build_lines(
        _starting_lines(products), book=book, account=opportunity.account, on=today, errors=line_errors
    )
    if line_errors:  # a product of interest the book does not price: start without it
        lines = [line for line in lines if not line.product.is_bundle or line.components]
    totals = pricing.price(lines, Decimal(0))
    with transaction.atomic():
        number = document_number("quote", today.year)
        quote = Quote(
            number=number,
            opportunity=opportunity,
            account=opportunity.account,
            owner=actor,
            title=title,
            currency=opportunity.currency,
        )
        quote.refresh_search_text()
        quote.save()
        version = QuoteVersion(
            quote=quote,
            number=1,
            price_book=book,
            currency=book.currency,
            quote_date=today,
            valid_until=today + VALID_FOR,
            created_by=actor,
        )
        _apply_totals(version, totals)
        version.save()
        _store(version, lines, default_terms())
        mirror_current(quote, version)
        quote.save(update_fields=["current", "status", "total", "valid_until"])
        timeline.record_created(actor=actor, subject=quote)
        timeline.note_add(
            actor=actor, subject=opportunity, text=_("Quote %(number)s opened.") % {"number": quote.number}
        )
    return quote, unmatched


REVISABLE = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.DECLINED)


def quote_revise(*, actor: User, quote: Quote, expected_version: int) -> QuoteVersion:
    """Start the next version as a draft copy of the current one (lines, terms, header). An
    approved or sent version is superseded (its link no longer accepts); a rejected or declined
    one keeps its status. Refused for a draft, a version in approval and an accepted one."""
    require_write(actor, quote.opportunity)
    old = current_of(quote)
    if old.status not in REVISABLE:
        messages = {
            QuoteStatus.DRAFT: _("The current version is a draft: edit it."),
            QuoteStatus.IN_APPROVAL: _("The quote is locked while in approval."),
        }
        default = _("An accepted quote is final; changes go through the contract.")
        raise ValidationError({"version": [messages.get(old.status, default)]})  # type: ignore[call-overload]
    today = timezone.localdate()
    with transaction.atomic():
        if old.status in (QuoteStatus.APPROVED, QuoteStatus.SENT):
            QuoteVersion.objects.filter(pk=old.pk).update(status=QuoteStatus.SUPERSEDED, link_digest="")
        new = QuoteVersion.objects.create(
            quote=quote,
            number=old.number + 1,
            price_book=old.price_book,
            currency=old.currency,
            quote_date=today,
            valid_until=max(old.valid_until, today + timedelta(days=7)),
            document_discount_pct=old.document_discount_pct,
            delivery_terms=old.delivery_terms,
            notes=old.notes,
            created_by=actor,
            **{name: getattr(old, name) for name in TOTAL_FIELDS},
        )
        old_lines = list(old.lines.all())
        copies = {}
        for line in old_lines:
            copy = QuoteLine(**{f.attname: getattr(line, f.attname) for f in QuoteLine._meta.concrete_fields})
            copy.pk, copy.version_id, copy.parent_id = None, new.pk, None
            copies[line.pk] = copy
        QuoteLine.objects.bulk_create([copies[line.pk] for line in old_lines if line.parent_id is None])
        for line in old_lines:
            if line.parent_id is not None:
                copies[line.pk].parent_id = copies[line.parent_id].pk
        QuoteLine.objects.bulk_create([copies[line.pk] for line in old_lines if line.parent_id is not None])
        terms = [
            PaymentTerm(**{f.attname: getattr(t, f.attname) for f in PaymentTerm._meta.concrete_fields})
            for t in old.terms.all()
        ]
        for term in terms:
            term.pk, term.version_id = None, new.pk
        PaymentTerm.objects.bulk_create(terms)
        save_if_current(quote, expected_version=expected_version, fields=mirror_current(quote, new))
        timeline.note_add(
            actor=actor,
            subject=quote,
            text=_("Version %(new)d started from version %(old)d.") % {"new": new.number, "old": old.number},
        )
    return new
