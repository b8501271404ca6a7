"""Routing and scoring rules configured through the services: validation, versions, timeline,
the sample-lead preview (which changes nothing) and the dry run of a rule change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.core.timeline import timeline_for
from ltc.leads.models import AssignmentRule, Lead, QualificationPolicy, ScoringRule
from ltc.leads.services import rules
from ltc.leads.tests.factories import LeadFactory
from ltc.org.tests.factories import UserFactory


def _rule(world: Any, **values: Any) -> AssignmentRule:
    data = {"name": "华东制造业", "order": 10, "region": "east", "strategy": "user", "assign_user": world.manager}
    return rules.assignment_rule_create(actor=world.admin, data={**data, **values})


def _state() -> tuple[Any, ...]:
    """Everything a preview or a refused change must leave as it was."""
    return (
        list(AssignmentRule.objects.order_by("pk").values_list("pk", "version", "order", "active", "last_assigned_id")),
        list(ScoringRule.objects.order_by("pk").values_list("pk", "version", "active")),
        list(Lead.objects.order_by("pk").values_list("pk", "version", "owner_id", "score", "assignment_rule_id")),
        TimelineEvent.objects.count(),
    )


def test_an_admin_adds_a_routing_rule_and_its_creation_is_on_its_timeline(world):
    rule = _rule(world)
    assert (rule.version, rule.order, rule.region, rule.assign_user, rule.active) == (
        1,
        10,
        "east",
        world.manager,
        True,
    )
    assert [(e.kind, e.text, e.actor) for e in timeline_for(rule)] == [("created", "华东制造业", world.admin)]


def test_a_change_is_versioned_and_listed_field_by_field(world):
    rule = _rule(world)
    rules.assignment_rule_update(
        actor=world.admin,
        rule=rule,
        data={"strategy": "round_robin", "assign_user": None, "assign_team": world.east, "min_score": 40},
        expected_version=1,
    )
    rule.refresh_from_db()
    assert (rule.version, rule.strategy, rule.assign_user_id, rule.assign_team, rule.min_score) == (
        2,
        "round_robin",
        None,
        world.east,
        40,
    )
    changed = timeline_for(rule)[0]
    assert (changed.kind, changed.actor) == ("changed", world.admin)
    assert changed.changes == [
        {"field": "strategy", "old": "user", "new": "round_robin"},
        {"field": "assign_user", "old": str(world.manager), "new": ""},
        {"field": "assign_team", "old": "", "new": "East"},
        {"field": "min_score", "old": "", "new": "40"},
    ]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"assign_user": None}, "assign_user", "Choose the user who gets the leads."),
        (
            {"strategy": "round_robin", "assign_user": None},
            "assign_team",
            "Choose the team whose members share the leads.",
        ),
        ({"strategy": "least_load", "assign_team": "east"}, "assign_user", "A rule for a team names no single user."),
        ({"min_score": 60, "max_score": 50}, "max_score", "The maximum score is below the minimum."),
        ({"assign_user": "finance"}, "assign_user", "Leads go to an active account manager or sales manager."),
        ({"name": "  "}, "name", "This field cannot be blank."),
    ],
)
def test_an_invalid_routing_rule_is_refused_and_nothing_is_written(world, values, field, message):
    values = {
        k: getattr(world, v) if k in ("assign_user", "assign_team") and isinstance(v, str) else v
        for k, v in values.items()
    }
    before = _state()
    with pytest.raises(ValidationError) as refused:
        _rule(world, **values)
    assert refused.value.message_dict[field] == [message]
    assert _state() == before


def test_an_inactive_user_may_not_get_leads(world):
    world.teammate.is_active = False
    world.teammate.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        _rule(world, assign_user=world.teammate)
    assert refused.value.message_dict == {"assign_user": ["Leads go to an active account manager or sales manager."]}
    assert AssignmentRule.objects.count() == 0


@pytest.mark.parametrize("who", ["marketing", "manager", "owner", "executive"])
def test_only_administrators_change_routing(world, who):
    rule = _rule(world)
    before = _state()
    with pytest.raises(PermissionDenied):
        rules.assignment_rule_create(actor=getattr(world, who), data={"name": "x", "assign_user": world.manager})
    with pytest.raises(PermissionDenied):
        rules.assignment_rule_update(actor=getattr(world, who), rule=rule, data={"order": 5}, expected_version=1)
    with pytest.raises(PermissionDenied):
        rules.assignment_rule_deactivate(actor=getattr(world, who), rule=rule, expected_version=1)
    assert _state() == before


def test_a_stale_version_is_refused_and_nothing_changes(world):
    rule = _rule(world)
    rules.assignment_rule_update(actor=world.admin, rule=rule, data={"order": 20}, expected_version=1)
    stale = AssignmentRule.objects.get(pk=rule.pk)
    stale.version = 1
    before = _state()
    with pytest.raises(StaleVersionError):
        rules.assignment_rule_update(actor=world.admin, rule=stale, data={"order": 30}, expected_version=1)
    assert _state() == before
    assert AssignmentRule.objects.get(pk=rule.pk).order == 20


def test_deactivating_keeps_the_rule_and_says_so_on_its_timeline(world):
    rule = _rule(world)
    rules.assignment_rule_deactivate(actor=world.admin, rule=rule, expected_version=1)
    rule.refresh_from_db()
    assert (rule.active, rule.version) == (False, 2)
    assert timeline_for(rule)[0].changes == [{"field": "active", "old": "True", "new": "False"}]
    rules.assignment_rule_deactivate(actor=world.admin, rule=rule, expected_version=2)
    assert AssignmentRule.objects.get(pk=rule.pk).version == 2


def test_reordering_numbers_the_active_rules_in_the_given_order(world):
    first = _rule(world, name="A", order=10)
    second = _rule(world, name="B", order=20)
    third = _rule(world, name="C", order=30)
    rules.assignment_rules_reorder(actor=world.admin, rule_ids=[third.pk, first.pk, second.pk])
    assert list(AssignmentRule.objects.order_by("order").values_list("name", "order", "version")) == [
        ("C", 10, 2),
        ("A", 20, 2),
        ("B", 30, 2),
    ]
    assert timeline_for(third)[0].changes == [{"field": "order", "old": "30", "new": "10"}]


def test_a_reorder_that_leaves_out_a_rule_is_refused_and_nothing_moves(world):
    first = _rule(world, name="A", order=10)
    second = _rule(world, name="B", order=20)
    before = _state()
    for ids in ([second.pk], [second.pk, first.pk, first.pk], [second.pk, first.pk, 999_999]):
        with pytest.raises(ValidationError) as refused:
            rules.assignment_rules_reorder(actor=world.admin, rule_ids=ids)
        assert refused.value.message_dict == {"rule_ids": ["List every active rule exactly once."]}
    assert _state() == before


# --- preview ---------------------------------------------------------------------------------


@pytest.fixture
def configured(world):
    """Scoring: manufacturing +30, has email +10. Routing: east → manager (order 10); a
    round-robin over the east team for scores of 50+ (order 20)."""
    rules.scoring_rule_create(
        actor=world.admin, data={"name": "制造业", "criterion": "industry_is", "value": "manufacturing", "points": 30}
    )
    rules.scoring_rule_create(actor=world.admin, data={"name": "有邮箱", "criterion": "has_email", "points": 10})
    east = _rule(world, name="华东", order=10)
    pool = _rule(
        world,
        name="高分轮转",
        order=20,
        region="",
        strategy="round_robin",
        assign_user=None,
        assign_team=world.east,
        min_score=50,
    )
    return east, pool


def test_a_new_rule_tried_on_typed_values_says_it_would_win_and_whom_it_assigns(world, configured):
    before = _state()
    sample = rules.sample_from_values({"region": "east", "industry": "manufacturing", "source": "", "company_size": ""})
    preview = rules.assignment_rule_preview(
        rule_data={
            "name": "制造业优先",
            "order": 5,
            "industry": "manufacturing",
            "strategy": "user",
            "assign_user": world.teammate,
        },
        sample=sample,
    )
    assert (preview.score, preview.matches, preview.mismatches, preview.rule_wins) == (30, True, [], True)
    assert preview.score_details == [{"rule": "制造业", "kind": "fit", "points": 30}]
    assert (preview.winner.pk, preview.winner.name, preview.assignee, preview.first_contact_due_hours) == (
        None,
        "制造业优先",
        world.teammate,
        24,
    )
    assert _state() == before


def test_a_rule_behind_an_earlier_match_matches_but_does_not_win(world, configured):
    east, _pool = configured
    sample = rules.sample_from_values({"region": "east", "industry": "energy", "score": 80})
    preview = rules.assignment_rule_preview(
        rule_data={"name": "高分", "order": 50, "min_score": 70, "strategy": "user", "assign_user": world.teammate},
        sample=sample,
    )
    assert (preview.score, preview.matches, preview.rule_wins, preview.winner, preview.assignee) == (
        80,
        True,
        False,
        east,
        world.manager,
    )


def test_a_round_robin_preview_names_the_next_member_and_moves_no_pointer(world, configured):
    _east, pool = configured
    AssignmentRule.objects.filter(pk=pool.pk).update(last_assigned=world.manager)
    before = _state()
    sample = rules.sample_from_values({"region": "north", "score": 60})
    preview = rules.assignment_rule_preview(rule_data={}, sample=sample, rule=AssignmentRule.objects.get(pk=pool.pk))
    assert (preview.matches, preview.rule_wins, preview.winner.pk, preview.assignee) == (
        True,
        True,
        pool.pk,
        world.owner,
    )
    again = rules.assignment_rule_preview(rule_data={}, sample=sample, rule=AssignmentRule.objects.get(pk=pool.pk))
    assert again.assignee == world.owner
    assert _state() == before


def test_a_saved_rule_changed_in_the_form_is_tried_in_its_new_place(world, configured):
    east, pool = configured
    lead = LeadFactory(
        owner=None, region="north", industry="manufacturing", email="a@example.com", company_name="北方制造"
    )
    before = _state()
    preview = rules.assignment_rule_preview(
        rule_data={"region": "north"}, sample=rules.sample_from_lead(lead), rule=AssignmentRule.objects.get(pk=east.pk)
    )
    assert (preview.score, preview.matches, preview.rule_wins, preview.assignee) == (40, True, True, world.manager)
    assert preview.sample == {"region": "north", "industry": "manufacturing", "source": lead.source, "company_size": ""}
    assert AssignmentRule.objects.get(pk=east.pk).region == "east"
    assert _state() == before


def test_a_sample_no_rule_matches_stays_in_the_pool_and_names_what_it_misses(world, configured):
    sample = rules.sample_from_values({"region": "south", "company_size": "micro", "score": 10})
    preview = rules.assignment_rule_preview(
        rule_data={"name": "大客户", "company_size": "enterprise", "min_score": 60, "assign_user": world.teammate},
        sample=sample,
    )
    assert (preview.matches, preview.mismatches, preview.winner, preview.assignee) == (
        False,
        ["company_size", "min_score"],
        None,
        None,
    )


def test_an_invalid_sample_or_rule_is_refused(world, configured):
    with pytest.raises(ValidationError) as refused:
        rules.sample_from_values({"region": "mars", "score": 101})
    assert refused.value.message_dict == {
        "region": ["Choose one of the offered values."],
        "score": ["A score is between 0 and 100."],
    }
    with pytest.raises(ValidationError):
        rules.assignment_rule_preview(
            rule_data={"name": "x", "strategy": "round_robin"}, sample=rules.sample_from_values({})
        )


def test_the_dry_run_counts_the_open_unassigned_leads_the_changed_rule_would_catch(world, configured):
    caught = [LeadFactory(owner=None, region="north", score=60, company_name=f"北方{i}") for i in range(22)]
    LeadFactory(owner=None, region="north", score=20)  # below the range
    LeadFactory(owner=world.other, region="north", score=60)  # assigned
    LeadFactory(owner=None, region="north", score=60, status="disqualified")  # closed
    LeadFactory(owner=None, region="east", score=60)  # another region
    before = _state()
    count, first = rules.assignment_rule_dry_run(
        rule_data={"name": "华北高分", "region": "north", "min_score": 50, "assign_user": world.teammate}
    )
    assert count == 22
    assert [lead.pk for lead in first] == [lead.pk for lead in reversed(caught)][:20]
    assert _state() == before


# --- scoring ---------------------------------------------------------------------------------


def test_marketing_manages_scoring_rules_with_a_field_diff(world):
    rule = rules.scoring_rule_create(
        actor=world.marketing, data={"name": "预算", "criterion": "budget_at_least", "value": "500000", "points": 20}
    )
    rules.scoring_rule_update(
        actor=world.marketing, rule=rule, data={"points": 25, "value": "1000000"}, expected_version=1
    )
    rule.refresh_from_db()
    assert (rule.version, rule.points, rule.value, rule.kind) == (2, 25, "1000000", "fit")
    assert timeline_for(rule)[0].changes == [
        {"field": "points", "old": "20", "new": "25"},
        {"field": "value", "old": "500000", "new": "1000000"},
    ]
    rules.scoring_rule_deactivate(actor=world.marketing, rule=rule, expected_version=2)
    assert ScoringRule.objects.get(pk=rule.pk).active is False


@pytest.mark.parametrize(
    ("criterion", "value", "message"),
    [
        ("industry_is", "mining", "Choose one of the offered values."),
        ("region_is", "", "Choose one of the offered values."),
        ("budget_at_least", "-5", "Give an amount of 0 or more."),
        ("budget_at_least", "很多", "Give an amount of 0 or more."),
        ("activities_at_least", "2.5", "Give a whole number of activities."),
    ],
)
def test_a_scoring_value_that_does_not_fit_its_criterion_is_refused(world, criterion, value, message):
    before = _state()
    with pytest.raises(ValidationError) as refused:
        rules.scoring_rule_create(
            actor=world.admin, data={"name": "x", "criterion": criterion, "value": value, "points": 5}
        )
    assert refused.value.message_dict == {"value": [message]}
    assert _state() == before


def test_a_given_criterion_keeps_no_value_and_sales_may_not_change_scoring(world):
    rule = rules.scoring_rule_create(
        actor=world.admin, data={"name": "有手机", "criterion": "has_mobile", "value": "yes", "points": 5}
    )
    assert rule.value == ""
    before = _state()
    for who in ("owner", "manager", "executive"):
        with pytest.raises(PermissionDenied):
            rules.scoring_rule_update(actor=getattr(world, who), rule=rule, data={"points": 50}, expected_version=1)
    assert _state() == before


def test_a_user_who_left_keeps_a_rule_but_cannot_be_named_again(world):
    leaver = UserFactory(username="leaver", team=world.east, roles=["ar"])
    rule = _rule(world, assign_user=leaver)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        rules.assignment_rule_update(actor=world.admin, rule=rule, data={"order": 3}, expected_version=1)
    assert AssignmentRule.objects.get(pk=rule.pk).order == 10


def test_routing_scoring_and_authority_are_read_only_in_django_admin(world):
    from django.test import Client

    rule = _rule(world)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    before = _state()
    for name in ("leads_assignmentrule", "leads_scoringrule", "org_authority"):
        assert client.get(f"/admin/{name.replace('_', '/', 1)}/add/").status_code == 403, name
    page = client.get(f"/admin/leads/assignmentrule/{rule.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    refused = client.post(f"/admin/leads/assignmentrule/{rule.pk}/change/", {"name": "改", "order": 1})
    assert refused.status_code == 403
    assert _state() == before


# --- the qualification policy ----------------------------------------------------------------


def _policy_state() -> tuple[Any, ...]:
    return (
        list(QualificationPolicy.objects.order_by("pk").values_list("pk", "required_items", "updated_at")),
        TimelineEvent.objects.count(),
    )


def test_an_admin_changes_the_qualification_policy_on_its_timeline(world):
    policy = QualificationPolicy.current()
    assert policy.required_items == ["contact_reached", "need_confirmed", "budget_confirmed"]

    updated = rules.qualification_policy_update(
        actor=world.admin, data={"required_items": ["contact_reached", "decision_maker_identified"]}
    )

    policy.refresh_from_db()
    assert (updated.pk, policy.required_items) == (policy.pk, ["contact_reached", "decision_maker_identified"])
    [event] = timeline_for(policy)
    assert (event.kind, event.actor, [c["field"] for c in event.changes]) == (
        "changed",
        world.admin,
        ["required_items"],
    )


def test_only_an_administrator_changes_the_qualification_policy(world):
    QualificationPolicy.current()
    marketer = UserFactory(username="marketer", roles=["marketing"])
    before = _policy_state()
    for actor in (world.manager, world.owner, marketer):
        with pytest.raises(PermissionDenied):
            rules.qualification_policy_update(actor=actor, data={"required_items": []})
    assert _policy_state() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"required_items": ["contact_reached", "horoscope_read"]}, "required_items"),
        ({"required_items": ["need_confirmed", "need_confirmed"]}, "required_items"),
        ({"required_items": "need_confirmed"}, "required_items"),
        ({"required_items": [], "updated_at": None}, "updated_at"),
    ],
)
def test_a_policy_off_the_checklist_is_refused_field_by_field_and_changes_nothing(world, data, field):
    QualificationPolicy.current()
    before = _policy_state()
    with pytest.raises(ValidationError) as refused:
        rules.qualification_policy_update(actor=world.admin, data=data)
    assert list(refused.value.message_dict) == [field]
    assert _policy_state() == before


def test_a_policy_changed_by_someone_else_meanwhile_is_refused(world, monkeypatch):
    policy = QualificationPolicy.current()
    read = QualificationPolicy.objects.order_by("pk").first
    earlier = read()

    def stale_read():
        # Another writer saves between this writer's read and its write.
        QualificationPolicy.objects.filter(pk=policy.pk).update(required_items=["timeframe_known"])
        return earlier

    monkeypatch.setattr(
        QualificationPolicy.objects, "order_by", lambda *_a: type("Q", (), {"first": staticmethod(stale_read)})
    )
    events = TimelineEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        rules.qualification_policy_update(actor=world.admin, data={"required_items": ["need_confirmed"]})
    monkeypatch.undo()
    assert list(refused.value.message_dict) == ["required_items"]
    policy.refresh_from_db()
    # The refusal rolls back its transaction, the other writer's change with it here (one connection).
    assert (policy.required_items, TimelineEvent.objects.count()) == (earlier.required_items, events)
