"""Nurture journeys: the engine (restart safety, branches, hand to sales, exits), entry from
segments and events, and the editing rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ltc.core.models import Activity
from ltc.leads.choices import LeadStatus
from ltc.leads.models import AssignmentRule, Lead
from ltc.leads.services.capture import lead_create
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import CampaignMember, TouchKind
from ltc.marketing.models.email import EmailMessage
from ltc.marketing.models.journeys import (
    Journey,
    JourneyEntry,
    JourneyMember,
    JourneyMemberLog,
    JourneyStatus,
    LogAction,
    MemberState,
    StepKind,
)
from ltc.marketing.services import journeys as services
from ltc.marketing.services import mailing
from ltc.marketing.services.consent import consent_record
from ltc.marketing.services.touches import TouchIn, touches_record
from ltc.marketing.tests.email_support import (  # noqa: F401 - smtp_sink is a fixture
    consented_leads,
    leads_segment,
    make_campaign,
    make_template,
    smtp_sink,
)


def _journey(actor: Any, campaign: Any, steps: list[dict[str, Any]], **fields: Any) -> Journey:
    data = {"name": "培育", "campaign": campaign, "entry": JourneyEntry.SEGMENT} | fields
    journey = services.journey_create(actor=actor, data=data, steps=steps)
    return services.journey_activate(actor=actor, journey=journey, expected_version=journey.version)


def _actions(lead: Lead) -> list[str]:
    return list(
        JourneyMemberLog.objects.filter(member__lead=lead).order_by("at", "pk").values_list("action", flat=True)
    )


class Crash(BaseException):
    """A worker killed outright (not an error a step may catch)."""


def test_a_restart_mid_run_sends_nothing_twice(world: Any, smtp_sink: Any, monkeypatch: Any) -> None:  # noqa: F811
    # given five consented leads on a segment journey: e-mail, then wait a day
    leads = consented_leads(world.marketing, 5)
    campaign = make_campaign(world.marketing)
    template = make_template()
    segment = leads_segment(world.marketing, leads)
    _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.EMAIL, "template": template}, {"kind": StepKind.WAIT, "wait_hours": 24}],
        segment=segment,
    )
    assert JourneyMember.objects.filter(status=MemberState.ACTIVE).count() == 5
    # when the run is killed after its first chunk of two, and again in the middle of a member
    # (the e-mail queued, the member not yet moved)
    monkeypatch.setattr(services, "CHUNK", 2)
    calls = {"progress": 0, "queue": 0}

    def die_after_first_chunk() -> None:
        calls["progress"] += 1
        raise Crash

    with pytest.raises(Crash):
        services.journeys_run(progress=die_after_first_chunk)
    assert EmailMessage.objects.count() == 2
    real_queue = mailing.email_queue

    def queue_then_die(**kwargs: Any) -> Any:
        real_queue(**kwargs)
        calls["queue"] += 1
        raise Crash

    monkeypatch.setattr(mailing, "email_queue", queue_then_die)
    with pytest.raises(Crash):
        services.journeys_run()
    assert calls["queue"] == 1
    assert EmailMessage.objects.count() == 2  # the killed member's message went with its savepoint
    monkeypatch.setattr(mailing, "email_queue", real_queue)
    result = services.journeys_run()
    again = services.journeys_run()
    # then each lead got exactly one e-mail, over SMTP, and waits at step 2
    assert result.advanced == 3
    assert again.advanced == 0
    assert mailing.email_deliver() == 5
    received = sorted(str(message["To"]) for message in smtp_sink.received)
    assert received == sorted(f"李{i} <p{i}@customer.example>" for i in range(5)) or received == sorted(
        lead.email for lead in leads
    )
    assert len(smtp_sink.received) == 5
    assert set(JourneyMember.objects.values_list("position", "status")) == {(2, MemberState.WAITING)}
    for lead in leads:
        assert _actions(lead) == [LogAction.EMAIL_QUEUED, LogAction.WAITING]


def test_branch_on_opened_the_previous_email(world: Any, smtp_sink: Any) -> None:  # noqa: F811
    # given two leads: e-mail, wait a day, then "opened?" yes → hand to sales, no → the end
    leads = consented_leads(world.marketing, 2)
    opener, silent = leads
    campaign = make_campaign(world.marketing)
    template = make_template()
    journey = _journey(
        world.marketing,
        campaign,
        [
            {"kind": StepKind.EMAIL, "template": template},
            {"kind": StepKind.WAIT, "wait_hours": 24},
            {"kind": StepKind.BRANCH, "branch_on": "opened", "yes_goto": 4, "no_goto": 5},
            {"kind": StepKind.TASK, "task_title": "电话跟进白皮书"},
        ],
        segment=leads_segment(world.marketing, leads),
    )
    start = timezone.now()
    services.journeys_run(start)
    mailing.email_deliver()
    sent = EmailMessage.objects.get(lead=opener)
    # when the first lead opens the e-mail, and the day has passed
    assert mailing.email_opened(token=sent.token)
    services.journeys_run(start + timedelta(hours=25))
    # then the opener took the yes branch (a task for its owner), the other finished without one
    assert _actions(opener) == [
        LogAction.EMAIL_QUEUED,
        LogAction.WAITING,
        LogAction.BRANCH_YES,
        LogAction.TASK_CREATED,
        LogAction.FINISHED,
    ]
    assert _actions(silent) == [LogAction.EMAIL_QUEUED, LogAction.WAITING, LogAction.BRANCH_NO, LogAction.FINISHED]
    tasks = Activity.objects.filter(title="电话跟进白皮书")
    assert [(task.object_id, task.owner_id) for task in tasks] == [(opener.pk, world.marketing.pk)]
    assert services.step_counts(journey) == {5: {MemberState.FINISHED: 2}}


def test_hand_to_sales_routes_the_lead(world: Any) -> None:
    # given a routing rule and a journey that starts when someone fills a form of the campaign
    AssignmentRule.objects.create(order=1, name="东区", region="east", assign_user=world.teammate)
    campaign = make_campaign(world.marketing)
    _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.HAND_TO_SALES}],
        entry=JourneyEntry.TOUCH,
        entry_touch_kind=TouchKind.FORM,
    )
    lead = LeadFactory(owner=None, region="east")
    # when the lead fills the form (a touch) and the journeys run
    touches_record([TouchIn(campaign_id=campaign.pk, kind=TouchKind.FORM, key="form:1", lead_id=lead.pk)])
    member = JourneyMember.objects.get(lead=lead)
    assert (member.position, member.status) == (1, MemberState.ACTIVE)
    services.journeys_run()
    # then the rules routed it to the teammate, who has a follow-up task
    lead.refresh_from_db()
    assert lead.owner_id == world.teammate.pk
    assert _actions(lead) == [LogAction.HANDED_TO_SALES, LogAction.FINISHED]
    task = Activity.objects.get(object_id=lead.pk, kind="task")
    assert task.owner_id == world.teammate.pk
    assert "培育" in task.title


def test_hand_to_sales_without_a_matching_rule_leaves_the_lead_in_the_pool(world: Any) -> None:
    campaign = make_campaign(world.marketing)
    journey = _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.HAND_TO_SALES}],
        entry=JourneyEntry.TOUCH,
        entry_touch_kind=TouchKind.FORM,
    )
    lead = LeadFactory(owner=None, region="north")
    services.journey_enrol(journey, [services.Person(lead_id=lead.pk)])
    services.journeys_run()
    lead.refresh_from_db()
    assert lead.owner_id is None
    log = JourneyMemberLog.objects.get(member__lead=lead, action=LogAction.HANDED_TO_SALES)
    assert "pool" in log.result or "线索池" in log.result
    assert not Activity.objects.filter(object_id=lead.pk).exists()


def test_a_lead_created_with_the_source_and_code_enters(world: Any) -> None:
    campaign = make_campaign(world.marketing)
    journey = _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.WAIT, "wait_hours": 2}],
        entry=JourneyEntry.LEAD_CREATED,
        entry_lead_source="campaign",
        entry_lead_campaign="nurture-test",
    )
    data = {"source": "campaign", "company_name": "培育科技", "contact_name": "王五", "region": "east"}
    entering = lead_create(actor=world.marketing, data=data | {"campaign": "nurture-test"}, route=False)
    other = lead_create(actor=world.marketing, data=data | {"campaign": "other"}, route=False)
    assert list(JourneyMember.objects.filter(journey=journey).values_list("lead_id", flat=True)) == [entering.pk]
    assert not JourneyMember.objects.filter(lead=other).exists()
    assert CampaignMember.objects.filter(campaign=campaign, lead=entering).exists()


def test_exit_criteria_take_members_off(world: Any) -> None:
    campaign = make_campaign(world.marketing)
    qualified, unsubscribed, scored, staying = consented_leads(world.marketing, 4)
    journey = _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.WAIT, "wait_hours": 1}, {"kind": StepKind.TASK, "task_title": "回访"}],
        segment=leads_segment(world.marketing, [qualified, unsubscribed, scored, staying]),
        exit_score=80,
    )
    start = timezone.now()
    services.journeys_run(start)
    Lead.objects.filter(pk=qualified.pk).update(status=LeadStatus.QUALIFIED)
    Lead.objects.filter(pk=scored.pk).update(score=85)
    consent_record(address=unsubscribed.email, state="withdrawn", source="退订链接")
    services.journeys_run(start + timedelta(hours=2))
    members = {m.lead_id: m for m in JourneyMember.objects.filter(journey=journey)}
    assert {pk: (m.status, m.exit_reason) for pk, m in members.items()} == {
        qualified.pk: (MemberState.EXITED, "qualified"),
        unsubscribed.pk: (MemberState.EXITED, "unsubscribed"),
        scored.pk: (MemberState.EXITED, "score"),
        staying.pk: (MemberState.FINISHED, ""),
    }
    assert list(Activity.objects.filter(title="回访").values_list("object_id", flat=True)) == [staying.pk]


def test_a_paused_journey_moves_nobody(world: Any) -> None:
    campaign = make_campaign(world.marketing)
    leads = consented_leads(world.marketing, 1)
    journey = _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.TASK, "task_title": "回访"}],
        segment=leads_segment(world.marketing, leads),
    )
    journey = services.journey_pause(actor=world.marketing, journey=journey, expected_version=journey.version)
    assert services.journeys_run().advanced == 0
    assert JourneyMember.objects.get().status == MemberState.ACTIVE
    services.journey_activate(actor=world.marketing, journey=journey, expected_version=journey.version)
    assert services.journeys_run().advanced == 1


def test_steps_are_validated_field_by_field_and_nothing_is_saved(world: Any) -> None:
    campaign = make_campaign(world.marketing)
    with pytest.raises(ValidationError) as refused:
        services.journey_create(
            actor=world.marketing,
            data={"name": "坏旅程", "campaign": campaign, "entry": JourneyEntry.TOUCH, "entry_touch_kind": "form"},
            steps=[
                {"kind": StepKind.EMAIL},
                {"kind": StepKind.BRANCH, "branch_on": "field", "yes_goto": 9},
                {"kind": StepKind.WAIT},
            ],
        )
    assert set(refused.value.message_dict) == {
        "steps.0.template",
        "steps.1.branch_field",
        "steps.1.branch_value",
        "steps.1.yes_goto",
        "steps.2.wait_hours",
    }
    assert not Journey.objects.exists()


def test_only_marketing_and_admins_change_journeys(world: Any) -> None:
    from django.core.exceptions import PermissionDenied

    campaign = make_campaign(world.marketing)
    for user in (world.manager, world.executive, world.owner):
        with pytest.raises(PermissionDenied):
            services.journey_create(
                actor=user, data={"name": "x", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"}
            )
    assert not Journey.objects.exists()


def test_steps_change_only_while_paused_or_draft(world: Any) -> None:
    campaign = make_campaign(world.marketing)
    journey = _journey(
        world.marketing,
        campaign,
        [{"kind": StepKind.WAIT, "wait_hours": 1}],
        entry=JourneyEntry.TOUCH,
        entry_touch_kind="form",
    )
    with pytest.raises(ValidationError):
        services.journey_steps_set(
            actor=world.marketing, journey=journey, steps=[{"kind": StepKind.SCORE}], expected_version=journey.version
        )
    assert list(journey.steps.values_list("kind", flat=True)) == [StepKind.WAIT]
    assert Journey.objects.get().status == JourneyStatus.ACTIVE
