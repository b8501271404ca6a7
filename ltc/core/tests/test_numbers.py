from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils import translation

from ltc.core.templatetags.numbers import formatter, money, quantity


def test_money_matches_floatformat_in_both_languages() -> None:
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value in ("0", "5", "-1234.5", "1234567.891", "101700", "999.995"):
                assert money(Decimal(value)) == floatformat(Decimal(value), "2g"), (language, value)


def test_quantity_drops_trailing_zeros() -> None:
    with translation.override("en"):
        assert quantity(Decimal("20.00")) == "20"
        assert quantity(Decimal("2.50")) == "2.5"
        assert quantity(Decimal("12000")) == "12,000"
        assert quantity(Decimal("0.00")) == "0"
        assert quantity(None) == ""


def test_formatter_reads_the_locale_once_and_agrees_with_the_filters() -> None:
    for language in ("en", "zh-hans"):
        with translation.override(language):
            two, few = formatter(places=2), formatter(places=None)
            for value in ("0", "1234567.891", "-2.5", "12000.00"):
                assert two(Decimal(value)) == money(Decimal(value))
                assert few(Decimal(value)) == quantity(Decimal(value))
