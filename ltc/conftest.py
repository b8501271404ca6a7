"""Fixtures shared by every app's tests: an organisation with a team tree, API clients."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from ltc.api.tests.contract import check_exchange
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.org.models import Team, User
from ltc.org.services import token_create
from ltc.org.tests.factories import TeamFactory, UserFactory


class ApiClient:
    """Calls /api/v1 as a user through a real personal token."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _token, raw = token_create(actor=user, user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {raw}"

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """Send one request; the request and its answer must keep to the published OpenAPI document."""
        kwargs: dict[str, Any] = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs)
        check_exchange(method.upper(), path, body, kwargs["headers"], response)
        return response

    def get(self, path: str, **headers: str) -> Any:
        return self.request("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.request("POST", path, body if body is not None else {}, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.request("PATCH", path, body, **headers)


@dataclass
class World:
    """Head office (managed by `boss`) above the east team (managed by `manager`) where
    `owner` and `teammate` work; `other` works in the north team. `executive` sees all."""

    head: Team
    east: Team
    north: Team
    boss: User
    manager: User
    owner: User
    teammate: User
    other: User
    executive: User
    finance: User
    admin: User
    account: Account
    lead: Lead
    marketing: User
    service: User  # a service agent (ltc.service): no team managed

    def actor(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def world(db: Any) -> World:
    boss = UserFactory(username="boss", roles=["sales_manager", "ar"])
    manager = UserFactory(username="manager", roles=["sales_manager", "ar"])
    head = TeamFactory(name="Head office", manager=boss)
    east = TeamFactory(name="East", parent=head, manager=manager)
    north = TeamFactory(name="North", parent=head)
    for user, team in ((boss, head), (manager, east)):
        user.team = team
        user.save(update_fields=["team"])
    owner = UserFactory(username="owner", team=east, roles=["ar"])
    teammate = UserFactory(username="teammate", team=east, roles=["ar"])
    other = UserFactory(username="other", team=north, roles=["ar"])
    executive = UserFactory(username="executive", roles=["executive"])
    finance = UserFactory(username="finance", roles=["finance"])
    admin = UserFactory(username="admin", roles=["admin"])
    account = AccountFactory(owner=owner, name="锦程智能制造有限公司")
    lead = LeadFactory(owner=owner, company_name="锦程数据科技有限公司", company_key="锦程数据科技")
    marketing = UserFactory(username="marketing", roles=["marketing"])
    service = UserFactory(username="service", roles=["service"])
    return World(
        head,
        east,
        north,
        boss,
        manager,
        owner,
        teammate,
        other,
        executive,
        finance,
        admin,
        account,
        lead,
        marketing,
        service,
    )


@pytest.fixture
def api_as():
    """api_as(user) -> ApiClient authenticated with a fresh personal token (None: anonymous)."""
    return ApiClient


@pytest.fixture
def web_as():
    """web_as(user) -> a browser-like test Client signed in as user (None: anonymous)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


# --- browser journeys (headless Chromium, Debian's package, driven by Playwright) ------------

CHROMIUM = os.environ.get("LTC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(live_server: Any, settings: Any) -> Iterator[Any]:
    """A Chromium page; `page.base_url` is the live server's address (and LTC_BASE_URL, so mailed
    links lead there). Skips without Chromium."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.LTC_BASE_URL = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        new_page = context.new_page()
        new_page.set_default_timeout(15_000)
        new_page.base_url = live_server.url
        yield new_page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
