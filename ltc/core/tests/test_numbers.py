from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils import translation

from ltc.core.templatetags.numbers import money, quantity


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
