"""Helpers for the browser journeys (the `page` fixture is in ltc/conftest.py)."""

from __future__ import annotations

from typing import Any

TEST_PASSWORD = "pw-for-tests-1"  # ltc.org.tests.factories.UserFactory's password


def sign_in(page: Any, username: str) -> None:
    """Sign in as `username` through the login form (signing out whoever was signed in)."""
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
