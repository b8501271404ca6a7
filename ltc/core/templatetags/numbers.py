"""Fast number filters for long tables: `money` (two decimals) and `quantity` (as few decimals as
needed), grouped and separated the way the reader's locale does it (as floatformat "2g" would,
at a fraction of its cost: a 200-line contract shows ~2,000 amounts).

On screen, `money` honours the reader's "amounts in 万 / 亿" preference (set per request by
ltc.web.middleware.AmountDisplayMiddleware): 1,234,567.80 reads 123.46万 with the exact amount in
its title. Python callers (timeline notes, messages, exports) get `money()`, always exact; a
printed document wraps its body in `{% exact_amounts %}…{% end_exact_amounts %}`, and
`money_exact` keeps one amount exact (an option of a select, a value people copy)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django import template
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()
CENT = Decimal("0.01")
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
_IN_WAN: ContextVar[bool] = ContextVar("amounts_in_wan", default=False)


@contextmanager
def amounts_in_wan(on: bool) -> Iterator[None]:
    """While inside, the `money` filter shows large amounts in 万 / 亿 (on) or exactly (off)."""
    token = _IN_WAN.set(on)
    try:
        yield
    finally:
        _IN_WAN.reset(token)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


@lru_cache(maxsize=16)
def _separators(language: str) -> tuple[str, int, str]:
    """(thousand separator, group size, decimal separator) of a language."""
    return (
        get_format("THOUSAND_SEPARATOR", language),
        get_format("NUMBER_GROUPING", language),
        get_format("DECIMAL_SEPARATOR", language),
    )


def _grouped(digits: str, separator: str, size: int) -> str:
    if not separator or not isinstance(size, int) or size <= 0 or len(digits) <= size:
        return digits
    head = len(digits) % size or size
    return separator.join([digits[:head], *(digits[i : i + size] for i in range(head, len(digits), size))])


def _shown(value: Decimal, separators: tuple[str, int, str] | None = None) -> str:
    separator, size, decimal = separators or _separators(get_language() or "en")
    if decimal == ".":  # the common cases, formatted in C
        if separator == "," and size == 3:
            return format(value, ",f")
        if not separator:
            return format(value, "f")
    whole, _dot, fraction = f"{abs(value):f}".partition(".")
    sign = "-" if value < 0 else ""
    return sign + _grouped(whole, separator, size) + (decimal + fraction if fraction else "")


def formatter(*, places: int | None) -> Callable[[Any], str]:
    """A formatter for many numbers in the current language: `places` decimals (rounded half
    up), or as few as needed when None. The locale is read once, not per number."""
    separators = _separators(get_language() or "en")
    exponent = Decimal(1).scaleb(-places) if places is not None else None

    def shown(value: Any) -> str:
        number = _decimal(value)
        if number is None:
            return ""
        if exponent is not None:
            return _shown(number.quantize(exponent, rounding=ROUND_HALF_UP), separators)
        return _shown(number.normalize() if number else Decimal(0), separators)

    return shown


@register.filter(name="money_exact")
def money(value: Any) -> str:
    """1234567.8 → "1,234,567.80" in English, "1234567.80" in Chinese."""
    number = _decimal(value)
    return "" if number is None else _shown(number.quantize(CENT, rounding=ROUND_HALF_UP))


def in_wan(value: Decimal) -> str | None:
    """An amount of at least 10,000 in 万 or 亿, rounded half up to two decimals of the unit and
    without trailing zeros: 1,234,567.80 → "123.46万", 250,000,000 → "2.5亿", -15,000 → "-1.5万";
    None below 10,000 (it reads as it is). Rounded to the cent first, so 9,999.995 is 1万."""
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(cents) < WAN:
        return None
    unit, word = (YI, "亿") if abs(cents) >= YI else (WAN, "万")
    scaled = (cents / unit).quantize(CENT, rounding=ROUND_HALF_UP)
    if word == "万" and abs(scaled) >= WAN:  # 99,999,999.99 rounds to 10,000万: that is 1亿
        unit, word = YI, "亿"
        scaled = (cents / unit).quantize(CENT, rounding=ROUND_HALF_UP)
    return _shown(scaled.normalize()) + word


@register.filter(name="money")
def money_on_screen(value: Any) -> str | SafeString:
    """`money` as the reader asked to see it: exact, or in 万 / 亿 with the exact amount as title."""
    exact = money(value)
    if not exact or not _IN_WAN.get():
        return exact
    short = in_wan(_decimal(value) or Decimal(0))
    if short is None:
        return exact
    return format_html('<span class="amount-short" title="{}">{}</span>', exact, short)


class _ExactAmountsNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        with amounts_in_wan(False):
            return self.nodelist.render(context)


@register.tag
def exact_amounts(parser: template.base.Parser, token: template.base.Token) -> _ExactAmountsNode:
    """`{% exact_amounts %}…{% end_exact_amounts %}`: a printed document shows every amount exactly."""
    nodelist = parser.parse(("end_exact_amounts",))
    parser.delete_first_token()
    return _ExactAmountsNode(nodelist)


@register.filter
def quantity(value: Any) -> str:
    """20.00 → "20", 2.50 → "2.5"."""
    number = _decimal(value)
    if number is None:
        return ""
    return _shown(number.normalize() if number else Decimal(0))
