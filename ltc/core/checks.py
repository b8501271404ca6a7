"""Deployment checks of LTC's own settings (run by `manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver"}  # noqa: S104 - names, not a bind


@register(Tags.security, deploy=True)
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """LTC_BASE_URL makes the links mailed to customers and staff; left at the development
    default (or not an http(s) address) every such link points at a machine nobody can reach."""
    base = str(getattr(settings, "LTC_BASE_URL", "") or "")
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and (parts.hostname or "") not in LOCAL_HOSTS:
        return []
    return [
        Warning(
            f"LTC_BASE_URL is {base or 'empty'!r}: links in e-mails and the customer's quote links would point there.",
            hint="Set the LTC_BASE_URL environment variable to the site's public address, "
            "e.g. https://ltc.example.com.",
            id="ltc.W001",
        )
    ]
