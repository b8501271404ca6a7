"""Money in every answer is a string with exactly two decimals ("1234.50")."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from ninja import Schema

from ltc.api.tests.contract import openapi
from ltc.core.schemas import Money
from ltc.opportunities.tests.factories import make_opportunity

TWO_PLACES = re.compile(r"^-?\d+\.\d{2}$")


class _Amounts(Schema):
    amount: Money
    optional: Money | None = None
    by_currency: dict[str, Money] = {}


def test_money_is_rounded_half_up_to_two_places_and_written_as_a_string():
    dumped = _Amounts(amount=Decimal("1234.5"), by_currency={"CNY": Decimal("2.005"), "USD": Decimal("7")}).model_dump()

    assert dumped == {"amount": "1234.50", "optional": None, "by_currency": {"CNY": "2.01", "USD": "7.00"}}


@pytest.mark.django_db
def test_a_deal_answers_its_amounts_with_two_decimals(world, api_as):
    deal = make_opportunity(world, amount=Decimal("1234.5"), probability=33)

    body = api_as(world.owner).get(f"/opportunities/{deal.pk}").json()

    assert body["amount"] == "1234.50"
    assert body["weighted_amount"] == "407.39"


@pytest.mark.django_db
def test_summed_amounts_keep_two_decimals(world, api_as):
    # SQLite sums decimals as floats; the answer still shows cents, never 1234.5 or 1234.500000.
    make_opportunity(world, amount=Decimal("1000.25"), expected_close_date=timezone.localdate())
    make_opportunity(world, amount=Decimal("234.25"), expected_close_date=timezone.localdate())

    rows = api_as(world.owner).get("/forecast?months=1").json()

    assert [row["pipeline"] for row in rows] == ["1234.50"]


def test_the_document_publishes_money_as_a_two_decimal_string():
    amount = openapi()["components"]["schemas"]["OpportunityDetailOut"]["properties"]["amount"]

    assert amount["type"] == "string"
    assert TWO_PLACES.match("1234.50")
    assert amount["pattern"] == TWO_PLACES.pattern
