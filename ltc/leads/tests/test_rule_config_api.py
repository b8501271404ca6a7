"""/api/v1/assignment-rules, /api/v1/scoring-rules and the preview, as a client sees them (each
exchange is checked against the OpenAPI document by api_as)."""

from __future__ import annotations

from typing import Any

from ltc.core.models import TimelineEvent
from ltc.leads.models import AssignmentRule, Lead, ScoringRule
from ltc.leads.tests.factories import LeadFactory


def _state() -> tuple[Any, ...]:
    return (
        list(AssignmentRule.objects.order_by("pk").values_list("pk", "version", "order", "active", "last_assigned_id")),
        list(ScoringRule.objects.order_by("pk").values_list("pk", "version", "points", "active")),
        list(Lead.objects.order_by("pk").values_list("pk", "version", "owner_id", "score")),
        TimelineEvent.objects.count(),
    )


def _create(api: Any, world: Any, **values: Any) -> Any:
    body = {"name": "华东", "order": 10, "region": "east", "strategy": "user", "assign_user_id": world.manager.pk}
    return api.post("/assignment-rules", {**body, **values})


def test_an_admin_creates_reads_changes_and_deactivates_a_routing_rule(world, api_as):
    api = api_as(world.admin)
    created = _create(api, world)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (created["ETag"], created["Location"]) == ('"1"', f"/api/v1/assignment-rules/{body['id']}")
    assert (body["version"], body["region"], body["assign_user"], body["assign_team"], body["first_contact_hours"]) == (
        1,
        "east",
        {"id": world.manager.pk, "name": str(world.manager)},
        None,
        24,
    )
    path = f"/assignment-rules/{body['id']}"
    patch = {"strategy": "round_robin", "assign_user_id": None, "assign_team_id": world.east.pk}
    assert api.request("PATCH", path, patch).status_code == 428
    assert api.request("PATCH", path, patch, **{"If-Match": '"3"'}).status_code == 412
    changed = api.request("PATCH", path, patch, **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["version"], changed.json()["assign_team"], changed.json()["assign_user"]) == (
        2,
        {"id": world.east.pk, "name": "East"},
        None,
    )
    off = api.post(f"{path}/deactivate", **{"If-Match": '"2"'})
    assert (off.status_code, off.json()["active"], off.json()["version"]) == (200, False, 3)
    assert [i["id"] for i in api.get("/assignment-rules").json()["items"]] == [body["id"]]


def test_an_invalid_rule_is_a_field_level_problem_and_changes_nothing(world, api_as):
    before = _state()
    api = api_as(world.admin)
    refused = _create(api, world, assign_user_id=world.finance.pk, min_score=70, max_score=20)
    assert refused.status_code == 422
    assert sorted((e["field"], e["message"]) for e in refused.json()["errors"]) == [
        ("assign_user_id", "Leads go to an active account manager or sales manager."),
        ("max_score", "The maximum score is below the minimum."),
    ]
    missing = _create(api, world, strategy="round_robin", assign_user_id=None, assign_team_id=999_999)
    assert [(e["field"], e["message"]) for e in missing.json()["errors"]] == [("assign_team_id", "No such team.")]
    assert _state() == before


def test_only_admins_change_routing_and_everyone_signed_in_reads_it(world, api_as):
    rule = _create(api_as(world.admin), world).json()
    before = _state()
    for who in ("marketing", "manager", "owner"):
        api = api_as(getattr(world, who))
        assert api.get("/assignment-rules").json()["total"] == 1
        assert _create(api, world).status_code == 403
        assert (
            api.request("PATCH", f"/assignment-rules/{rule['id']}", {"order": 1}, **{"If-Match": '"1"'}).status_code
            == 403
        )
        assert api.post("/assignment-rules/reorder", {"rule_ids": [rule["id"]]}).status_code == 403
        sample = {"rule": {}, "sample": {"region": "east"}}
        assert api.post("/assignment-rules/preview", sample).status_code == 403
    assert api_as(None).get("/assignment-rules").status_code == 401
    assert _state() == before


def test_the_preview_answers_exactly_and_changes_nothing(world, api_as):
    api = api_as(world.admin)
    api.post("/scoring-rules", {"name": "制造业", "criterion": "industry_is", "value": "manufacturing", "points": 30})
    east = _create(api, world).json()
    caught = LeadFactory(owner=None, region="north", industry="manufacturing", score=30, company_name="北方制造")
    before = _state()
    answer = api.post(
        "/assignment-rules/preview",
        {
            "rule": {
                "name": "华北制造",
                "order": 5,
                "region": "north",
                "strategy": "user",
                "assign_user_id": world.teammate.pk,
            },
            "sample": {"region": "north", "industry": "manufacturing"},
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "matches": True,
        "mismatches": [],
        "rule_wins": True,
        "winner": {"id": None, "name": "华北制造", "order": 5},
        "assignee": {"id": world.teammate.pk, "name": str(world.teammate)},
        "first_contact_due_hours": 24,
        "score": 30,
        "score_details": [{"rule": "制造业", "kind": "fit", "points": 30}],
        "would_catch": 1,
        "would_catch_leads": [{"id": caught.pk, "company_name": "北方制造", "score": 30}],
    }
    on_lead = api.post(
        "/assignment-rules/preview", {"rule_id": east["id"], "rule": {}, "sample": {"lead_id": world.lead.pk}}
    ).json()
    assert (on_lead["matches"], on_lead["winner"], on_lead["mismatches"]) == (
        world.lead.region == "east",
        {"id": east["id"], "name": "华东", "order": 10} if world.lead.region == "east" else None,
        [] if world.lead.region == "east" else ["region"],
    )
    assert _state() == before


def test_a_preview_on_a_lead_out_of_sight_reads_like_a_missing_one(world, api_as):
    northern = LeadFactory(owner=world.other, company_name="北方能源集团")
    api = api_as(world.admin)
    # The admin sees every lead; a rule under test on a lead that does not exist:
    missing = api.post(
        "/assignment-rules/preview",
        {"rule": {"name": "x", "assign_user_id": world.manager.pk}, "sample": {"lead_id": 999_999}},
    )
    assert [(e["field"], e["message"]) for e in missing.json()["errors"]] == [("sample.lead_id", "No such lead.")]
    no_rule = api.post("/assignment-rules/preview", {"rule_id": 999_999, "rule": {}, "sample": {"region": "east"}})
    assert [(e["field"], e["message"]) for e in no_rule.json()["errors"]] == [("rule_id", "No such rule.")]
    seen = api.post(
        "/assignment-rules/preview",
        {"rule": {"name": "x", "assign_user_id": world.manager.pk}, "sample": {"lead_id": northern.pk}},
    )
    assert seen.status_code == 200


def test_scoring_rules_are_marketings_too(world, api_as):
    api = api_as(world.marketing)
    created = api.post("/scoring-rules", {"name": "有邮箱", "criterion": "has_email", "points": 10})
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["version"], rule["value"], rule["kind"], rule["active"]) == (1, "", "fit", True)
    path = f"/scoring-rules/{rule['id']}"
    changed = api.request("PATCH", path, {"points": 15}, **{"If-Match": '"1"'})
    assert (changed.status_code, changed.json()["points"], changed.json()["version"]) == (200, 15, 2)
    bad = api.request("PATCH", path, {"criterion": "industry_is", "value": "mining"}, **{"If-Match": '"2"'})
    assert [(e["field"], e["message"]) for e in bad.json()["errors"]] == [
        ("value", "Choose one of the offered values.")
    ]
    assert ScoringRule.objects.get(pk=rule["id"]).criterion == "has_email"
    assert (
        api_as(world.owner).post("/scoring-rules", {"name": "x", "criterion": "has_email", "points": 1}).status_code
        == 403
    )
    off = api.post(f"{path}/deactivate", **{"If-Match": '"2"'})
    assert (off.status_code, off.json()["active"]) == (200, False)


def test_reorder_through_the_api(world, api_as):
    api = api_as(world.admin)
    first = _create(api, world, name="A", order=10).json()
    second = _create(api, world, name="B", order=20).json()
    moved = api.post("/assignment-rules/reorder", {"rule_ids": [second["id"], first["id"]]})
    assert [(r["name"], r["order"], r["version"]) for r in moved.json()] == [("B", 10, 2), ("A", 20, 2)]
    refused = api.post("/assignment-rules/reorder", {"rule_ids": [second["id"]]})
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("rule_ids", "List every active rule exactly once.")
    ]
