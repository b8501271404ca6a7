"""Amounts in capital Chinese numerals (大写金额) and gapless document numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from ltc.core.models import NumberSequence
from ltc.core.money import cny_in_words
from ltc.core.numbering import formatted, next_number


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("100", "壹佰元整"),
        ("1001", "壹仟零壹元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("10000001", "壹仟万零壹元整"),
        ("120000000", "壹亿贰仟万元整"),
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("10.05", "壹拾元零伍分"),
        ("100000.10", "壹拾万元壹角"),
        ("0.05", "伍分"),
        ("1010101.01", "壹佰零壹万零壹佰零壹元零壹分"),
        ("101700", "壹拾万壹仟柒佰元整"),
        ("-5", "负伍元整"),
        ("0.005", "壹分"),  # rounded half up to the cent first
    ],
)
def test_amounts_in_capital_numerals(amount: str, words: str) -> None:
    assert cny_in_words(Decimal(amount)) == words


def _take_and_fail() -> None:
    with transaction.atomic():
        assert next_number("quote", 2026) == 2
        raise RuntimeError("the document failed to save")


@pytest.mark.django_db(transaction=True)
def test_numbers_are_gapless_a_rollback_gives_its_number_back() -> None:
    with pytest.raises(RuntimeError):  # outside the document's transaction a number could be lost
        next_number("quote", 2026)
    with transaction.atomic():
        assert next_number("quote", 2026) == 1
    with pytest.raises(RuntimeError, match="failed to save"):
        _take_and_fail()
    with transaction.atomic():
        assert next_number("quote", 2026) == 2
        assert next_number("quote", 2027) == 1  # a new year starts again
    assert NumberSequence.objects.get(series="quote", year=2026).last_value == 2
    assert formatted("Q", 2026, 2) == "Q2026-000002"
