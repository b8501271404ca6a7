"""Money: Decimal amounts with a currency; rounding at defined points with ROUND_HALF_UP."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.core.templatetags import numbers

CENT = Decimal("0.01")
MAX_DIGITS = 18
DECIMAL_PLACES = 2


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    JPY = "JPY", _("Japanese yen (JPY)")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(amount: Any) -> str:
    """An amount as people read it, in the active language: 205,477.78 (the `money` template
    filter) — for the texts services write, such as timeline notes and messages."""
    return numbers.money(amount)


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_in_words(group: int) -> str:
    """Up to four digits, with 零 for inner zeros (1001 → 壹仟零壹)."""
    words = ""
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + _SMALL_UNITS[position]
    return words


def cny_in_words(amount: Decimal) -> str:
    """An amount in capital Chinese numerals as cheques and invoices write it (大写金额):
    1,234,567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分; 100 → 壹佰元整; negative amounts get 负."""
    amount = quantize(amount)
    sign = "负" if amount < 0 else ""
    cents = int(abs(amount) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if yuan >= 10**16:
        raise ValueError("amount too large to write in words")
    words = ""
    groups = []
    rest = yuan
    while rest:
        groups.append(rest % 10_000)
        rest //= 10_000
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(words)
            continue
        if words and (need_zero or group < 1000):
            words += "零"
        words += _group_in_words(group) + _GROUP_UNITS[index]
        need_zero = False
    if words:
        words += "元"
    if jiao == 0 and fen == 0:
        return sign + (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif words:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return sign + words
