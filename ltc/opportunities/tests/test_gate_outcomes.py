"""Gate refusals and overrides are recorded (GateOutcome) for the process figures: through the
API, the pages and the services, for advances and wins — and not for a user who may not steer."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.concurrency import StaleVersionError
from ltc.opportunities import services
from ltc.opportunities.models import GateOutcome, GateResult, Opportunity, StageRequirement
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline() -> Any:
    return make_pipeline()


@pytest.fixture
def deal(world: Any, pipeline: Any) -> Opportunity:
    return make_opportunity(world, pipeline)


def item(label: str) -> StageRequirement:
    return StageRequirement.objects.get(label=label)


def test_a_refused_advance_through_the_api_is_recorded(world, api_as, pipeline, deal):
    refused = api_as(world.owner).post(f"/opportunities/{deal.pk}/advance", {}, **{"If-Match": '"1"'})
    assert refused.status_code == 422
    outcome = GateOutcome.objects.get()
    assert (outcome.opportunity_id, outcome.outcome, outcome.actor_id) == (deal.pk, GateResult.REFUSED, world.owner.pk)
    assert (outcome.from_stage.name, outcome.to_stage.name, outcome.fr_missing, outcome.reason) == (
        "确认",
        "方案",
        False,
        "",
    )
    assert list(outcome.missing.all()) == [item("需求已确认")]
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version) == ("确认", 1)  # the move itself changed nothing


def test_a_refused_move_from_the_deal_page_is_recorded(world, web_as, pipeline, deal):
    answer = web_as(world.owner).post(f"/opportunities/{deal.pk}/advance/", {"version": "1"})
    assert answer.status_code == 302
    outcome = GateOutcome.objects.get()
    assert (outcome.outcome, outcome.actor_id, outcome.from_stage.name) == (GateResult.REFUSED, world.owner.pk, "确认")
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "确认"


def test_an_override_is_recorded_with_its_items_and_person(world, pipeline, deal):
    services.opportunity_advance(
        actor=world.manager,
        opportunity=deal,
        expected_version=1,
        to_stage=stage(pipeline, "签约"),
        override_reason="客户高层已口头确认",
    )
    outcome = GateOutcome.objects.get()
    assert (outcome.outcome, outcome.actor_id, outcome.reason) == (
        GateResult.OVERRIDDEN,
        world.manager.pk,
        "客户高层已口头确认",
    )
    assert (outcome.from_stage.name, outcome.to_stage.name, outcome.fr_missing) == ("确认", "签约", True)
    assert {r.label for r in outcome.missing.all()} == {"需求已确认", "现场拜访", "SR 已指定"}
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "签约"


def test_a_win_passed_by_override_is_recorded(world, pipeline, deal):
    services.opportunity_win(
        actor=world.manager, opportunity=deal, expected_version=1, reason="solution", override_reason="签约在即"
    )
    outcome = GateOutcome.objects.get()
    assert (outcome.outcome, outcome.from_stage.name, outcome.to_stage.name) == (GateResult.OVERRIDDEN, "确认", "赢单")
    assert {r.label for r in outcome.missing.all()} == {"需求已确认", "现场拜访", "SR 已指定"}


def test_a_refused_win_is_recorded(world, pipeline, deal):
    with pytest.raises(ValidationError):
        services.opportunity_win(actor=world.owner, opportunity=deal, expected_version=1, reason="solution")
    assert GateOutcome.objects.get().to_stage.name == "赢单"


def test_a_steerer_who_may_not_override_is_refused_and_recorded(world, pipeline, deal):
    with pytest.raises(PermissionDenied):
        services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=1, override_reason="急")
    outcome = GateOutcome.objects.get()
    assert (outcome.outcome, outcome.actor_id) == (GateResult.REFUSED, world.owner.pk)


def test_no_record_for_a_user_who_may_not_steer_the_deal(world, pipeline, deal):
    with pytest.raises(PermissionDenied):
        services.opportunity_advance(actor=world.teammate, opportunity=deal, expected_version=1)
    assert not GateOutcome.objects.exists()


def test_no_override_is_recorded_when_the_move_fails(world, pipeline, deal):
    """The override is written in the move's transaction: a stale version leaves nothing."""
    with pytest.raises(StaleVersionError):
        services.opportunity_advance(actor=world.manager, opportunity=deal, expected_version=7, override_reason="急")
    assert not GateOutcome.objects.exists()


def test_a_move_with_nothing_missing_records_nothing(world, pipeline, deal):
    services.opportunity_check(actor=world.owner, opportunity=deal, requirement=item("需求已确认"), done=True)
    services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=1)
    assert not GateOutcome.objects.exists()


def test_a_stale_advance_the_gate_would_refuse_is_refused_as_stale_and_records_nothing(world, pipeline, deal):
    """The actor did not try to move the deal as it is now: no refusal is counted against them."""
    with pytest.raises(StaleVersionError):
        services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=7)
    with pytest.raises(StaleVersionError):
        services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=7, override_reason="急")
    with pytest.raises(StaleVersionError):
        services.opportunity_win(actor=world.owner, opportunity=deal, expected_version=7, reason="solution")
    assert not GateOutcome.objects.exists()
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version) == ("确认", 1)


def test_a_stale_advance_through_the_api_records_nothing(world, api_as, pipeline, deal):
    refused = api_as(world.owner).post(f"/opportunities/{deal.pk}/advance", {}, **{"If-Match": '"7"'})
    assert refused.status_code in (409, 412)
    assert not GateOutcome.objects.exists()
