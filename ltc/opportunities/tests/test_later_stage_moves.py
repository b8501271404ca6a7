"""Moves a later stage makes on a deal (a quote accepted, a contract reviewed or signed) pass the
same gates as a person's move; what the gate holds back becomes a task for the AR."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.models import Activity, TimelineEvent
from ltc.opportunities import services
from ltc.opportunities.models import DecisionReview, Opportunity
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review, stage
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def pipeline(db):
    pipeline = make_pipeline()
    pipeline.quote_accepted_stage = stage(pipeline, "签约")
    pipeline.save(update_fields=["quote_accepted_stage"])
    return pipeline


def _texts(deal):
    return [e.text for e in TimelineEvent.objects.filter(object_id=deal.pk, content_type__model="opportunity")]


def _tasks(deal):
    return list(
        Activity.objects.filter(object_id=deal.pk, content_type__model="opportunity", kind="task").values_list(
            "owner__username", "title"
        )
    )


def _ready(world, deal):
    """Do every checklist item of the test pipeline and name an SR and an FR."""
    sr = UserFactory(username="sr", team=world.east, roles=["sr"])
    fr = UserFactory(username="fr", team=world.east, roles=["fr"])
    deal = services.opportunity_update(
        actor=world.owner, opportunity=deal, data={"sr": sr, "fr": fr}, expected_version=deal.version
    )
    services.opportunity_check(
        actor=world.owner, opportunity=deal, requirement=stage(deal.pipeline, "确认").requirements.get(), done=True
    )
    services.opportunity_activity_log(actor=world.owner, opportunity=deal, kind="visit", title="现场拜访", done=True)
    return Opportunity.objects.get(pk=deal.pk)


def test_an_accepted_quote_does_not_move_a_deal_past_its_gates(world, pipeline):
    deal = make_opportunity(world, pipeline)
    moved = services.opportunity_quote_accepted(
        opportunity=deal, text="李采购 accepted version 1 of quote Q1.", amount=Decimal("880000.00"), currency="CNY"
    )
    assert moved is False
    deal = Opportunity.objects.get(pk=deal.pk)
    assert (deal.stage.name, deal.amount, deal.status) == ("确认", Decimal("880000.00"), "open")
    texts = _texts(deal)
    assert "李采购 accepted version 1 of quote Q1." in texts
    assert (
        "The deal stays in 确认: moving to 签约 still needs 确认: 需求已确认; 方案: 现场拜访; 方案: SR 已指定; "
        "签约: an FR must be named." in texts
    )
    changed = TimelineEvent.objects.get(object_id=deal.pk, content_type__model="opportunity", kind="changed")
    assert changed.changes == [{"field": "amount", "old": "1000000.00", "new": "880000.00"}]
    assert _tasks(deal) == [
        (
            "owner",
            "To move “锦程智能工厂项目” to 签约: 确认: 需求已确认; 方案: 现场拜访; 方案: SR 已指定; "
            "签约: an FR must be named",
        )
    ]


def test_an_accepted_quote_moves_a_ready_deal(world, pipeline):
    deal = _ready(world, make_opportunity(world, pipeline))
    moved = services.opportunity_quote_accepted(
        opportunity=deal, text="accepted", amount=Decimal("880000.00"), currency="CNY"
    )
    deal = Opportunity.objects.get(pk=deal.pk)
    assert moved is True
    assert (deal.stage.name, deal.probability, deal.amount) == ("签约", 90, Decimal("880000.00"))
    assert _tasks(deal) == []


def test_quotes_are_sent_from_the_pipelines_quote_stage(world, pipeline):
    deal = make_opportunity(world, pipeline)
    assert services.missing_to_quote(deal) == []  # no setting: any stage
    pipeline.quote_from_stage = stage(pipeline, "方案")
    pipeline.save(update_fields=["quote_from_stage"])
    deal = Opportunity.objects.get(pk=deal.pk)
    assert services.missing_to_quote(deal) == ["The deal is in 确认: quotes are sent from 方案 on."]
    Opportunity.objects.filter(pk=deal.pk).update(stage=stage(pipeline, "签约"))
    assert services.missing_to_quote(Opportunity.objects.get(pk=deal.pk)) == []


def test_an_authorised_external_review_counts_for_the_gate(world, pipeline):
    requirement = require_review(pipeline, "签约", "ATC")
    grant("review_atc", user=world.manager, up_to="2000000")
    deal = make_opportunity(world, pipeline)
    with pytest.raises(PermissionDenied):
        services.review_record_external(
            actor=world.owner, opportunity=deal, review_type="ATC", decision="go", note="合同 C1 评审"
        )
    assert not DecisionReview.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.review_record_external(
            actor=world.manager, opportunity=deal, review_type="XYZ", decision="go", note="合同 C1 评审"
        )
    assert "review_type" in refused.value.message_dict
    review = services.review_record_external(
        actor=world.manager, opportunity=deal, review_type="ATC", decision="go", note="Through contract C1."
    )
    assert (review.status, review.decision, review.decided_by, review.amount) == (
        "decided",
        "go",
        world.manager,
        Decimal("1000000.00"),
    )
    done = {item.requirement.pk: item.done for item in services.checklist(deal, requirement.stage)}
    assert done[requirement.pk] is True
    assert f"ATC decision: Go (by {world.manager}). Through contract C1." in _texts(deal)


def test_a_signed_contract_wins_a_ready_deal(world, pipeline):
    signed = stage(pipeline, "签约").requirements.create(label="合同已签署", kind="check")
    pipeline.contract_signed_requirement = signed
    pipeline.save(update_fields=["contract_signed_requirement"])
    deal = _ready(world, make_opportunity(world, pipeline))
    won = services.opportunity_contract_signed(
        actor=world.owner,
        opportunity=deal,
        amount=Decimal("905000.00"),
        currency="CNY",
        signed_on=date(2026, 11, 20),
        text="Contract C2026-0001 signed.",
    )
    deal = Opportunity.objects.get(pk=deal.pk)
    assert won is True
    assert (deal.status, deal.stage.name, deal.amount, deal.expected_close_date, deal.close_reason) == (
        "won",
        "赢单",
        Decimal("905000.00"),
        date(2026, 11, 20),
        "other",
    )
    assert deal.checks.filter(requirement=signed).exists()
    assert "Contract C2026-0001 signed." in _texts(deal)
    assert "Confirmed: 合同已签署" in _texts(deal)


def test_a_signed_contract_leaves_a_gated_deal_open_with_a_task(world, pipeline):
    deal = make_opportunity(world, pipeline)
    won = services.opportunity_contract_signed(
        actor=world.owner,
        opportunity=deal,
        amount=Decimal("905000.00"),
        currency="CNY",
        signed_on=date(2026, 11, 20),
        text="Contract C2026-0001 signed.",
    )
    deal = Opportunity.objects.get(pk=deal.pk)
    assert won is False
    assert (deal.status, deal.stage.name, deal.amount) == ("open", "确认", Decimal("905000.00"))
    assert (
        "The deal stays in 确认: winning it still needs 确认: 需求已确认; 方案: 现场拜访; 方案: SR 已指定."
        in _texts(deal)
    )
    assert _tasks(deal) == [("owner", "To win “锦程智能工厂项目”: 确认: 需求已确认; 方案: 现场拜访; 方案: SR 已指定")]


def test_a_pipeline_names_only_its_own_stages_and_items(world, pipeline):
    other = make_pipeline("产品销售")
    pipeline.quote_from_stage = stage(other, "方案")
    pipeline.contract_signed_requirement = stage(other, "确认").requirements.get()
    with pytest.raises(ValidationError) as refused:
        pipeline.clean()
    assert refused.value.message_dict == {
        "quote_from_stage": ["Choose a stage of this pipeline."],
        "contract_signed_requirement": ["Choose a checklist item of this pipeline."],
    }
    pipeline.quote_from_stage = stage(pipeline, "方案")
    pipeline.contract_signed_requirement = stage(pipeline, "确认").requirements.get()
    pipeline.clean()
