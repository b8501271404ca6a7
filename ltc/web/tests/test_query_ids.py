"""An id read from the address or a form must be ASCII digits a column can hold: "²" is a digit to
str.isdigit() but not to int(), and 20 digits overflow the database's integer. Either one names
nothing — the page answers as for no id, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.quotes.tests.factories import make_quote

BAD = ["²", "٣", "99999999999999999999"]


@pytest.mark.parametrize("bad", BAD)
def test_an_id_in_the_address_that_names_nothing_is_not_a_server_error(world: Any, web_as: Any, bad: str) -> None:
    quote = make_quote(world)
    owner = web_as(world.owner)
    answers = {
        url: owner.get(url).status_code
        for url in (
            f"/quotes/?opportunity={bad}",
            f"/quotes/new/?opportunity={bad}",
            f"/quotes/{quote.pk}/?v={bad}",
            f"/quotes/{quote.pk}/compare/?a={bad}&b={bad}",
            f"/leads/?owner={bad}",
            f"/leads/?created_by={bad}",
            f"/opportunities/new/?account={bad}",
            f"/customers/contacts/new/?account={bad}",
        )
    }
    answers[f"/billing/payments/new/?account={bad}"] = (
        web_as(world.finance).get(f"/billing/payments/new/?account={bad}").status_code
    )
    assert {url: status for url, status in answers.items() if status >= 500} == {}
    assert answers[f"/quotes/new/?opportunity={bad}"] == 404  # names no deal
    assert answers[f"/quotes/{quote.pk}/?v={bad}"] == 200  # the current version


@pytest.mark.parametrize("bad", BAD)
def test_a_posted_id_that_names_nothing_is_a_field_error(world: Any, web_as: Any, bad: str) -> None:
    answer = web_as(world.finance).post(
        "/billing/payments/new/",
        {"account": bad, "received_on": "2026-11-30", "amount": "100.00", "currency": "CNY"},
    )
    assert answer.status_code < 500
