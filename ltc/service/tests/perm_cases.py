"""Permission cases of service's cases API (see permission_cases.py). Build cases with the helpers
of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside this module:
that module imports this one while it is being loaded, after defining them.

The list answers every signed-in user with the cases they may read (none for most). A case is
read by the service staff, executives and whoever may read its account (its owner and their
managers; anyone else 404); every reader may add an internal note; only the service staff
(service, admin) open, change, assign, reply to, move, reopen and merge cases (other readers 403)."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

SEES_CASE = {"service", "admin", "executive", "owner", "manager", "boss"}
WORKERS = {"service", "admin"}


def _case(w: Any, **kwargs: Any) -> Any:
    from ltc.service.tests.factories import make_case

    return make_case(w.account, actor=w.service, **kwargs)


def _api(tail: str = "", **kwargs: Any) -> Any:
    return lambda w: f"/api/v1/service/cases/{_case(w, **kwargs).pk}{tail}"


def if_match(w: Any, path: str) -> dict[str, str]:
    from ltc.service.models import Case as ServiceCase

    return {"If-Match": f'"{ServiceCase.objects.get(pk=path.split("/")[5]).version}"'}


def _merge_body(w: Any, path: str) -> dict[str, Any]:
    return {"into_id": _case(w, subject="原始工单").pk}


CASES: list[Any] = [
    Case("GET /api/v1/service/cases", lambda w: "/api/v1/service/cases?view=all", signed_in(200)),
    Case(
        "POST /api/v1/service/cases",
        lambda w: "/api/v1/service/cases",
        signed_in(201, who=WORKERS),
        lambda w, path: {"account_id": w.account.pk, "subject": "电话报修", "priority": "p2", "channel": "phone"},
    ),
    Case("GET /api/v1/service/cases/{case_id}", _api(), record_rule(200, who=SEES_CASE, sees=SEES_CASE)),
    Case(
        "PATCH /api/v1/service/cases/{case_id}",
        _api(),
        record_rule(200, who=WORKERS, sees=SEES_CASE),
        {"priority": "p1"},
        if_match,
    ),
    Case(
        "POST /api/v1/service/cases/{case_id}/assign",
        _api("/assign"),
        record_rule(200, who=WORKERS, sees=SEES_CASE),
        lambda w, path: {"owner_id": w.service.pk},
        if_match,
    ),
    Case(
        "POST /api/v1/service/cases/{case_id}/replies",
        _api("/replies"),
        record_rule(201, who=WORKERS, sees=SEES_CASE),
        {"body": "您好，已收到"},
    ),
    Case(
        "POST /api/v1/service/cases/{case_id}/notes",
        _api("/notes"),
        record_rule(201, who=SEES_CASE, sees=SEES_CASE),
        {"body": "内部备注"},
    ),
    Case(
        "POST /api/v1/service/cases/{case_id}/status",
        _api("/status"),
        record_rule(200, who=WORKERS, sees=SEES_CASE),
        {"status": "waiting"},
        if_match,
    ),
    Case(
        "POST /api/v1/service/cases/{case_id}/reopen",
        _api("/reopen", status="resolved"),
        record_rule(200, who=WORKERS, sees=SEES_CASE),
        None,
        if_match,
    ),
    Case(
        "POST /api/v1/service/cases/{case_id}/merge",
        _api("/merge"),
        record_rule(200, who=WORKERS, sees=SEES_CASE),
        _merge_body,
        if_match,
    ),
]
EXEMPT: set[str] = set()
PUBLIC_ROUTES: dict[str, str] = {}
