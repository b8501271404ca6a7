"""Permission cases of marketing's attribution area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, signed_in

# sees_marketing: marketing, administrators, executives and sales managers (boss, manager).
READS_MARKETING = {"marketing", "admin", "executive", "boss", "manager"}

CASES: list[Any] = [
    Case(
        "GET /api/v1/marketing/attribution",
        lambda w: "/api/v1/marketing/attribution?model=first",
        signed_in(200, who=READS_MARKETING),
    ),
    Case(
        "GET /api/v1/marketing/dashboard",
        lambda w: "/api/v1/marketing/dashboard",
        signed_in(200, who=READS_MARKETING),
    ),
    Case("GET marketing:dashboard", lambda w: "/marketing/", signed_in(200, api=False, who=READS_MARKETING)),
    Case(
        "GET marketing:attribution", lambda w: "/marketing/attribution/", signed_in(200, api=False, who=READS_MARKETING)
    ),
]
EXEMPT: set[str] = set()  # "METHOD url-name" or "METHOD /api/v1/path": public, with the reason
PUBLIC_ROUTES: dict[str, str] = {}  # route pattern -> why anyone may open it, and where that is tested
