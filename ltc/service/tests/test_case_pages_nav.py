"""The service section's tabs per role: each tab is drawn only for whoever may open its page, and
every tab drawn opens (200)."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

EVERY = {
    "/service/",
    "/service/cases/",
    "/service/inbound/",
    "/service/assets/",
    "/service/entitlements/",
    "/service/renewals/",
    "/service/sla-policies/",
    "/service/calendars/",
    "/service/routing/",
}
READ = {"/service/", "/service/cases/", "/service/assets/", "/service/entitlements/", "/service/renewals/"}


def _tabs(client: Any) -> set[str]:
    page = client.get("/service/").content.decode()
    nav = page[page.index('id="service-nav"') :]
    nav = nav[: nav.index("</ul>")]
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", EVERY),
        ("service", READ | {"/service/inbound/", "/service/sla-policies/"}),
        ("executive", READ),
        ("manager", READ),
    ],
)
def test_the_tabs_drawn_are_those_that_open(world: Any, web_as: Any, who: str, expected: set[str]) -> None:
    client = web_as(getattr(world, who))
    tabs = _tabs(client)
    assert tabs == expected
    for href in tabs:
        assert client.get(href).status_code == 200, href
    for href in EVERY - tabs:
        assert client.get(href).status_code == 403, href
