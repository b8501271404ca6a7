"""Permission cases of service's sla area (see permission_cases.py): business calendars and SLA
policies are configured by administrators and service team managers (in the world: admin; the
service agent manages no team); service staff read the policies. Entitlements are read by
whoever may read the account (world.account: its owner, their managers, executives, admin and
service) and changed by service staff and administrators."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

CONFIGURES = {"admin"}
READS_POLICIES = {"admin", "service"}
SEES_ENTITLEMENT = {"owner", "manager", "boss", "executive", "admin", "service"}
# The entitlement lists: whoever reads service records (the sales side: their accounts' ones);
# never finance nor marketing.
LISTS_ENTITLEMENTS = {"owner", "teammate", "manager", "boss", "other", "executive", "admin", "service"}
WORKS = {"admin", "service"}
TARGETS = [
    {"priority": p, "first_response_minutes": first, "resolution_minutes": resolution}
    for p, first, resolution in (("p1", 30, 120), ("p2", 120, 480), ("p3", 480, 1440), ("p4", 960, 4800))
]


def _customer(w: Any) -> int:
    """An account of the owner's that is a customer: service staff read customers (a bare prospect
    is nobody's to serve yet)."""
    from ltc.customers.tests.factories import AccountFactory

    if not hasattr(w, "sla_customer"):
        w.sla_customer = AccountFactory(owner=w.owner, name="锦程客户有限公司", status="customer")
    return int(w.sla_customer.pk)


def _calendar(w: Any) -> int:
    from ltc.service.models import BusinessCalendar

    return BusinessCalendar.objects.create(name=f"日历 {uuid.uuid4().hex[:6]}").pk


def _calendar_with_day(w: Any) -> str:
    from ltc.service.models import CalendarDay

    pk = _calendar(w)
    CalendarDay.objects.create(calendar_id=pk, day=date(2027, 2, 8), kind="holiday", name="春节")
    return f"{pk}/days/2027-02-08"


def _policy(w: Any) -> int:
    from ltc.service.services.policies import default_policy

    return default_policy().pk


def _entitlement(w: Any) -> int:
    from ltc.service.models import Entitlement
    from ltc.service.services.policies import default_policy

    today = date.today()  # noqa: DTZ011 - a period around today, whatever the zone
    return Entitlement.objects.create(
        account=w.account,
        name="标准服务",
        level="standard",
        policy=default_policy(),
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=365),
    ).pk


def _version(model: str) -> Any:
    def headers(w: Any, path: str) -> dict[str, str]:
        from ltc.service import models

        pk = int(path.split("/")[5])
        return {"If-Match": f'"{getattr(models, model).objects.get(pk=pk).version}"'}

    return headers


def _page_version(model: str, fields: dict[str, Any] | None = None) -> Any:
    def body(w: Any, path: str) -> dict[str, Any]:
        from ltc.service import models

        pk = int(path.split("/")[3])
        return {**(fields or {}), "version": getattr(models, model).objects.get(pk=pk).version}

    return body


def _policy_form(w: Any, path: str) -> dict[str, Any]:
    from ltc.service.models import SlaPolicy
    from ltc.service.services.clock import default_calendar

    form: dict[str, Any] = {"name": "标准服务", "calendar": default_calendar().pk, "warn_at_pct": 75, "active": "on"}
    for target in TARGETS:
        form[f"{target['priority']}_first_response_minutes"] = target["first_response_minutes"]
        form[f"{target['priority']}_resolution_minutes"] = target["resolution_minutes"]
    if path.endswith("/edit/"):
        form["version"] = SlaPolicy.objects.get(pk=int(path.split("/")[3])).version
    else:
        form["name"] = f"金牌 {uuid.uuid4().hex[:6]}"
    return form


def _entitlement_form(w: Any, path: str) -> dict[str, Any]:
    from ltc.service.models import Entitlement
    from ltc.service.services.policies import default_policy

    form: dict[str, Any] = {
        "account": _customer(w),
        "name": "金牌服务",
        "level": "premium",
        "policy": default_policy().pk,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    if path.endswith("/edit/"):
        form["version"] = Entitlement.objects.get(pk=int(path.split("/")[3])).version
    return form


CAL = "/api/v1/service/calendars"
POL = "/api/v1/service/sla-policies"
ENT = "/api/v1/service/entitlements"
CASES: list[Any] = [
    # calendars
    Case(f"GET {CAL}", lambda w: CAL, signed_in(200, who=CONFIGURES)),
    Case(f"POST {CAL}", lambda w: CAL, signed_in(201, who=CONFIGURES), body={"name": "香港工作日历"}),
    Case(f"GET {CAL}/{{calendar_id}}", lambda w: f"{CAL}/{_calendar(w)}", signed_in(200, who=CONFIGURES)),
    Case(
        f"PATCH {CAL}/{{calendar_id}}",
        lambda w: f"{CAL}/{_calendar(w)}",
        signed_in(200, who=CONFIGURES),
        body={"day_starts": "08:30:00"},
        headers=_version("BusinessCalendar"),
    ),
    Case(f"GET {CAL}/{{calendar_id}}/days", lambda w: f"{CAL}/{_calendar(w)}/days", signed_in(200, who=CONFIGURES)),
    Case(
        f"POST {CAL}/{{calendar_id}}/days",
        lambda w: f"{CAL}/{_calendar(w)}/days",
        signed_in(200, who=CONFIGURES),
        body={"day": "2027-02-08", "kind": "holiday", "name": "春节"},
        headers=_version("BusinessCalendar"),
    ),
    Case(
        f"DELETE {CAL}/{{calendar_id}}/days/{{day}}",
        lambda w: f"{CAL}/{_calendar_with_day(w)}",
        signed_in(204, who=CONFIGURES),
        headers=_version("BusinessCalendar"),
    ),
    Case(
        f"POST {CAL}/{{calendar_id}}/import",
        lambda w: f"{CAL}/{_calendar(w)}/import",
        signed_in(200, who=CONFIGURES),
        body={"year": 2026},
        headers=_version("BusinessCalendar"),
    ),
    # policies
    Case(f"GET {POL}", lambda w: POL, signed_in(200, who=READS_POLICIES)),
    Case(
        f"POST {POL}",
        lambda w: POL,
        signed_in(201, who=CONFIGURES),
        body=lambda w, path: {"name": f"金牌 {uuid.uuid4().hex[:6]}", "targets": TARGETS},
    ),
    Case(f"GET {POL}/{{policy_id}}", lambda w: f"{POL}/{_policy(w)}", signed_in(200, who=READS_POLICIES)),
    Case(
        f"PATCH {POL}/{{policy_id}}",
        lambda w: f"{POL}/{_policy(w)}",
        signed_in(200, who=CONFIGURES),
        body={"warn_at_pct": 70},
        headers=_version("SlaPolicy"),
    ),
    # entitlements
    Case(f"GET {ENT}", lambda w: ENT, signed_in(200, who=LISTS_ENTITLEMENTS)),
    Case(
        f"POST {ENT}",
        lambda w: ENT,
        signed_in(201, who=WORKS),
        body=lambda w, path: {
            "account_id": _customer(w),
            "name": "标准服务",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    ),
    Case(
        f"GET {ENT}/{{entitlement_id}}",
        lambda w: f"{ENT}/{_entitlement(w)}",
        record_rule(200, who=SEES_ENTITLEMENT, sees=SEES_ENTITLEMENT),
    ),
    Case(
        f"PATCH {ENT}/{{entitlement_id}}",
        lambda w: f"{ENT}/{_entitlement(w)}",
        record_rule(200, who=WORKS, sees=SEES_ENTITLEMENT),
        body={"level": "premium"},
        headers=_version("Entitlement"),
    ),
    Case(
        f"POST {ENT}/{{entitlement_id}}/cancel",
        lambda w: f"{ENT}/{_entitlement(w)}/cancel",
        record_rule(200, who=WORKS, sees=SEES_ENTITLEMENT),
        body={"reason": "合同终止"},
        headers=_version("Entitlement"),
    ),
    # pages: calendars
    Case("GET service:calendar_list", lambda w: "/service/calendars/", signed_in(200, api=False, who=CONFIGURES)),
    Case("GET service:calendar_create", lambda w: "/service/calendars/new/", signed_in(200, api=False, who=CONFIGURES)),
    Case(
        "POST service:calendar_create",
        lambda w: "/service/calendars/new/",
        signed_in(302, api=False, who=CONFIGURES),
        body={"name": "香港工作日历", "day_starts": "09:00", "day_ends": "18:00"},
    ),
    Case(
        "GET service:calendar_detail",
        lambda w: f"/service/calendars/{_calendar(w)}/",
        signed_in(200, api=False, who=CONFIGURES),
    ),
    Case(
        "GET service:calendar_edit",
        lambda w: f"/service/calendars/{_calendar(w)}/edit/",
        signed_in(200, api=False, who=CONFIGURES),
    ),
    Case(
        "POST service:calendar_edit",
        lambda w: f"/service/calendars/{_calendar(w)}/edit/",
        signed_in(302, api=False, who=CONFIGURES),
        body=_page_version("BusinessCalendar", {"name": "夜班", "day_starts": "08:00", "day_ends": "17:00"}),
    ),
    Case(
        "POST service:calendar_day_set",
        lambda w: f"/service/calendars/{_calendar(w)}/days/",
        signed_in(302, api=False, who=CONFIGURES),
        body=_page_version("BusinessCalendar", {"day": "2027-02-08", "kind": "holiday", "name": "春节"}),
    ),
    Case(
        "POST service:calendar_day_remove",
        lambda w: f"/service/calendars/{_calendar_with_day(w)}/remove/",
        signed_in(302, api=False, who=CONFIGURES),
        body=_page_version("BusinessCalendar"),
    ),
    Case(
        "POST service:calendar_import",
        lambda w: f"/service/calendars/{_calendar(w)}/import/",
        signed_in(302, api=False, who=CONFIGURES),
        body=_page_version("BusinessCalendar", {"year": "2026"}),
    ),
    # pages: policies
    Case("GET service:policy_list", lambda w: "/service/sla-policies/", signed_in(200, api=False, who=READS_POLICIES)),
    Case(
        "GET service:policy_create", lambda w: "/service/sla-policies/new/", signed_in(200, api=False, who=CONFIGURES)
    ),
    Case(
        "POST service:policy_create",
        lambda w: "/service/sla-policies/new/",
        signed_in(302, api=False, who=CONFIGURES),
        body=_policy_form,
    ),
    Case(
        "GET service:policy_detail",
        lambda w: f"/service/sla-policies/{_policy(w)}/",
        signed_in(200, api=False, who=READS_POLICIES),
    ),
    Case(
        "GET service:policy_edit",
        lambda w: f"/service/sla-policies/{_policy(w)}/edit/",
        signed_in(200, api=False, who=CONFIGURES),
    ),
    Case(
        "POST service:policy_edit",
        lambda w: f"/service/sla-policies/{_policy(w)}/edit/",
        signed_in(302, api=False, who=CONFIGURES),
        body=_policy_form,
    ),
    # pages: entitlements
    Case(
        "GET service:entitlement_list",
        lambda w: "/service/entitlements/",
        signed_in(200, api=False, who=LISTS_ENTITLEMENTS),
    ),
    Case(
        "GET service:entitlement_create", lambda w: "/service/entitlements/new/", signed_in(200, api=False, who=WORKS)
    ),
    Case(
        "POST service:entitlement_create",
        lambda w: "/service/entitlements/new/",
        signed_in(302, api=False, who=WORKS),
        body=_entitlement_form,
    ),
    Case(
        "GET service:entitlement_detail",
        lambda w: f"/service/entitlements/{_entitlement(w)}/",
        record_rule(200, who=SEES_ENTITLEMENT, sees=SEES_ENTITLEMENT, api=False),
    ),
    Case(
        "GET service:entitlement_edit",
        lambda w: f"/service/entitlements/{_entitlement(w)}/edit/",
        record_rule(200, who=WORKS, sees=SEES_ENTITLEMENT, api=False),
    ),
    Case(
        "POST service:entitlement_edit",
        lambda w: f"/service/entitlements/{_entitlement(w)}/edit/",
        record_rule(302, who=WORKS, sees=SEES_ENTITLEMENT, api=False),
        body=_entitlement_form,
    ),
    Case(
        "POST service:entitlement_cancel",
        lambda w: f"/service/entitlements/{_entitlement(w)}/cancel/",
        record_rule(302, who=WORKS, sees=SEES_ENTITLEMENT, api=False),
        body=_page_version("Entitlement", {"reason": "合同终止"}),
    ),
]
EXEMPT: set[str] = set()
PUBLIC_ROUTES: dict[str, str] = {}
