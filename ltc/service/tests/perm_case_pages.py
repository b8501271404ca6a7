"""Permission cases of service's case pages (see permission_cases.py). Build cases with the helpers
of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside this module:
that module imports this one while it is being loaded, after defining them.

The list is for the service readers (service, administrators, executives, sales managers; anyone
else 403). A case is read by the service staff, executives and whoever may read its account (its
owner and their managers; anyone else 404); every reader may add an internal note; only the service
staff (service, admin) reply, change, assign, reopen, merge and open cases (the other readers 403)."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

READERS = {"service", "admin", "executive", "manager", "boss"}
SEES_CASE = {"service", "admin", "executive", "owner", "manager", "boss"}
WORKERS = {"service", "admin"}


def _case(w: Any, **kwargs: Any) -> Any:
    from ltc.service.tests.factories import make_case

    return make_case(w.account, actor=w.service, **kwargs)


def _page(w: Any, action: str = "", **kwargs: Any) -> str:
    return f"/service/cases/{_case(w, **kwargs).pk}/{action + '/' if action else ''}"


def _version(path: str) -> int:
    from ltc.service.models import Case as ServiceCase

    return int(ServiceCase.objects.get(pk=int(path.split("/")[3])).version)  # /service/cases/<id>/...


def _merge_body(w: Any, path: str) -> dict[str, Any]:
    into = _case(w, subject="原始工单")
    return {"merge-into": into.pk, "merge-version": _version(path)}


def _create_body(w: Any, path: str) -> dict[str, Any]:
    """A case for world.account, which an entitlement makes an account service serves (a bare
    prospect is not one an agent may pick)."""
    from ltc.service.tests.factories import make_entitlement

    make_entitlement(w.account)
    return {
        "account": w.account.pk,
        "subject": "电话报修",
        "category": "incident",
        "priority": "p2",
        "channel": "phone",
    }


def _action(name: str, ok: int, who: set[str], body: Any, **kwargs: Any) -> Any:
    return Case(
        f"POST service:case_{name}",
        lambda w: _page(w, name, **kwargs),
        record_rule(ok, who=who, sees=SEES_CASE, api=False),
        body=body,
    )


CASES: list[Any] = [
    Case("GET service:case_list", lambda w: "/service/cases/", signed_in(200, api=False, who=READERS)),
    Case("GET service:case_create", lambda w: "/service/cases/new/", signed_in(200, api=False, who=WORKERS)),
    Case(
        "POST service:case_create",
        lambda w: "/service/cases/new/",
        signed_in(302, api=False, who=WORKERS),
        body=_create_body,
    ),
    Case(
        "GET service:case_detail",
        lambda w: _page(w),
        record_rule(200, who=SEES_CASE, sees=SEES_CASE, api=False),
    ),
    _action("note", 302, SEES_CASE, {"note-body": "内部备注"}),
    _action("reply", 302, WORKERS, {"reply-body": "您好，已收到"}),
    _action(
        "status",
        302,
        WORKERS,
        lambda w, path: {"status-status": "waiting", "status-version": _version(path)},
    ),
    _action("assign", 302, WORKERS, lambda w, path: {"assign-owner": w.service.pk, "assign-version": _version(path)}),
    _action(
        "edit",
        302,
        WORKERS,
        lambda w, path: {"edit-priority": "p1", "edit-category": "incident", "edit-version": _version(path)},
    ),
    _action("reopen", 302, WORKERS, lambda w, path: {"reopen-version": _version(path)}, status="resolved"),
    _action("merge", 302, WORKERS, _merge_body),
]
EXEMPT: set[str] = set()
PUBLIC_ROUTES: dict[str, str] = {}
