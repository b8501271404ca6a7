"""Links lead somewhere: as each demo role, follow every same-site link from the home page and
check that no linked page answers 403, 404 or 5xx to the person who saw the link (issue #14).

The crawl is bounded: each kind of link (from a URL pattern to a URL pattern, ids replaced by a
placeholder) is followed a few times, and a role reads at most PER_ROLE pages. Every failure is
collected before the test fails, so its message lists them all. Forms (POST buttons) are not
followed: the pages' tests check that an action is drawn only for whoever may take it.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from ltc.catalog.models import PriceBook, Product
from ltc.org.models import User
from ltc.web.demo import seed_demo

ROLES = ("wang", "li", "zhao", "zhang", "liu", "emma", "chen", "yang", "zhou", "qian", "sun", "admin")
# Each kind of link (from a kind of page to a kind of page) is followed a few times.
PER_KIND = 3
PER_ROLE = 600
# Not pages: leaving, files, exports, the back office, the API.
SKIP = re.compile(r"^/(admin|api|static|media)/|logout|/export|export=|format=(csv|xlsx)|/download|\.pdf|/pdf|/file")
ID = re.compile(r"/\d+(?=/|$)")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        href = dict(attrs).get("href")
        if href:
            self.hrefs.append(href)


def same_site(href: str) -> str | None:
    href, _fragment = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(href):
        return None
    return href


def pattern(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return ID.sub("/N", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl(client: Client) -> tuple[int, list[str]]:
    """Visit pages breadth first; return how many were read and the broken links found."""
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    per_kind: dict[tuple[str, str], int] = {}
    failures: list[str] = []
    visited = 0
    while queue and visited < PER_ROLE:
        url, source = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code in (403, 404) or response.status_code >= 500:
            failures.append(f"{response.status_code} {url}  (linked from {source})")
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        here = pattern(url)
        for href in parser.hrefs:
            target = same_site(href)
            if target is None or target in seen:
                continue
            kind = (here, pattern(target))
            if per_kind.get(kind, 0) >= PER_KIND:
                continue
            per_kind[kind] = per_kind.get(kind, 0) + 1
            seen.add(target)
            queue.append((target, url))
    return visited, failures


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo company, seeded once for the module in a transaction rolled back at its end
    (each test runs in a savepoint inside it, as Django's setUpTestData does)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_demo()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_every_link_a_demo_role_sees_opens_for_them(demo: None, username: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    started = time.monotonic()
    visited, failures = crawl(client)
    elapsed = time.monotonic() - started
    assert visited > 5, f"{username} reached only {visited} pages"
    assert not failures, f"{username}: {len(failures)} broken links in {visited} pages ({elapsed:.1f}s):\n" + "\n".join(
        failures
    )


@pytest.mark.django_db
def test_the_chinese_demo_catalog_reads_in_chinese(demo: None) -> None:
    latin = r"[A-Za-z]{3,} [A-Za-z]{3,}"
    assert not PriceBook.objects.filter(name__regex=latin).exists()
    assert not Product.objects.filter(description__regex=latin).exists()
    assert not Product.objects.filter(description="").exists()
