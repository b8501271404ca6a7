"""Absolute links to this site. Every link that leaves it (e-mails, the customer's quote link,
web form embed snippets) is built on settings.LTC_BASE_URL, never on the host of the request that
made it: a request may come through an internal name or a forged Host header."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (e.g. "/q/abc/") on the site's public address."""
    return f"{settings.LTC_BASE_URL.rstrip('/')}/{path.lstrip('/')}"
