"""Parsing and guards every billing service shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.money import MAX_DIGITS

Errors = dict[str, list[str]]
TEXT_MAX = 2000
LARGEST = Decimal(10) ** (MAX_DIGITS - 2)


def amount(raw: Any, field: str, errors: Errors, *, required: bool = True) -> Decimal | None:
    """A positive amount of money with at most two decimals (never a float)."""
    if raw in (None, ""):
        if required:
            errors[field] = [_("Enter an amount.")]
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        errors[field] = [_("Enter a number.")]
        return None
    if not value.is_finite():
        errors[field] = [_("Enter a number.")]
    elif value <= 0:
        errors[field] = [_("The amount must be more than zero.")]
    elif value >= LARGEST:  # before quantize, which cannot hold a number beyond its precision
        errors[field] = [_("The amount is too large.")]
    elif value != value.quantize(Decimal("0.01")):
        errors[field] = [_("At most two decimal places.")]
    else:
        return value
    return None


def day(raw: Any, field: str, errors: Errors, *, required: bool = True, not_future: bool = True) -> date | None:
    if raw in (None, ""):
        if required:
            errors[field] = [_("Enter a date.")]
        return None
    if isinstance(raw, date):
        value = raw
    else:
        try:
            value = date.fromisoformat(str(raw).strip())
        except ValueError:
            errors[field] = [_("Enter a date as YYYY-MM-DD.")]
            return None
    if not_future and value > timezone.localdate():
        errors[field] = [_("The date cannot be in the future.")]
        return None
    return value


def text(raw: Any, field: str, errors: Errors, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    value = str(raw or "").strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return value[:limit]


def raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)
