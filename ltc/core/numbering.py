"""Gapless document numbers: Q2026-000042, one series per document kind and year.

How each series' numbers read is configurable (NumberFormat: prefix, year part of 4, 2 or no
digits, separator, width); a series never configured reads as it always has. A change applies to
numbers taken afterwards and keeps every series gapless and unique:

- the counter is the same whatever the format: per (series, year) while the format shows the
  year, one counter for all years (year 0) while it does not — a number without its year must
  never restart at 1 on 1 January;
- a format is refused when it could make a number the series' table already holds: an existing
  number that reads as this format's number for a year and a value the counter has not handed out
  yet (the counter would reach it again);
- two series kept in one table (invoices and credit notes) must not start with the same prefix,
  nor one's prefix with the other's, so their numbers can never meet;
- the change locks the series' format row, which every number taken reads under a lock first, so
  no number is taken in between the check and the save, nor in the old format after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.core.models import NumberFormat, NumberSequence, YearDigits


class NumberSeries(models.TextChoices):
    QUOTE = "quote", gettext_lazy("Quotes")
    CONTRACT = "contract", gettext_lazy("Contracts")
    ORDER = "order", gettext_lazy("Orders")
    DELIVERY = "delivery", gettext_lazy("Deliveries")
    INVOICE = "invoice", gettext_lazy("Invoices")
    CREDIT_NOTE = "credit_note", gettext_lazy("Credit notes")
    CASE = "case", gettext_lazy("Service cases")


@dataclass(frozen=True)
class Series:
    label: Any
    prefix: str
    model: str  # "app_label.Model" holding the numbers, field `number` (unique in the table)


# Document kinds whose numbers come from a counter (gapless). Payments are numbered from their id
# (unique, not gapless) and keep their fixed format.
SERIES: dict[str, Series] = {
    NumberSeries.QUOTE: Series(NumberSeries.QUOTE.label, "Q", "quotes.Quote"),
    NumberSeries.CONTRACT: Series(NumberSeries.CONTRACT.label, "C", "contracts.Contract"),
    NumberSeries.ORDER: Series(NumberSeries.ORDER.label, "SO", "contracts.Order"),
    NumberSeries.DELIVERY: Series(NumberSeries.DELIVERY.label, "DN", "contracts.Delivery"),
    NumberSeries.INVOICE: Series(NumberSeries.INVOICE.label, "INV", "billing.Invoice"),
    NumberSeries.CREDIT_NOTE: Series(NumberSeries.CREDIT_NOTE.label, "CN", "billing.Invoice"),
    NumberSeries.CASE: Series(NumberSeries.CASE.label, "CS", "service.Case"),
}
FORMAT_FIELDS = ("prefix", "year_digits", "separator", "width")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,5}$")
SEPARATORS = ("", "-", "/", "_", ".")
YEAR_DIGITS = tuple(YearDigits.values)
MIN_WIDTH, MAX_WIDTH = 3, 8
NUMBER_MAX_LENGTH = 20  # the `number` columns' length
# the counter of a series whose numbers show no year
ALL_YEARS = 0


def next_number(series: str, year: int) -> int:
    """Take the next number of `series` in `year`. Must run inside the transaction that stores
    the document: the row stays locked until it commits (concurrent callers wait), and a
    rollback returns the number, so the series has no gaps."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that stores the document")
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(series=series, year=year)
    except IntegrityError:  # created concurrently: the row exists now
        pass
    sequence = NumberSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def formatted(prefix: str, year: int, value: int) -> str:
    """The fixed format: prefix, four-digit year, a dash, six digits (payments use it)."""
    return f"{prefix}{year}-{value:06d}"


def render(number_format: NumberFormat, year: int, value: int) -> str:
    year_part = {4: f"{year:04d}", 2: f"{year % 100:02d}", 0: ""}[number_format.year_digits]
    return f"{number_format.prefix}{year_part}{number_format.separator}{value:0{number_format.width}d}"


def default_format(series: str) -> NumberFormat:
    return NumberFormat(series=series, prefix=SERIES[series].prefix, year_digits=4, separator="-", width=6)


def format_of(series: str) -> NumberFormat:
    """The series' format: its row, or the format it always had."""
    return NumberFormat.objects.filter(series=series).first() or default_format(series)


def counter_year(number_format: NumberFormat, year: int) -> int:
    return year if number_format.year_digits else ALL_YEARS


def document_number(series: str, year: int) -> str:
    """The next number of `series` for a document dated in `year`, in the series' format (inside
    the transaction that stores the document, as next_number)."""
    # Read under the format's row lock: a format change waits for the numbers being taken, and
    # they for it, so no number is made in the old format after the new one was checked.
    number_format = NumberFormat.objects.select_for_update().filter(series=series).first() or default_format(series)
    return render(number_format, year, next_number(series, counter_year(number_format, year)))


# --- configuring formats ---------------------------------------------------------------------


def number_formats() -> list[NumberFormat]:
    """Every series' format, stored rows first made for the series never configured (so each has
    a version to change)."""
    stored = {f.series: f for f in NumberFormat.objects.filter(series__in=SERIES)}
    missing = [default_format(series) for series in SERIES if series not in stored]
    if missing:
        NumberFormat.objects.bulk_create(missing, ignore_conflicts=True)
        stored = {f.series: f for f in NumberFormat.objects.filter(series__in=SERIES)}
    return [stored[series] for series in SERIES]


def number_format_get(series: str) -> NumberFormat:
    if series not in SERIES:
        raise NumberFormat.DoesNotExist
    return next(f for f in number_formats() if f.series == series)


def can_configure_numbers(user: Any) -> bool:
    # ltc.org (upstream of nothing in core) names the role; core reads the flag the org User gives.
    return bool(user.is_authenticated and user.is_active and user.has_role("admin"))


def _pattern(number_format: NumberFormat) -> re.Pattern[str]:
    year = {4: r"(\d{4})", 2: r"(\d{2})", 0: "()"}[number_format.year_digits]
    return re.compile(rf"^{re.escape(number_format.prefix)}{year}{re.escape(number_format.separator)}(\d+)$")


def _reading(number_format: NumberFormat, number: str, this_year: int) -> tuple[int, int] | None:
    """(counter year, value) this format would make `number` with, or None if it never makes it."""
    match = _pattern(number_format).match(number)
    if match is None:
        return None
    year_text, digits = match.groups()
    value = int(digits)
    if value == 0:
        return None
    year = int(year_text) if year_text else ALL_YEARS
    if number_format.year_digits == 2:
        year += this_year // 100 * 100
    if render(number_format, year, value) != number:  # e.g. a different zero padding
        return None
    return counter_year(number_format, year), value


def _collision(number_format: NumberFormat, series: str, this_year: int) -> str | None:
    """An existing number of the series' table this format could make again, if any."""
    definition = SERIES[series]
    model = apps.get_model(definition.model)
    counters = dict(NumberSequence.objects.select_for_update().filter(series=series).values_list("year", "last_value"))
    candidates = model._default_manager.filter(number__startswith=number_format.prefix).exclude(number="")
    regex = _pattern(number_format).pattern.replace(r"\d", "[0-9]")
    for number in candidates.filter(number__regex=regex).values_list("number", flat=True).iterator():
        reading = _reading(number_format, number, this_year)
        if reading is not None and reading[1] > counters.get(reading[0], 0):
            return str(number)
    return None


def _validate(number_format: NumberFormat, series: str, errors: dict[str, list[str]]) -> None:
    if not PREFIX.match(number_format.prefix or ""):
        errors["prefix"] = [_("Enter 1 to 6 capital letters or digits, starting with a letter.")]
    if number_format.year_digits not in YEAR_DIGITS:
        errors["year_digits"] = [_("Choose 4, 2 or 0 year digits.")]
    if number_format.separator not in SEPARATORS:
        errors["separator"] = [_("Choose no separator or one of - / _ .")]
    if isinstance(number_format.width, bool) or not (
        isinstance(number_format.width, int) and MIN_WIDTH <= number_format.width <= MAX_WIDTH
    ):
        errors["width"] = [_("Enter %(low)d to %(high)d digits.") % {"low": MIN_WIDTH, "high": MAX_WIDTH}]
    if errors:
        return
    longest = len(number_format.prefix) + number_format.year_digits + len(number_format.separator)
    if longest + number_format.width > NUMBER_MAX_LENGTH:
        errors["width"] = [_("A number may have at most %(n)d characters.") % {"n": NUMBER_MAX_LENGTH}]
        return
    table = SERIES[series].model
    for other, definition in SERIES.items():
        if other == series or definition.model != table:
            continue
        other_prefix = format_of(other).prefix
        if other_prefix.startswith(number_format.prefix) or number_format.prefix.startswith(other_prefix):
            errors["prefix"] = [
                _("%(series)s use the prefix %(prefix)s in the same register: choose a prefix that neither starts.")
                % {"series": definition.label, "prefix": other_prefix}
            ]


def _read(data: dict[str, Any], number_format: NumberFormat, errors: dict[str, list[str]]) -> None:
    for name in sorted(set(data) - set(FORMAT_FIELDS)):
        errors[name] = [_("Unknown field.")]
    for name in FORMAT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("prefix", "separator"):
            value = "" if value is None else str(value).strip()
            value = value.upper() if name == "prefix" else value
        setattr(number_format, name, value)


def number_format_update(
    *, actor: Any, number_format: NumberFormat, data: dict[str, Any], expected_version: int
) -> NumberFormat:
    """Change how a series' numbers read, from the next number on (administrators; a stale
    `expected_version` is refused). Refuses a format that could repeat a number the series' table
    holds, or meet the numbers of another series kept in the same table; numbers already given
    never change."""
    if not can_configure_numbers(actor):
        raise PermissionDenied(_("Only administrators configure numbering formats."))
    series = number_format.series
    before = timeline.snapshot(number_format, FORMAT_FIELDS)
    errors: dict[str, list[str]] = {}
    _read(data, number_format, errors)
    _validate(number_format, series, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        NumberFormat.objects.select_for_update().filter(pk=number_format.pk).first()  # numbers wait
        taken = _collision(number_format, series, timezone.localdate().year)
        if taken is not None:
            raise ValidationError(
                {
                    "prefix": [
                        _("The number %(number)s exists already and this format would make it again.")
                        % {"number": taken}
                    ]
                }
            )
        save_if_current(number_format, expected_version=expected_version, fields=list(FORMAT_FIELDS))
        timeline.record_changes(actor=actor, subject=number_format, before=before)
    return number_format


def example(number_format: NumberFormat) -> str:
    """The number the format would give next in this year."""
    year = timezone.localdate().year
    last = (
        NumberSequence.objects.filter(series=number_format.series, year=counter_year(number_format, year)).aggregate(
            last=Max("last_value")
        )["last"]
        or 0
    )
    return render(number_format, year, last + 1)
