"""Permission cases of service's case routing rules (see permission_cases.py): pages and API for
administrators and service team managers only (`can_configure_service`); the world's service agent
manages no team, so only admin may; everyone else 403 (a rule is configuration, not a record
someone owns)."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, signed_in

CONFIGURES = {"admin"}


def _rule(w: Any) -> Any:
    from ltc.service.models import CaseRoutingRule

    return CaseRoutingRule.objects.create(name="一线", strategy="user", assign_user=w.service)


def _if_match(w: Any, path: str) -> dict[str, str]:
    from ltc.service.models import CaseRoutingRule

    return {"If-Match": f'"{CaseRoutingRule.objects.get(pk=path.split("/")[5]).version}"'}


def _version(w: Any, path: str) -> dict[str, Any]:
    from ltc.service.models import CaseRoutingRule

    rule = CaseRoutingRule.objects.get(pk=path.split("/")[3])
    return {
        "version": str(rule.version),
        "name": "一线",
        "order": "10",
        "strategy": "user",
        "assign_user": w.service.pk,
    }


CASES: list[Any] = [
    Case(
        "GET /api/v1/service/routing-rules", lambda w: "/api/v1/service/routing-rules", signed_in(200, who=CONFIGURES)
    ),
    Case(
        "POST /api/v1/service/routing-rules",
        lambda w: "/api/v1/service/routing-rules",
        signed_in(201, who=CONFIGURES),
        lambda w, path: {"name": "一线", "strategy": "user", "assign_user_id": w.service.pk},
    ),
    Case(
        "PATCH /api/v1/service/routing-rules/{rule_id}",
        lambda w: f"/api/v1/service/routing-rules/{_rule(w).pk}",
        signed_in(200, who=CONFIGURES),
        {"order": 5},
        _if_match,
    ),
    Case(
        "POST /api/v1/service/routing-rules/{rule_id}/deactivate",
        lambda w: f"/api/v1/service/routing-rules/{_rule(w).pk}/deactivate",
        signed_in(200, who=CONFIGURES),
        None,
        _if_match,
    ),
    Case("GET service:routing_list", lambda w: "/service/routing/", signed_in(200, api=False, who=CONFIGURES)),
    Case("GET service:routing_create", lambda w: "/service/routing/new/", signed_in(200, api=False, who=CONFIGURES)),
    Case(
        "POST service:routing_create",
        lambda w: "/service/routing/new/",
        signed_in(302, api=False, who=CONFIGURES),
        lambda w, path: {"name": "一线", "order": "10", "strategy": "user", "assign_user": w.service.pk},
    ),
    Case(
        "GET service:routing_edit",
        lambda w: f"/service/routing/{_rule(w).pk}/edit/",
        signed_in(200, api=False, who=CONFIGURES),
    ),
    Case(
        "POST service:routing_edit",
        lambda w: f"/service/routing/{_rule(w).pk}/edit/",
        signed_in(302, api=False, who=CONFIGURES),
        _version,
    ),
    Case(
        "POST service:routing_deactivate",
        lambda w: f"/service/routing/{_rule(w).pk}/deactivate/",
        signed_in(302, api=False, who=CONFIGURES),
        lambda w, path: {"version": str(_rule_version(path))},
    ),
]
EXEMPT: set[str] = set()
PUBLIC_ROUTES: dict[str, str] = {}


def _rule_version(path: str) -> int:
    from ltc.service.models import CaseRoutingRule

    return int(CaseRoutingRule.objects.get(pk=path.split("/")[3]).version)
