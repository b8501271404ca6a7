"""Service's part of the shared permission suite (ltc/web/tests/test_permissions.py) and of the
public-route allow-list (ltc/web/tests/test_public_routes.py): one module per area, each adding
its cases, its exemptions (public pages, with the reason and the test of their content) and its
public routes."""

from __future__ import annotations

from typing import Any

from ltc.service.tests import (
    perm_assets,
    perm_case_pages,
    perm_cases,
    perm_email,
    perm_portal,
    perm_renewals,
    perm_routing,
    perm_sla,
)

_AREAS: list[Any] = [
    perm_cases,
    perm_case_pages,
    perm_assets,
    perm_sla,
    perm_routing,
    perm_email,
    perm_portal,
    perm_renewals,
]

SERVICE_CASES: list[Any] = [case for area in _AREAS for case in area.CASES]
SERVICE_EXEMPT: set[str] = {key for area in _AREAS for key in area.EXEMPT}
SERVICE_PUBLIC_ROUTES: dict[str, str] = {route: why for area in _AREAS for route, why in area.PUBLIC_ROUTES.items()}
