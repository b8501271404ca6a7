"""Permission cases of marketing's campaigns area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them.

Campaigns are read by marketing, administrators, executives and sales managers (anyone else: 403
on lists and forms, 404 on a campaign) and changed by marketing and administrators (the other
readers: 403)."""

from __future__ import annotations

import uuid
from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

READS = {"marketing", "admin", "executive", "manager", "boss"}
MANAGES = {"marketing", "admin"}


def _campaign(w: Any) -> int:
    from ltc.marketing.models import Campaign

    code = f"perm-{uuid.uuid4().hex[:10]}"
    return Campaign.objects.create(name="工博会", code=code, kind="trade_show", owner=w.marketing).pk


def _member(w: Any) -> str:
    from ltc.marketing.models import CampaignMember

    campaign = _campaign(w)
    member = CampaignMember.objects.create(campaign_id=campaign, lead=w.lead)
    return f"{campaign}/members/{member.pk}"


def _if_match(path: str) -> dict[str, str]:
    """/api/v1/marketing/campaigns/<id>: If-Match with the campaign's current version."""
    from ltc.marketing.models import Campaign

    return {"If-Match": f'"{Campaign.objects.get(pk=int(path.split("/")[5])).version}"'}


def _page_id(path: str) -> int:
    return int(path.split("/")[3])


def _form(w: Any, path: str) -> dict[str, Any]:
    from ltc.marketing.models import Campaign

    campaign = Campaign.objects.get(pk=_page_id(path))
    return {
        "name": "工博会 2026",
        "code": campaign.code,
        "kind": "trade_show",
        "owner": w.marketing.pk,
        "status": "active",
        "currency": "CNY",
        "version": campaign.version,
    }


API = "/api/v1/marketing/campaigns"
CASES: list[Any] = [
    Case(f"GET {API}", lambda w: API, signed_in(200, who=READS)),
    Case(
        f"POST {API}",
        lambda w: API,
        signed_in(201, who=MANAGES),
        body=lambda w, path: {"name": "研讨会", "code": f"p-{uuid.uuid4().hex[:8]}", "kind": "seminar"},
    ),
    Case(f"GET {API}/{{campaign_id}}", lambda w: f"{API}/{_campaign(w)}", record_rule(200, who=READS, sees=READS)),
    Case(
        f"PATCH {API}/{{campaign_id}}",
        lambda w: f"{API}/{_campaign(w)}",
        record_rule(200, who=MANAGES, sees=READS),
        body={"status": "active"},
        headers=lambda w, path: _if_match(path),
    ),
    Case(
        f"GET {API}/{{campaign_id}}/costs",
        lambda w: f"{API}/{_campaign(w)}/costs",
        record_rule(200, who=READS, sees=READS),
    ),
    Case(
        f"POST {API}/{{campaign_id}}/costs",
        lambda w: f"{API}/{_campaign(w)}/costs",
        record_rule(201, who=MANAGES, sees=READS),
        body={"spent_on": "2026-03-01", "description": "展位", "amount": "100.00"},
    ),
    Case(
        f"GET {API}/{{campaign_id}}/members",
        lambda w: f"{API}/{_campaign(w)}/members",
        record_rule(200, who=READS, sees=READS),
    ),
    Case(
        f"POST {API}/{{campaign_id}}/members",
        lambda w: f"{API}/{_campaign(w)}/members",
        record_rule(201, who=MANAGES, sees=READS),
        body=lambda w, path: {"lead_ids": [w.lead.pk]},
    ),
    Case(
        f"DELETE {API}/{{campaign_id}}/members/{{member_id}}",
        lambda w: f"{API}/{_member(w)}",
        record_rule(204, who=MANAGES, sees=READS),
    ),
    # pages
    Case("GET marketing:campaign_list", lambda w: "/marketing/campaigns/", signed_in(200, api=False, who=READS)),
    Case(
        "GET marketing:campaign_create", lambda w: "/marketing/campaigns/new/", signed_in(200, api=False, who=MANAGES)
    ),
    Case(
        "POST marketing:campaign_create",
        lambda w: "/marketing/campaigns/new/",
        signed_in(302, api=False, who=MANAGES),
        body=lambda w, path: {
            "name": "邮件",
            "code": f"m-{uuid.uuid4().hex[:8]}",
            "kind": "email",
            "owner": w.marketing.pk,
            "status": "planned",
            "currency": "CNY",
        },
    ),
    Case(
        "GET marketing:campaign_detail",
        lambda w: f"/marketing/campaigns/{_campaign(w)}/",
        record_rule(200, who=READS, sees=READS, api=False),
    ),
    Case(
        "GET marketing:campaign_edit",
        lambda w: f"/marketing/campaigns/{_campaign(w)}/edit/",
        record_rule(200, who=MANAGES, sees=READS, api=False),
    ),
    Case(
        "POST marketing:campaign_edit",
        lambda w: f"/marketing/campaigns/{_campaign(w)}/edit/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
        body=_form,
    ),
    Case(
        "POST marketing:campaign_cost_add",
        lambda w: f"/marketing/campaigns/{_campaign(w)}/costs/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
        body={"spent_on": "2026-03-01", "description": "展位", "amount": "100"},
    ),
    Case(
        "POST marketing:campaign_member_remove",
        lambda w: f"/marketing/campaigns/{_member(w)}/remove/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
    ),
    Case(
        "POST marketing:campaign_members_add",
        lambda w: "/marketing/campaigns/add-members/",
        signed_in(302, api=False, who=MANAGES),
        body=lambda w, path: {"campaign": _campaign(w), "kind": "lead", "ids": [w.lead.pk]},
    ),
]
EXEMPT: set[str] = set()  # "METHOD url-name" or "METHOD /api/v1/path": public, with the reason
PUBLIC_ROUTES: dict[str, str] = {}  # route pattern -> why anyone may open it, and where that is tested
