"""A number a form posts (an id, a version) is read once, the same way on every page."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from ltc.core.forms import posted_number


@pytest.mark.parametrize(
    ("raw", "number"),
    [("12", 12), ("0", 0), ("", 0), ("abc", 0), ("-1", 0), ("1.5", 0), ("²", 0), ("١٢", 0), ("9" * 19, 0)],
)
def test_only_plain_digits_within_a_column_are_a_number(raw: str, number: int) -> None:
    assert posted_number(QueryDict(f"version={raw}"), "version") == number


def test_a_missing_field_is_zero() -> None:
    assert posted_number(QueryDict(""), "version") == 0


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["²", "99999999999999999999999"])
def test_a_step_with_a_version_that_is_no_number_is_refused_as_stale(world, web_as, version: str) -> None:
    answer = web_as(world.owner).post(
        f"/leads/{world.lead.pk}/check/", {"item": "need_confirmed", "value": "1", "version": version}, follow=True
    )
    assert answer.status_code == 200
    world.lead.refresh_from_db()
    assert world.lead.version == 1  # nothing changed
    assert [str(m) for m in answer.context["messages"]]  # the refusal is told
