"""Every route the world reaches without signing in is on an explicit allow-list: a new one
fails here until it is added (with the test of what it must not show). Each route is asked
anonymously with GET and POST; it counts as protected when it answers 401 or sends to a login
page, and as public when any answer is something else (a page, 404, 422 ...), 405 aside."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from django.urls.resolvers import RegexPattern

from ltc.urls import urlpatterns as site_urlpatterns

# Through the permission suite, which loads the marketing cases after defining what they build on.
from ltc.web.tests.test_permissions import MARKETING_PUBLIC_ROUTES, SERVICE_PUBLIC_ROUTES

pytestmark = pytest.mark.django_db

# Route pattern -> why anyone may open it, and where its content is tested.
PUBLIC_ROUTES = (
    {
        "q/<str:token>/": "the customer's quote page (quotes/tests/test_quote_public.py)",
        "q/<str:token>/pdf/": "the customer's quote PDF (quotes/tests/test_quote_public.py)",
        "api/v1/public/quotes/<token>": "the customer's quote as JSON (quotes/tests/test_quote_public.py)",
        "api/v1/public/quotes/<token>/accept": "the customer accepts (quotes/tests/test_quote_public.py)",
        "api/v1/public/quotes/<token>/decline": "the customer declines (quotes/tests/test_quote_public.py)",
        "leads/forms/<str:key>/": "a public web form (leads/tests/test_webform_public.py)",
        "leads/forms/<str:key>/thanks/": "a web form's thank-you page (leads/tests/test_webform_public.py)",
        "api/v1/public/web-forms/<key>": "a web form posted by script (leads/tests/test_webform_public.py)",
        "calendar/feed/<str:token>.ics": (
            "a user's private calendar feed, by its secret (web/tests/test_calendar.py: the feed's allow-list)"
        ),
        "login/": "signing in",
        "logout/": "signing out",
        "language/": "choosing the language (the customer's page offers it)",
        "admin/login/": "the back office's sign-in",
        "admin/logout/": "the back office's sign-out",
        "api/v1/": "the API's root (sends to its documentation)",
        "api/v1/openapi.json": "the API's contract (schemas only, no data)",
        "api/v1/docs": "the API's documentation page",
    }
    | MARKETING_PUBLIC_ROUTES
    | SERVICE_PUBLIC_ROUTES
)

LOGIN_PATHS = ("/login/", "/admin/login/")
_ROUTE_PARAM = re.compile(r"<(?:\w+:)?\w+>")
_REGEX_GROUP = re.compile(r"\(\?P<\w+>([^)]*)\)")


def _routes(patterns: Sequence[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(pattern, a path that reaches it) for every view under `patterns`."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), prefix + _sample(entry)


def _sample(entry: URLPattern) -> str:
    text = str(entry.pattern)
    if not isinstance(entry.pattern, RegexPattern):
        return _ROUTE_PARAM.sub("1", text)

    def value(group: re.Match[str]) -> str:
        body = group.group(1)
        return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "1"

    return _REGEX_GROUP.sub(value, text).lstrip("^").rstrip("$")


def _protected(response: Any) -> bool:
    if response.status_code == 401:
        return True
    location = response.headers.get("Location", "") if response.status_code in (301, 302) else ""
    return location.split("?")[0].endswith(LOGIN_PATHS)


def _public_routes(only: tuple[str, ...] = ("",)) -> dict[str, int]:
    """The routes (starting with one of `only`) that answer an anonymous visitor, with one
    status each answered."""
    found: dict[str, int] = {}
    seen: set[str] = set()
    for pattern, sample in _routes(get_resolver().url_patterns):
        if pattern in seen or not pattern.startswith(only):
            continue
        seen.add(pattern)
        path = f"/{sample}"
        resolve(path)  # a sample that does not reach a view would hide the route: fail loudly
        client = Client()
        answers = [client.get(path), client.post(path)]
        if any(_protected(a) for a in answers):
            continue
        reached = [a.status_code for a in answers if a.status_code != 405]
        if reached:
            found[pattern] = reached[0]
    return found


def test_only_allow_listed_routes_answer_without_signing_in(world: Any) -> None:
    public = _public_routes()
    unexpected = sorted(set(public) - set(PUBLIC_ROUTES))
    assert unexpected == [], (
        "Routes reachable without signing in that are not in PUBLIC_ROUTES (sign-in required, or add "
        f"them with a test of what they must not show): {unexpected}"
    )
    # The customer's and the visitor's routes are really open (the list is not stale).
    for pattern in ("q/<str:token>/", "api/v1/public/quotes/<token>", "leads/forms/<str:key>/"):
        assert pattern in public


def test_the_allow_list_names_existing_routes() -> None:
    patterns = {pattern for pattern, _sample in _routes(get_resolver().url_patterns)}
    assert set(PUBLIC_ROUTES) - patterns == set()


def _leaky(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("cost 30000")


urlpatterns = [
    path("probe/leaky/<int:pk>/", _leaky),
    path("probe/guarded/<int:pk>/", login_required(_leaky)),
    *site_urlpatterns,
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_open_route_is_caught(world: Any) -> None:
    assert _public_routes(only=("probe/",)) == {"probe/leaky/<int:pk>/": 200}
