from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.leads import services as lead_services
from ltc.opportunities import services
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def team(world):
    sr = UserFactory(username="sr", team=world.east, roles=["sr"])
    fr = UserFactory(username="fr", team=world.north, roles=["fr"])
    return sr, fr


def _events(deal):
    return [e.text for e in TimelineEvent.objects.filter(object_id=deal.pk).order_by("id")]


def test_create_enters_the_first_stage_with_its_probability(world, pipeline):
    deal = services.opportunity_create(
        actor=world.owner, data={"name": "新项目", "account": world.account, "pipeline": pipeline}
    )
    assert (deal.stage.name, deal.probability, deal.owner, deal.status) == ("确认", 10, world.owner, "open")
    assert TimelineEvent.objects.filter(object_id=deal.pk, kind="created").exists()


def test_create_may_enter_at_any_open_stage_but_not_a_closing_one(world, pipeline):
    deal = services.opportunity_create(
        actor=world.owner,
        data={"name": "中途进入", "account": world.account, "pipeline": pipeline, "stage": stage(pipeline, "方案")},
    )
    assert deal.probability == 40
    with pytest.raises(ValidationError) as refused:
        services.opportunity_create(
            actor=world.owner,
            data={"name": "x", "account": world.account, "pipeline": pipeline, "stage": stage(pipeline, "赢单")},
        )
    assert "stage" in refused.value.message_dict


def test_create_refuses_bad_input_and_changes_nothing(world, pipeline, team):
    sr, fr = team
    cases = [
        ({"amount": Decimal("-1")}, "amount"),
        ({"sr": fr}, "sr"),  # holds the FR role, not SR
        ({"stage": stage(pipeline, "签约")}, "fr"),  # the stage needs an FR
        ({"name": ""}, "name"),
    ]
    for extra, field in cases:
        data = {"name": "项目", "account": world.account, "pipeline": pipeline, **extra}
        with pytest.raises(ValidationError) as refused:
            services.opportunity_create(actor=world.owner, data=data)
        assert field in refused.value.message_dict, extra
    with pytest.raises(PermissionDenied):
        services.opportunity_create(
            actor=world.finance, data={"name": "x", "account": world.account, "pipeline": pipeline}
        )
    assert not Opportunity.objects.exists()


def test_advance_refuses_with_the_missing_items_then_passes_when_done(world, pipeline, team):
    sr, _fr = team
    deal = make_opportunity(world, pipeline)
    with pytest.raises(ValidationError) as refused:
        services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert "需求已确认" in str(refused.value)
    deal.refresh_from_db()
    assert deal.stage.name == "确认"
    requirement = stage(pipeline, "确认").requirements.get()
    services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert (deal.stage.name, deal.probability) == ("方案", 40)
    # Skipping ahead passes every gate on the way: the visit and the SR of 方案, the FR of 签约.
    with pytest.raises(ValidationError) as refused:
        services.opportunity_advance(
            actor=world.owner, opportunity=deal, expected_version=deal.version, to_stage=stage(pipeline, "签约")
        )
    message = str(refused.value)
    assert "现场拜访" in message
    assert "SR 已指定" in message
    assert "FR" in message


def test_activity_and_field_items_follow_the_deal(world, pipeline, team):
    sr, fr = team
    deal = make_opportunity(world, pipeline, stage=stage(pipeline, "方案"))
    assert [i.done for i in services.checklist(deal)] == [False, False]
    services.opportunity_activity_log(actor=world.owner, opportunity=deal, kind="visit", title="拜访", done=True)
    services.opportunity_update(actor=world.owner, opportunity=deal, data={"sr": sr, "fr": fr}, expected_version=1)
    assert [i.done for i in services.checklist(deal)] == [True, True]
    services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert deal.stage.name == "签约"


def test_only_a_manager_above_the_ar_overrides_a_gate_and_the_reason_is_kept(world, pipeline):
    deal = make_opportunity(world, pipeline)
    with pytest.raises(PermissionDenied):
        services.opportunity_advance(
            actor=world.owner, opportunity=deal, expected_version=1, override_reason="客户很急"
        )
    services.opportunity_advance(actor=world.manager, opportunity=deal, expected_version=1, override_reason="客户很急")
    assert deal.stage.name == "方案"
    assert any("客户很急" in text and "需求已确认" in text for text in _events(deal))


def test_moving_back_needs_no_gate_and_stale_moves_are_refused(world, pipeline):
    deal = make_opportunity(world, pipeline, stage=stage(pipeline, "方案"))
    stale = Opportunity.objects.get(pk=deal.pk)  # read by someone else before the first move
    services.opportunity_advance(
        actor=world.owner, opportunity=deal, expected_version=1, to_stage=stage(pipeline, "确认")
    )
    assert deal.version == 2
    with pytest.raises(StaleVersionError):
        services.opportunity_advance(
            actor=world.manager, opportunity=stale, expected_version=1, to_stage=stage(pipeline, "确认")
        )
    fresh = Opportunity.objects.get(pk=deal.pk)
    assert (fresh.stage.name, fresh.version) == ("确认", 2)


def test_win_passes_the_remaining_gates_lose_needs_a_reason_and_reopen_restores(world, pipeline, team):
    sr, fr = team
    deal = make_opportunity(world, pipeline, stage=stage(pipeline, "签约"), fr=fr)
    won = services.opportunity_win(actor=world.owner, opportunity=deal, expected_version=1, reason="solution")
    assert (won.status, won.stage.name, won.probability, won.forecast_category) == ("won", "赢单", 100, "closed")
    with pytest.raises(ValidationError):
        services.opportunity_advance(actor=world.owner, opportunity=won, expected_version=won.version)
    services.opportunity_reopen(actor=world.owner, opportunity=won, expected_version=won.version)
    assert (won.status, won.stage.name, won.probability) == ("open", "签约", 90)
    with pytest.raises(ValidationError) as refused:
        services.opportunity_lose(actor=world.owner, opportunity=won, expected_version=won.version, reason="competitor")
    assert "competitor" in refused.value.message_dict
    lost = services.opportunity_lose(
        actor=world.owner, opportunity=won, expected_version=won.version, reason="competitor", competitor="对手甲"
    )
    assert (lost.status, lost.lost_to, lost.probability) == ("lost", "对手甲", 0)


def test_win_from_an_early_stage_is_gated(world, pipeline):
    deal = make_opportunity(world, pipeline)
    with pytest.raises(ValidationError):
        services.opportunity_win(actor=world.owner, opportunity=deal, expected_version=1, reason="price")
    assert Opportunity.objects.get(pk=deal.pk).status == "open"


def test_members_work_the_deal_but_only_the_ar_side_steers_it(world, pipeline, team):
    sr, fr = team
    deal = make_opportunity(world, pipeline, sr=sr)
    requirement = stage(pipeline, "确认").requirements.get()
    services.opportunity_check(actor=sr, opportunity=deal, requirement=requirement, done=True)
    with pytest.raises(PermissionDenied):
        services.opportunity_advance(actor=sr, opportunity=deal, expected_version=deal.version)
    with pytest.raises(PermissionDenied):
        services.opportunity_check(actor=world.teammate, opportunity=deal, requirement=requirement, done=False)
    with pytest.raises(PermissionDenied):
        services.opportunity_update(actor=world.other, opportunity=deal, data={"name": "x"}, expected_version=1)


def test_converting_a_qualified_lead_opens_a_deal_at_the_chosen_stage(world, pipeline):
    lead = world.lead
    lead.budget_amount, lead.need, lead.campaign = Decimal("800000.00"), "产线数字化", "2026 展会"
    lead.save()
    lead = lead_services.lead_qualify(actor=world.manager, lead=lead, override_reason="老客户推荐")
    deal = services.opportunity_from_lead(
        actor=world.owner, lead=lead, pipeline=pipeline, stage=stage(pipeline, "方案")
    )
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert (deal.account, deal.source_lead, deal.amount, deal.stage.name) == (
        lead.account,
        lead,
        Decimal("800000.00"),
        "方案",
    )
    assert deal.campaign == "2026 展会"
    assert "产线数字化" in deal.name
    with pytest.raises(ValidationError):  # converted once only
        services.opportunity_from_lead(actor=world.owner, lead=lead, pipeline=pipeline)


def test_the_account_cannot_change_under_contacts_of_the_old_one(world, pipeline):
    from ltc.customers.tests.factories import AccountFactory, ContactFactory

    contact = ContactFactory(account=world.account)
    deal = make_opportunity(world, pipeline)
    deal.contacts.set([contact])
    other_account = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError) as refused:
        services.opportunity_update(
            actor=world.owner, opportunity=deal, data={"account": other_account}, expected_version=1
        )
    assert "account" in refused.value.message_dict
    moved = services.opportunity_update(
        actor=world.owner,
        opportunity=Opportunity.objects.get(pk=deal.pk),
        data={"account": other_account, "contacts": []},
        expected_version=1,
    )
    assert moved.account == other_account
