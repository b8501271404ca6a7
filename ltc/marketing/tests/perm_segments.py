"""Permission cases of marketing's segments area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them.

Segments are read by marketing readers (marketing, admin, executive, sales managers: manager and
boss) and changed by marketing and admin; a reader who may not change gets 403, anyone else 404
on a segment (403 on the lists and the new-segment forms)."""

from __future__ import annotations

from typing import Any

from ltc.marketing.models import Segment
from ltc.web.tests.test_permissions import Case, csv_upload, record_rule, signed_in

CASES: list[Any] = []
EXEMPT: set[str] = set()  # "METHOD url-name" or "METHOD /api/v1/path": public, with the reason
PUBLIC_ROUTES: dict[str, str] = {}  # route pattern -> why anyone may open it, and where that is tested

READS = {"manager", "boss", "executive", "admin", "marketing"}
MANAGES = {"admin", "marketing"}
RULES = {"match": "all", "conditions": [{"field": "region", "op": "in", "value": ["east"]}]}


def segment(w: Any, kind: str = "dynamic") -> int:
    return Segment.objects.create(
        name="华东", target="leads", kind=kind, rules=RULES if kind == "dynamic" else {}, owner=w.marketing
    ).pk


def static(w: Any) -> int:
    return segment(w, "static")


def api(tail: str = "", of: Any = segment) -> Any:
    return lambda w: f"/api/v1/marketing/segments/{of(w)}{tail}"


def page(tail: str = "", of: Any = segment) -> Any:
    return lambda w: f"/marketing/segments/{of(w)}/{tail}"


def if_match(w: Any, path: str) -> dict[str, str]:
    """If-Match with the current version of the segment /api/v1/marketing/segments/<id>/... names."""
    return {"If-Match": f'"{Segment.objects.get(pk=path.split("/")[5]).version}"'}


def lead_ids(w: Any, path: str) -> dict[str, Any]:
    return {"ids": [w.lead.pk]}


def version(w: Any, path: str) -> dict[str, Any]:
    return {"version": str(Segment.objects.get(pk=path.split("/")[3]).version), "name": "华东二", "match": "all"}


FORM = {"name": "华东制造业", "target": "leads", "kind": "dynamic", "match": "all", "region": ["east"]}

CASES += [
    Case("GET /api/v1/marketing/segments", lambda w: "/api/v1/marketing/segments", signed_in(200, who=READS)),
    Case(
        "POST /api/v1/marketing/segments",
        lambda w: "/api/v1/marketing/segments",
        signed_in(201, who=MANAGES),
        {"name": "华东", "target": "leads", "rules": RULES},
    ),
    Case(
        "POST /api/v1/marketing/segments/preview",
        lambda w: "/api/v1/marketing/segments/preview",
        signed_in(200, who=READS),
        {"target": "leads", "rules": RULES},
    ),
    Case("GET /api/v1/marketing/segments/{segment_id}", api(), record_rule(200, who=READS, sees=READS)),
    Case(
        "PATCH /api/v1/marketing/segments/{segment_id}",
        api(),
        record_rule(200, who=MANAGES, sees=READS),
        {"name": "华东二"},
        if_match,
    ),
    Case(
        "POST /api/v1/marketing/segments/{segment_id}/archive",
        api("/archive"),
        record_rule(200, who=MANAGES, sees=READS),
        {},
        if_match,
    ),
    Case(
        "GET /api/v1/marketing/segments/{segment_id}/members", api("/members"), record_rule(200, who=READS, sees=READS)
    ),
    Case(
        "POST /api/v1/marketing/segments/{segment_id}/entries",
        api("/entries", static),
        record_rule(200, who=MANAGES, sees=READS),
        lead_ids,
    ),
    Case(
        "POST /api/v1/marketing/segments/{segment_id}/entries/remove",
        api("/entries/remove", static),
        record_rule(200, who=MANAGES, sees=READS),
        lead_ids,
    ),
    Case(
        "POST /api/v1/marketing/segments/{segment_id}/import",
        api("/import", static),
        record_rule(200, who=MANAGES, sees=READS),
        files=csv_upload(b"lead@example.cn\n"),
    ),
    Case("GET marketing:segment_list", lambda w: "/marketing/segments/", signed_in(200, api=False, who=READS)),
    Case("GET marketing:segment_create", lambda w: "/marketing/segments/new/", signed_in(200, api=False, who=MANAGES)),
    Case(
        "POST marketing:segment_create",
        lambda w: "/marketing/segments/new/",
        signed_in(302, api=False, who=MANAGES),
        FORM,
    ),
    Case(
        "POST marketing:segment_preview",
        lambda w: "/marketing/segments/preview/",
        signed_in(200, api=False, who=READS),
        FORM,
    ),
    Case("GET marketing:segment_detail", page(), record_rule(200, who=READS, sees=READS, api=False)),
    Case("GET marketing:segment_edit", page("edit/"), record_rule(200, who=MANAGES, sees=READS, api=False)),
    Case(
        "POST marketing:segment_edit",
        page("edit/"),
        record_rule(302, who=MANAGES, sees=READS, api=False),
        lambda w, path: {**FORM, **version(w, path)},
    ),
    Case(
        "POST marketing:segment_entries",
        page("entries/", static),
        record_rule(302, who=MANAGES, sees=READS, api=False),
        lambda w, path: {"ids": str(w.lead.pk), "action": "add"},
    ),
    Case(
        "POST marketing:segment_import",
        page("import/", static),
        record_rule(200, who=MANAGES, sees=READS, api=False),
        files=csv_upload(b"lead@example.cn\n"),
    ),
    Case(
        "POST marketing:segment_archive",
        page("archive/"),
        record_rule(302, who=MANAGES, sees=READS, api=False),
        version,
    ),
]
