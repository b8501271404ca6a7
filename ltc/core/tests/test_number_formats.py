"""Numbering formats: each series' numbers read as configured from the next number on, stay
gapless, and never repeat a number (a format that could is refused)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ltc.catalog.tests.factories import Catalog
from ltc.core import numbering
from ltc.core.concurrency import StaleVersionError
from ltc.core.models import NumberFormat, NumberSequence
from ltc.core.timeline import timeline_for
from ltc.quotes.tests.factories import make_quote

pytestmark = pytest.mark.django_db


def _take(series: str, year: int, n: int = 1) -> list[str]:
    with transaction.atomic():
        return [numbering.document_number(series, year) for _ in range(n)]


def _update(world: Any, series: str, **data: Any) -> NumberFormat:
    record = numbering.number_format_get(series)
    return numbering.number_format_update(
        actor=world.admin, number_format=record, data=data, expected_version=record.version
    )


def _stored(series: str) -> tuple[str, int, str, int, int]:
    f = NumberFormat.objects.get(series=series)
    return (f.prefix, f.year_digits, f.separator, f.width, f.version)


def test_without_configuration_numbers_read_as_they_always_have(world: Any) -> None:
    assert _take("quote", 2026, 2) == ["Q2026-000001", "Q2026-000002"]
    assert _take("invoice", 2026) == ["INV2026-000001"]
    assert _take("credit_note", 2026) == ["CN2026-000001"]
    assert [(f.series, numbering.render(f, 2026, 7)) for f in numbering.number_formats()] == [
        ("quote", "Q2026-000007"),
        ("contract", "C2026-000007"),
        ("order", "SO2026-000007"),
        ("delivery", "DN2026-000007"),
        ("invoice", "INV2026-000007"),
        ("credit_note", "CN2026-000007"),
        ("case", "CS2026-000007"),
    ]


def test_a_new_format_applies_to_the_next_number_and_the_counter_runs_on(world: Any) -> None:
    assert _take("quote", 2026, 2) == ["Q2026-000001", "Q2026-000002"]
    _update(world, "quote", prefix="bj", year_digits=2, separator="/", width=4)
    assert _stored("quote") == ("BJ", 2, "/", 4, 2)
    assert _take("quote", 2026) == ["BJ26/0003"]
    record = NumberFormat.objects.get(series="quote")
    assert timeline_for(record)[0].changes == [
        {"field": "prefix", "old": "Q", "new": "BJ"},
        {"field": "year_digits", "old": "4", "new": "2"},
        {"field": "separator", "old": "-", "new": "/"},
        {"field": "width", "old": "6", "new": "4"},
    ]
    # a real document takes the format
    quote = make_quote(world, Catalog())
    assert quote.number == "BJ26/0004"


def test_without_the_year_numbers_run_on_across_years_instead_of_restarting(world: Any) -> None:
    _update(world, "order", year_digits=0, separator="-")
    assert _take("order", 2026, 2) == ["SO-000001", "SO-000002"]
    assert _take("order", 2027) == ["SO-000003"]
    assert NumberSequence.objects.get(series="order", year=0).last_value == 3
    assert not NumberSequence.objects.filter(series="order", year__gt=0).exists()


def test_a_format_that_would_repeat_a_number_already_given_is_refused(world: Any) -> None:
    quote = make_quote(world, Catalog())
    assert quote.number.endswith("-000001")
    year = quote.number[1:5]
    # the year written into the prefix, without the year part: its counter starts again at 1
    with pytest.raises(ValidationError) as refused:
        _update(world, "quote", prefix=f"Q{year}", year_digits=0)
    assert refused.value.message_dict == {
        "prefix": [f"The number {quote.number} exists already and this format would make it again."]
    }
    assert _stored("quote") == ("Q", 4, "-", 6, 1)
    assert timeline_for(NumberFormat.objects.get(series="quote")) == []
    # the same shape the counter has already passed is fine: Q2026-000001 is not made again
    _update(world, "quote", width=6, separator="-")
    assert _stored("quote") == ("Q", 4, "-", 6, 2)


def test_series_sharing_a_register_may_not_share_a_prefix(world: Any) -> None:
    for prefix in ("INV", "IN", "INVC"):
        with pytest.raises(ValidationError) as refused:
            _update(world, "credit_note", prefix=prefix)
        assert refused.value.message_dict == {
            "prefix": ["Invoices use the prefix INV in the same register: choose a prefix that neither starts."]
        }
    assert _stored("credit_note") == ("CN", 4, "-", 6, 1)
    _update(world, "credit_note", prefix="HZ")
    assert _take("credit_note", 2026) == ["HZ2026-000001"]
    # contracts keep their own register: C and CN may both be used
    _update(world, "contract", prefix="CN")
    assert _stored("contract")[0] == "CN"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"prefix": "1Q"}, {"prefix": ["Enter 1 to 6 capital letters or digits, starting with a letter."]}),
        ({"prefix": ""}, {"prefix": ["Enter 1 to 6 capital letters or digits, starting with a letter."]}),
        ({"separator": "#"}, {"separator": ["Choose no separator or one of - / _ ."]}),
        ({"width": 9}, {"width": ["Enter 3 to 8 digits."]}),
        ({"year_digits": 3}, {"year_digits": ["Choose 4, 2 or 0 year digits."]}),
        ({"colour": "red"}, {"colour": ["Unknown field."]}),
        ({"prefix": "QUOTES", "width": 8, "separator": "-"}, {}),
    ],
)
def test_bad_formats_are_refused_field_by_field(world: Any, data: dict[str, Any], errors: dict[str, Any]) -> None:
    if not errors:
        _update(world, "quote", **data)
        assert _stored("quote") == ("QUOTES", 4, "-", 8, 2)
        return
    with pytest.raises(ValidationError) as refused:
        _update(world, "quote", **data)
    assert refused.value.message_dict == errors
    assert _stored("quote") == ("Q", 4, "-", 6, 1)


def test_only_administrators_change_formats_and_a_stale_version_changes_nothing(world: Any) -> None:
    record = numbering.number_format_get("contract")
    with pytest.raises(PermissionDenied):
        numbering.number_format_update(
            actor=world.boss, number_format=record, data={"prefix": "HT"}, expected_version=1
        )
    _update(world, "contract", prefix="HT")
    stale = NumberFormat.objects.get(series="contract")
    with pytest.raises(StaleVersionError):
        numbering.number_format_update(
            actor=world.admin, number_format=stale, data={"prefix": "XX"}, expected_version=1
        )
    assert _stored("contract") == ("HT", 4, "-", 6, 2)


def test_the_api_reads_and_changes_formats(world: Any, api_as: Any) -> None:
    admin, owner = api_as(world.admin), api_as(world.owner)
    listed = owner.get("/number-formats")
    assert [(f["series"], f["next_number"]) for f in listed.json()][:2] == [
        ("quote", numbering.render(numbering.default_format("quote"), numbering.timezone.localdate().year, 1)),
        ("contract", numbering.render(numbering.default_format("contract"), numbering.timezone.localdate().year, 1)),
    ]
    assert owner.patch("/number-formats/quote", {"prefix": "BJ"}, **{"If-Match": '"1"'}).status_code == 403
    assert admin.patch("/number-formats/quote", {"prefix": "BJ"}).status_code == 428
    assert admin.get("/number-formats/nothing").status_code == 404
    refused = admin.patch("/number-formats/quote", {"width": 2}, **{"If-Match": '"1"'})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "width", "message": "Enter 3 to 8 digits.", "code": "invalid"}]
    changed = admin.patch("/number-formats/quote", {"prefix": "BJ", "year_digits": 0}, **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["next_number"], changed["ETag"]) == ("BJ-000001", '"2"')
    assert admin.patch("/number-formats/quote", {"prefix": "X"}, **{"If-Match": '"1"'}).status_code == 412
    assert _stored("quote") == ("BJ", 0, "-", 6, 2)
