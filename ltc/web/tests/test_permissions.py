"""The shared permission suite: every API operation and every page, against every kind of user.

Each later endpoint or page joins CASES; `test_every_endpoint_and_page_is_covered` fails until it does.
Actors (see ltc.conftest.World): the owner; a teammate in the owner's team (not on the record);
the owner's manager and the manager above; a rep of another team; executive, finance, admin; anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ltc.api.root import api
from ltc.customers.tests.factories import ContactFactory
from ltc.org.services import token_create

ACTORS = ["owner", "teammate", "manager", "boss", "other", "executive", "finance", "admin", "anonymous"]
SIGNED_IN = set(ACTORS) - {"anonymous"}
SEES_RECORD = {"owner", "manager", "boss", "executive", "admin"}
CHANGES_RECORD = {"owner", "manager", "boss", "admin"}
WRITES_CUSTOMERS = {"owner", "teammate", "manager", "boss", "other", "admin"}


def record_rule(
    ok: int, *, who: set[str] = SEES_RECORD, sees: set[str] = SEES_RECORD, api: bool = True
) -> Callable[[str], int]:
    """ok for `who`; an actor who `sees` the record but may not act 403; anyone else 404; anonymous 401/302."""

    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401 if api else 302
        if actor in who:
            return ok
        return 403 if actor in sees else 404

    return expect


def signed_in(ok: int, *, api: bool = True, who: set[str] = SIGNED_IN) -> Callable[[str], int]:
    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401 if api else 302
        return ok if actor in who else 403

    return expect


@dataclass
class Case:
    key: str  # "METHOD /api/v1/path/{param}" for the API, "METHOD url-name" for pages
    path: Callable[[Any], str]
    expect: Callable[[str], int]
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def account(w: Any) -> int:
    return w.account.pk


def contact(w: Any) -> int:
    return ContactFactory(account=w.account).pk


def owners_token(w: Any) -> int:
    token, _raw = token_create(actor=w.owner, user=w.owner, name="owner's")
    return token.pk


IF_MATCH = {"If-Match": '"1"'}
CASES = [
    # API
    Case("GET /api/v1/me", lambda w: "/api/v1/me", signed_in(200)),
    Case("GET /api/v1/me/tokens", lambda w: "/api/v1/me/tokens", signed_in(200)),
    Case("POST /api/v1/me/tokens", lambda w: "/api/v1/me/tokens", signed_in(201), {"name": "x"}),
    Case(
        "POST /api/v1/me/tokens/{token_id}/revoke",
        lambda w: f"/api/v1/me/tokens/{owners_token(w)}/revoke",
        record_rule(200, who={"owner"}, sees={"owner"}),
        {},
    ),
    Case("GET /api/v1/accounts", lambda w: "/api/v1/accounts", signed_in(200)),
    Case(
        "POST /api/v1/accounts", lambda w: "/api/v1/accounts", signed_in(201, who=WRITES_CUSTOMERS), {"name": "新客户"}
    ),
    Case("GET /api/v1/accounts/{account_id}", lambda w: f"/api/v1/accounts/{account(w)}", record_rule(200)),
    Case(
        "PATCH /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        record_rule(200, who=CHANGES_RECORD),
        {"status": "customer"},
        IF_MATCH,
    ),
    Case(
        "DELETE /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        record_rule(204, who=CHANGES_RECORD),
        None,
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/accounts/{account_id}/duplicates",
        lambda w: f"/api/v1/accounts/{account(w)}/duplicates",
        record_rule(200),
    ),
    Case(
        "GET /api/v1/accounts/{account_id}/timeline",
        lambda w: f"/api/v1/accounts/{account(w)}/timeline",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/accounts/{account_id}/notes",
        lambda w: f"/api/v1/accounts/{account(w)}/notes",
        record_rule(201),
        {"text": "拜访"},
    ),
    Case("GET /api/v1/contacts", lambda w: "/api/v1/contacts", signed_in(200)),
    Case(
        "POST /api/v1/contacts",
        lambda w: "/api/v1/contacts",
        record_rule(201, who=CHANGES_RECORD),
        None,  # body built per world below
    ),
    Case("GET /api/v1/contacts/{contact_id}", lambda w: f"/api/v1/contacts/{contact(w)}", record_rule(200)),
    Case(
        "PATCH /api/v1/contacts/{contact_id}",
        lambda w: f"/api/v1/contacts/{contact(w)}",
        record_rule(200, who=CHANGES_RECORD),
        {"title": "CIO"},
        IF_MATCH,
    ),
    Case(
        "DELETE /api/v1/contacts/{contact_id}",
        lambda w: f"/api/v1/contacts/{contact(w)}",
        record_rule(204, who=CHANGES_RECORD),
        None,
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/contacts/{contact_id}/timeline",
        lambda w: f"/api/v1/contacts/{contact(w)}/timeline",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/contacts/{contact_id}/notes",
        lambda w: f"/api/v1/contacts/{contact(w)}/notes",
        record_rule(201),
        {"text": "电话"},
    ),
    # Pages
    Case("GET web:home", lambda w: "/", signed_in(200, api=False)),
    Case("GET web:search", lambda w: "/search/?q=锦程", signed_in(200, api=False)),
    Case("GET web:profile", lambda w: "/profile/", signed_in(200, api=False)),
    Case(
        "POST web:token_revoke",
        lambda w: f"/profile/tokens/{owners_token(w)}/revoke/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
        {},
    ),
    Case("GET customers:account_list", lambda w: "/customers/accounts/", signed_in(200, api=False)),
    Case("GET customers:account_lookup", lambda w: "/customers/accounts/lookup/?q=锦程", signed_in(200, api=False)),
    Case(
        "GET customers:account_create",
        lambda w: "/customers/accounts/new/",
        signed_in(200, api=False, who=WRITES_CUSTOMERS),
    ),
    Case("GET customers:account_detail", lambda w: f"/customers/accounts/{account(w)}/", record_rule(200, api=False)),
    Case(
        "GET customers:account_edit",
        lambda w: f"/customers/accounts/{account(w)}/edit/",
        record_rule(200, who=CHANGES_RECORD, api=False),
    ),
    Case(
        "POST customers:account_note_add",
        lambda w: f"/customers/accounts/{account(w)}/notes/",
        record_rule(302, api=False),
        {"text": "拜访"},
    ),
    Case(
        "POST customers:account_delete",
        lambda w: f"/customers/accounts/{account(w)}/delete/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1"},
    ),
    Case(
        "POST customers:contact_delete",
        lambda w: f"/customers/contacts/{contact(w)}/delete/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1"},
    ),
    Case("GET customers:contact_list", lambda w: "/customers/contacts/", signed_in(200, api=False)),
    Case(
        "GET customers:contact_create",
        lambda w: "/customers/contacts/new/",
        signed_in(200, api=False, who=WRITES_CUSTOMERS),
    ),
    Case("GET customers:contact_detail", lambda w: f"/customers/contacts/{contact(w)}/", record_rule(200, api=False)),
    Case(
        "GET customers:contact_edit",
        lambda w: f"/customers/contacts/{contact(w)}/edit/",
        record_rule(200, who=CHANGES_RECORD, api=False),
    ),
    Case(
        "POST customers:contact_note_add",
        lambda w: f"/customers/contacts/{contact(w)}/notes/",
        record_rule(302, api=False),
        {"text": "电话"},
    ),
]
# Pages and endpoints that are public or belong to the framework, each for a stated reason.
EXEMPT = {
    "GET /api/v1/openapi.json",  # public API description
    "GET /api/v1/docs",  # public API documentation page
    "GET web:login",  # the sign-in page itself
    "POST web:logout",  # ends whatever session there is
    "POST web:set_language",  # public: also used on the sign-in page
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_permissions(case: Case, actor: str, world: Any, api_as: Any, web_as: Any) -> None:
    user = world.actor(actor)
    path = case.path(world)
    method, _, _name = case.key.partition(" ")
    body = case.body
    if case.key == "POST /api/v1/contacts":
        body = {"account_id": world.account.pk, "name": "新联系人"}
    if path.startswith("/api/"):
        client = api_as(user)
        response = client.request(method, path.removeprefix("/api/v1"), body, **case.headers)
    else:
        client = web_as(user)
        response = client.post(path, body or {}) if method == "POST" else client.get(path)
    expected = case.expect(actor)
    # A record the actor may not even name in a body is refused as a field error, not a leak.
    if case.key == "POST /api/v1/contacts" and expected == 404:
        expected = 422
    assert response.status_code == expected, f"{case.key} as {actor}: {response.status_code} != {expected}"
    if expected == 302 and actor == "anonymous":
        assert response["Location"].startswith("/login/")


def _web_url_keys() -> set[str]:
    keys = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in {"admin", "api"} or (p.app_name or "") in {"admin", "api"}:
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                keys.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, "")
    return keys


def test_every_endpoint_and_page_is_covered() -> None:
    covered = {c.key for c in CASES} | EXEMPT
    api_keys = {
        f"{method.upper()} {path}"
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    } | {"GET /api/v1/openapi.json", "GET /api/v1/docs"}
    page_names = {key.split(" ", 1)[1] for key in covered if not key.split(" ", 1)[1].startswith("/")}
    missing_api = sorted(api_keys - covered)
    missing_pages = sorted(_web_url_keys() - page_names)
    assert missing_api == [], f"API operations without a permission case: {missing_api}"
    assert missing_pages == [], f"pages without a permission case: {missing_pages}"
