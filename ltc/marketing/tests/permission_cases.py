"""Marketing's part of the shared permission suite (ltc/web/tests/test_permissions.py) and of the
public-route allow-list (ltc/web/tests/test_public_routes.py): one module per area, each adding
its cases, its exemptions (public pages, with the reason and the test of their content) and its
public routes."""

from __future__ import annotations

from typing import Any

from ltc.marketing.tests import (
    perm_attribution,
    perm_campaigns,
    perm_consent,
    perm_email,
    perm_events,
    perm_journeys,
    perm_segments,
)

_AREAS: list[Any] = [
    perm_campaigns,
    perm_segments,
    perm_email,
    perm_consent,
    perm_journeys,
    perm_events,
    perm_attribution,
]

MARKETING_CASES: list[Any] = [case for area in _AREAS for case in area.CASES]
MARKETING_EXEMPT: set[str] = {key for area in _AREAS for key in area.EXEMPT}
MARKETING_PUBLIC_ROUTES: dict[str, str] = {route: why for area in _AREAS for route, why in area.PUBLIC_ROUTES.items()}
