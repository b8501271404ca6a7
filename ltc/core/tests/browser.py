"""Helpers for the browser journeys (the `page` fixture is in ltc/conftest.py)."""

from __future__ import annotations

from typing import Any

TEST_PASSWORD = "pw-for-tests-1"  # ltc.org.tests.factories.UserFactory's password


def sign_in(page: Any, username: str) -> None:
    """Sign in as `username` through the login form (signing out whoever was signed in).

    The previous page is left first: a request it still had in flight (the inbox badge, an htmx
    refresh) would otherwise come back after the cookies were cleared with a new CSRF cookie, and
    the login form's token would no longer match it (a 403 on the login POST)."""
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
