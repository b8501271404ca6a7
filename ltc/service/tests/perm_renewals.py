"""Permission cases of service's renewals area (see permission_cases.py). Build cases with the helpers
of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside this module:
that module imports this one while it is being loaded, after defining them.

The dashboard, the KPIs and the renewals are for service readers (service, admin, executives,
sales managers; anyone else 403). Flagging an upsell on a case is for service staff (service,
admin); the case's other readers get 403, anyone else 404."""

from __future__ import annotations

import itertools
from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

READERS = {"service", "admin", "executive", "manager", "boss"}
SEES_CASE = {"service", "admin", "executive", "owner", "manager", "boss"}
WORKERS = {"service", "admin"}
_numbers = itertools.count(1)


def _case(w: Any) -> int:
    from ltc.service.models import Case as ServiceCase

    n = next(_numbers)
    return ServiceCase.objects.create(
        account=w.account, subject="设备报警", number=f"CS-PERM-{n:05d}", thread_key=f"perm-renewals-{n}"
    ).pk


CASES: list[Any] = [
    Case("GET service:dashboard", lambda w: "/service/", signed_in(200, api=False, who=READERS)),
    Case("GET service:renewal_list", lambda w: "/service/renewals/", signed_in(200, api=False, who=READERS)),
    Case(
        "GET service:case_upsell",
        lambda w: f"/service/cases/{_case(w)}/upsell/",
        record_rule(200, who=WORKERS, sees=SEES_CASE, api=False),
    ),
    Case(
        "POST service:case_upsell",
        lambda w: f"/service/cases/{_case(w)}/upsell/",
        record_rule(302, who=WORKERS, sees=SEES_CASE, api=False),
        body={"kind": "upsell", "note": "加购许可"},
    ),
    Case("GET /api/v1/service/renewals", lambda w: "/api/v1/service/renewals", signed_in(200, who=READERS)),
    Case("GET /api/v1/service/kpis", lambda w: "/api/v1/service/kpis", signed_in(200, who=READERS)),
    Case(
        "POST /api/v1/service/cases/{case_id}/upsell",
        lambda w: f"/api/v1/service/cases/{_case(w)}/upsell",
        record_rule(201, who=WORKERS, sees=SEES_CASE),
        body={"kind": "cross_sell", "note": "想要 AI 质检模块"},
    ),
]
EXEMPT: set[str] = set()
PUBLIC_ROUTES: dict[str, str] = {}
