"""Case routing: the strategies shared with lead routing (ltc.core.routing), rule criteria, the
unassigned queue, and the rules' configuration by API and pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.routing import LEAST_LOAD, ROUND_ROBIN, USER, TeamPicker
from ltc.org.tests.factories import TeamFactory, UserFactory
from ltc.service.models import Case, CaseRoutingRule, CaseStatus
from ltc.service.services import routing as svc
from ltc.service.tests.factories import make_calendar, make_case


def test_picker_strategies() -> None:
    picker = TeamPicker.build([(3, 1), (1, 1), (2, 1)], {1: 5, 2: 0, 3: 1}, {7: None})
    assert picker.members == {1: [1, 2, 3]}
    assert picker.pick(rule_id=9, strategy=USER, user_id=42, team_id=None) == 42
    assert [picker.pick(rule_id=7, strategy=ROUND_ROBIN, user_id=None, team_id=1) for _ in range(4)] == [1, 2, 3, 1]
    assert picker.pick(rule_id=8, strategy=LEAST_LOAD, user_id=None, team_id=1) == 2
    picker.taken(2)
    picker.taken(2)
    assert picker.pick(rule_id=8, strategy=LEAST_LOAD, user_id=None, team_id=1) == 3
    assert picker.pick(rule_id=8, strategy=LEAST_LOAD, user_id=None, team_id=99) is None


@pytest.fixture
def desk(world: Any) -> Any:
    make_calendar()
    team = TeamFactory(name="客户服务部", manager=world.admin)
    world.agents = [UserFactory(username=f"agent{i}", team=team, roles=["service"]) for i in range(2)]
    UserFactory(username="seller", team=team, roles=["ar"])  # not a service member
    UserFactory(username="gone", team=team, roles=["service"], is_active=False)
    world.desk = team
    return world


def test_round_robin_over_the_teams_service_members(desk: Any) -> None:
    CaseRoutingRule.objects.create(name="P1", priority="p1", strategy=ROUND_ROBIN, assign_team=desk.desk)
    owners = [make_case(desk.account, priority="p1").owner for _ in range(3)]
    assert owners == [desk.agents[0], desk.agents[1], desk.agents[0]]
    case = Case.objects.get(owner=desk.agents[1])
    assert case.team == desk.desk
    assert case.routing_rule is not None


def test_lowest_load_and_criteria(desk: Any) -> None:
    make_case(desk.account, owner=desk.agents[0])
    make_case(desk.account, owner=desk.agents[0], status=CaseStatus.CLOSED)  # closed: no load
    CaseRoutingRule.objects.create(
        name="incidents", order=1, category="incident", strategy=LEAST_LOAD, assign_team=desk.desk
    )
    CaseRoutingRule.objects.create(name="rest", order=2, region="north", strategy=USER, assign_user=desk.service)
    assert make_case(desk.account, category="incident").owner == desk.agents[1]
    assert make_case(desk.account, category="incident").owner in desk.agents
    # no rule matches a question of an account outside the north: unassigned, in the queue
    queued = make_case(desk.account, category="question")
    assert queued.owner is None
    assert queued.team is None
    desk.account.region = "north"
    desk.account.save(update_fields=["region"])
    assert make_case(desk.account, category="question").owner == desk.service


def test_a_rule_whose_team_has_nobody_is_skipped(desk: Any) -> None:
    empty = TeamFactory(name="空")
    CaseRoutingRule.objects.create(name="empty", order=1, strategy=ROUND_ROBIN, assign_team=empty)
    CaseRoutingRule.objects.create(name="inactive", order=2, active=False, strategy=USER, assign_user=desk.admin)
    CaseRoutingRule.objects.create(name="fallback", order=3, strategy=USER, assign_user=desk.service)
    assert make_case(desk.account).owner == desk.service


def test_rule_configuration_is_checked(desk: Any) -> None:
    with pytest.raises(PermissionDenied):
        svc.routing_rule_create(actor=desk.service, data={"name": "x", "strategy": USER, "assign_user": desk.service})
    with pytest.raises(ValidationError) as exc:
        svc.routing_rule_create(actor=desk.admin, data={"name": "x", "strategy": USER, "assign_user": desk.owner})
    assert "assign_user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        svc.routing_rule_create(actor=desk.admin, data={"name": "x", "strategy": ROUND_ROBIN})
    assert "assign_team" in exc.value.message_dict
    # a service person who manages a team configures too
    desk.desk.manager = desk.agents[0]
    desk.desk.save(update_fields=["manager"])
    rule = svc.routing_rule_create(
        actor=desk.agents[0], data={"name": "x", "strategy": ROUND_ROBIN, "assign_team": desk.desk}
    )
    assert rule.pk


def test_rules_api(desk: Any, api_as: Any) -> None:
    client = api_as(desk.admin)
    bad = client.post("/service/routing-rules", {"name": "x", "strategy": "teleport"})
    assert bad.status_code == 422
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "strategy"
    missing = client.post("/service/routing-rules", {"name": "x", "strategy": "user"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["assign_user_id"]
    created = client.post(
        "/service/routing-rules",
        {"name": "P1 desk", "priority": "p1", "strategy": "round_robin", "assign_team_id": desk.desk.pk},
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    stale = client.patch(f"/service/routing-rules/{rule_id}", {"order": 5}, **{"If-Match": '"9"'})
    assert stale.status_code == 412
    ok = client.patch(f"/service/routing-rules/{rule_id}", {"order": 5}, **{"If-Match": '"1"'})
    assert ok.json()["order"] == 5
    off = client.post(f"/service/routing-rules/{rule_id}/deactivate", **{"If-Match": '"2"'})
    assert off.json()["active"] is False
    assert client.get("/service/routing-rules").json()[0]["name"] == "P1 desk"


def test_rule_pages(desk: Any, web_as: Any) -> None:
    client = web_as(desk.admin)
    page = client.post("/service/routing/new/", {"name": "", "order": "1", "strategy": "user"})
    assert page.status_code == 422
    done = client.post(
        "/service/routing/new/",
        {"name": "事故", "order": "1", "category": "incident", "strategy": "least_load", "assign_team": desk.desk.pk},
    )
    assert done.status_code == 302
    listing = client.get("/service/routing/")
    assert "事故" in listing.content.decode()
    assert web_as(desk.service).get("/service/routing/").status_code == 403


def test_loads_are_read_for_the_matched_least_load_rule_only(desk: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    elsewhere = TeamFactory(name="别的组")
    UserFactory(username="far", team=elsewhere, roles=["service"])
    CaseRoutingRule.objects.create(name="rr", order=1, priority="p1", strategy=ROUND_ROBIN, assign_team=elsewhere)
    CaseRoutingRule.objects.create(name="load", order=2, strategy=LEAST_LOAD, assign_team=desk.desk)
    case = Case(account=desk.account, priority="p3", category="question", channel="web")
    router = svc.CaseRouter.load()
    with CaptureQueriesContext(connection) as queries:
        routed = router.route(case)
    assert routed is not None
    assert routed[1] in [a.pk for a in desk.agents]
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert set(router.picker.loads) == {a.pk for a in desk.agents}  # the other team's member: never counted
    assert list(router.picker.members) == [desk.desk.pk]


def test_round_robin_reads_its_position_from_the_locked_rule(desk: Any) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    rule = CaseRoutingRule.objects.create(name="rr", strategy=ROUND_ROBIN, assign_team=desk.desk)
    router = svc.CaseRouter.load()  # read before another case moved the rule on
    CaseRoutingRule.objects.filter(pk=rule.pk).update(last_assigned=desk.agents[0])
    case = Case(account=desk.account, priority="p3", category="question", channel="web")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        routed = router.route(case)
    assert routed is not None
    assert routed[1] == desk.agents[1].pk  # the member after the stored position, not the stale one
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    if connection.vendor == "postgresql":
        assert any("FOR UPDATE" in q["sql"] and "service_caseroutingrule" in q["sql"] for q in queries.captured_queries)
    rule.refresh_from_db()
    assert rule.last_assigned_id == desk.agents[1].pk
