"""Permission cases of service's assets area (see permission_cases.py). Build cases with the helpers
of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside this module:
that module imports this one while it is being loaded, after defining them."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

# The API list: service staff, administrators, executives and sales managers.
# The list page: also the sales side (ARs, SRs, FRs see their accounts' assets); never finance
# nor marketing, who read no service records.
LIST_PAGE = {"owner", "teammate", "manager", "boss", "other", "executive", "admin", "service"}
# One asset of world.account: who may read the account (its AR and managers, executives,
# administrators) and service staff.
SEES = {"owner", "manager", "boss", "executive", "admin", "service"}
WORKERS = {"admin", "service"}


def _asset(w: Any) -> int:
    from ltc.service.models import Asset

    return Asset.objects.create(account=w.account, code="SRV-1", name="服务器", serial_numbers="SN-1").pk


def _version(w: Any, path: str) -> dict[str, str]:
    from ltc.service.models import Asset

    return {"If-Match": f'"{Asset.objects.get(pk=path.split("/")[5]).version}"'}


def _page_version(w: Any, path: str) -> dict[str, Any]:
    from ltc.service.models import Asset

    return {"version": Asset.objects.get(pk=path.split("/")[3]).version, "serial_numbers": "SN-2", "status": "active"}


def _create_body(w: Any, path: str) -> dict[str, Any]:
    from ltc.customers.models import Account

    Account.objects.filter(pk=w.account.pk).update(status="customer")  # assets are recorded for customers
    return {"account_id": w.account.pk, "code": "SRV-2", "name": "存储", "quantity": "1"}


CASES: list[Any] = [
    Case("GET /api/v1/service/assets", lambda w: "/api/v1/service/assets", signed_in(200, who=LIST_PAGE)),
    Case(
        "POST /api/v1/service/assets",
        lambda w: "/api/v1/service/assets",
        signed_in(201, who=WORKERS),
        body=_create_body,
    ),
    Case(
        "GET /api/v1/service/assets/{asset_id}",
        lambda w: f"/api/v1/service/assets/{_asset(w)}",
        record_rule(200, who=SEES, sees=SEES),
    ),
    Case(
        "PATCH /api/v1/service/assets/{asset_id}",
        lambda w: f"/api/v1/service/assets/{_asset(w)}",
        record_rule(200, who=WORKERS, sees=SEES),
        body={"site": "上海"},
        headers=_version,
    ),
    Case(
        "POST /api/v1/service/assets/{asset_id}/retire",
        lambda w: f"/api/v1/service/assets/{_asset(w)}/retire",
        record_rule(200, who=WORKERS, sees=SEES),
        body={"note": "拆除"},
        headers=_version,
    ),
    Case("GET service:asset_list", lambda w: "/service/assets/", signed_in(200, api=False, who=LIST_PAGE)),
    Case("GET service:asset_create", lambda w: "/service/assets/new/", signed_in(200, api=False, who=WORKERS)),
    Case(
        "POST service:asset_create",
        lambda w: "/service/assets/new/",
        signed_in(302, api=False, who=WORKERS),
        body=lambda w, path: {
            "account_id": _create_body(w, path)["account_id"],
            "name": "存储",
            "code": "S",
            "quantity": "1",
        },
    ),
    Case(
        "GET service:asset_detail",
        lambda w: f"/service/assets/{_asset(w)}/",
        record_rule(200, who=SEES, sees=SEES, api=False),
    ),
    Case(
        "GET service:asset_edit",
        lambda w: f"/service/assets/{_asset(w)}/edit/",
        record_rule(200, who=WORKERS, sees=SEES, api=False),
    ),
    Case(
        "POST service:asset_edit",
        lambda w: f"/service/assets/{_asset(w)}/edit/",
        record_rule(302, who=WORKERS, sees=SEES, api=False),
        body=_page_version,
    ),
    Case(
        "POST service:asset_retire",
        lambda w: f"/service/assets/{_asset(w)}/retire/",
        record_rule(302, who=WORKERS, sees=SEES, api=False),
        body=lambda w, path: {"version": 1},
    ),
]
EXEMPT: set[str] = set()
PUBLIC_ROUTES: dict[str, str] = {}
