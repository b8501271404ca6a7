"""Permission cases of marketing's journeys area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them.

Journeys are read by marketing readers (marketing, administrators, executives, sales managers)
and changed by marketing and administrators; anyone else gets 403 on the lists and 404 on a
journey (they may not know it exists)."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

READS = {"marketing", "admin", "executive", "manager", "boss"}
CHANGES = {"marketing", "admin"}


def _campaign(w: Any) -> Any:
    from ltc.marketing.models import Campaign, CampaignKind

    if not hasattr(w, "journey_campaign"):
        w.journey_campaign = Campaign.objects.create(
            name="培育活动", code="perm-journeys", kind=CampaignKind.EMAIL, owner=w.marketing
        )
    return w.journey_campaign


def _journey(w: Any, *, active: bool = False) -> Any:
    from ltc.marketing.models.journeys import JourneyEntry, JourneyStatus
    from ltc.marketing.services.journeys import journey_create

    journey = journey_create(
        actor=w.marketing,
        data={"name": "权限旅程", "campaign": _campaign(w), "entry": JourneyEntry.TOUCH, "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 24}],
    )
    if active:
        type(journey).objects.filter(pk=journey.pk).update(status=JourneyStatus.ACTIVE)
    return journey


def journey(w: Any) -> int:
    return int(_journey(w).pk)


def active_journey(w: Any) -> int:
    return int(_journey(w, active=True).pk)


def journey_member(w: Any) -> tuple[int, int]:
    from ltc.marketing.models.journeys import JourneyMember

    record = _journey(w, active=True)
    member = JourneyMember.objects.create(journey=record, lead=w.lead)
    return record.pk, member.pk


def _api_version(w: Any, path: str) -> dict[str, str]:
    from ltc.marketing.models.journeys import Journey

    return {"If-Match": f'"{Journey.objects.get(pk=path.split("/")[5]).version}"'}


def _page_version(w: Any, path: str) -> dict[str, Any]:
    from ltc.marketing.models.journeys import Journey

    return {"version": Journey.objects.get(pk=path.split("/")[3]).version}


def _new_journey(w: Any, path: str) -> dict[str, Any]:
    return {"name": "新旅程", "campaign_id": _campaign(w).pk, "entry": "touch", "entry_touch_kind": "form"}


def _journey_form(w: Any, path: str) -> dict[str, Any]:
    return {"name": "新旅程", "campaign": _campaign(w).pk, "entry": "touch", "entry_touch_kind": "form"}


def _steps_form(w: Any, path: str) -> dict[str, Any]:
    return _page_version(w, path) | {
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-ORDER": "1",
        "steps-0-kind": "wait",
        "steps-0-wait_hours": "2",
    }


def _member_api(w: Any) -> str:
    pk, member = journey_member(w)
    return f"/api/v1/marketing/journeys/{pk}/members/{member}/history"


def _member_page(w: Any) -> str:
    pk, member = journey_member(w)
    return f"/marketing/journeys/{pk}/members/{member}/"


API = "/api/v1/marketing/journeys"

CASES: list[Any] = [
    Case(f"GET {API}", lambda w: API, signed_in(200, who=READS)),
    Case(f"POST {API}", lambda w: API, signed_in(201, who=CHANGES), _new_journey),
    Case(f"GET {API}/{{journey_id}}", lambda w: f"{API}/{journey(w)}", record_rule(200, who=READS, sees=READS)),
    Case(
        f"PATCH {API}/{{journey_id}}",
        lambda w: f"{API}/{journey(w)}",
        record_rule(200, who=CHANGES, sees=READS),
        {"name": "改名"},
        _api_version,
    ),
    Case(
        f"PUT {API}/{{journey_id}}/steps",
        lambda w: f"{API}/{journey(w)}/steps",
        record_rule(200, who=CHANGES, sees=READS),
        {"steps": [{"kind": "wait", "wait_hours": 2}]},
        _api_version,
    ),
    Case(
        f"POST {API}/{{journey_id}}/activate",
        lambda w: f"{API}/{journey(w)}/activate",
        record_rule(200, who=CHANGES, sees=READS),
        None,
        _api_version,
    ),
    Case(
        f"POST {API}/{{journey_id}}/pause",
        lambda w: f"{API}/{active_journey(w)}/pause",
        record_rule(200, who=CHANGES, sees=READS),
        None,
        _api_version,
    ),
    Case(
        f"POST {API}/{{journey_id}}/archive",
        lambda w: f"{API}/{journey(w)}/archive",
        record_rule(200, who=CHANGES, sees=READS),
        None,
        _api_version,
    ),
    Case(
        f"GET {API}/{{journey_id}}/members",
        lambda w: f"{API}/{active_journey(w)}/members",
        record_rule(200, who=READS, sees=READS),
    ),
    Case(
        f"GET {API}/{{journey_id}}/members/{{member_id}}/history",
        _member_api,
        record_rule(200, who=READS, sees=READS),
    ),
    Case("GET marketing:journey_list", lambda w: "/marketing/journeys/", signed_in(200, api=False, who=READS)),
    Case("GET marketing:journey_create", lambda w: "/marketing/journeys/new/", signed_in(200, api=False, who=CHANGES)),
    Case(
        "POST marketing:journey_create",
        lambda w: "/marketing/journeys/new/",
        signed_in(302, api=False, who=CHANGES),
        _journey_form,
    ),
    Case(
        "GET marketing:journey_detail",
        lambda w: f"/marketing/journeys/{journey(w)}/",
        record_rule(200, who=READS, sees=READS, api=False),
    ),
    Case(
        "GET marketing:journey_edit",
        lambda w: f"/marketing/journeys/{journey(w)}/edit/",
        record_rule(200, who=CHANGES, sees=READS, api=False),
    ),
    Case(
        "POST marketing:journey_edit",
        lambda w: f"/marketing/journeys/{journey(w)}/edit/",
        record_rule(302, who=CHANGES, sees=READS, api=False),
        lambda w, path: _journey_form(w, path) | _page_version(w, path),
    ),
    Case(
        "GET marketing:journey_steps",
        lambda w: f"/marketing/journeys/{journey(w)}/steps/",
        record_rule(200, who=CHANGES, sees=READS, api=False),
    ),
    Case(
        "POST marketing:journey_steps",
        lambda w: f"/marketing/journeys/{journey(w)}/steps/",
        record_rule(302, who=CHANGES, sees=READS, api=False),
        _steps_form,
    ),
    Case(
        "POST marketing:journey_activate",
        lambda w: f"/marketing/journeys/{journey(w)}/activate/",
        record_rule(302, who=CHANGES, sees=READS, api=False),
        _page_version,
    ),
    Case(
        "POST marketing:journey_pause",
        lambda w: f"/marketing/journeys/{active_journey(w)}/pause/",
        record_rule(302, who=CHANGES, sees=READS, api=False),
        _page_version,
    ),
    Case(
        "POST marketing:journey_archive",
        lambda w: f"/marketing/journeys/{journey(w)}/archive/",
        record_rule(302, who=CHANGES, sees=READS, api=False),
        _page_version,
    ),
    Case(
        "GET marketing:journey_member",
        _member_page,
        record_rule(200, who=READS, sees=READS, api=False),
    ),
]
EXEMPT: set[str] = set()  # "METHOD url-name" or "METHOD /api/v1/path": public, with the reason
PUBLIC_ROUTES: dict[str, str] = {}  # route pattern -> why anyone may open it, and where that is tested
