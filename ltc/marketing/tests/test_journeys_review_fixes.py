"""Review fixes on nurture journeys: a loop without a wait is refused (and one saved before is
held to one e-mail per run), entry codes are shown as labels, and the member lists and pages show
people only to those who may read their lead or contact (the others are counted)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from ltc.customers.tests.factories import ContactFactory
from ltc.marketing.models.email import EmailMessage
from ltc.marketing.models.journeys import Journey, JourneyEntry, JourneyMember, JourneyStep, MemberState, StepKind
from ltc.marketing.services import journeys as services
from ltc.marketing.services import mailing
from ltc.marketing.services.touches import Person
from ltc.marketing.tests.email_support import (  # noqa: F401 - smtp_sink is a fixture
    consented_leads,
    leads_segment,
    make_campaign,
    make_template,
    smtp_sink,
)
from ltc.org.tests.factories import UserFactory

API = "/marketing/journeys"


def _loop(template: Any) -> list[dict[str, Any]]:
    """The review's repro: an e-mail, then a branch that always holds, going back to the e-mail."""
    return [
        {"kind": StepKind.EMAIL, "template": template},
        {"kind": StepKind.BRANCH, "branch_on": "score", "branch_score": 0, "yes_goto": 1, "no_goto": 1},
    ]


def test_a_loop_without_a_wait_is_refused_with_a_field_error(world: Any) -> None:
    campaign, template = make_campaign(world.marketing), make_template()
    data = {"name": "循环", "campaign": campaign, "entry": JourneyEntry.TOUCH, "entry_touch_kind": "form"}
    with pytest.raises(ValidationError) as refused:
        services.journey_create(actor=world.marketing, data=data, steps=_loop(template))
    assert set(refused.value.message_dict) == {"steps.1.yes_goto", "steps.1.no_goto"}
    assert not Journey.objects.exists()
    # a loop through another branch, without a wait, is a loop too: only its jump back is named
    with pytest.raises(ValidationError) as nested:
        services.journey_create(
            actor=world.marketing,
            data=data,
            steps=[
                {"kind": StepKind.EMAIL, "template": template},
                {"kind": StepKind.BRANCH, "branch_on": "opened", "yes_goto": 3, "no_goto": 3},
                {"kind": StepKind.BRANCH, "branch_on": "score", "branch_score": 50, "yes_goto": 1},
                {"kind": StepKind.WAIT, "wait_hours": 24},
            ],
        )
    assert set(nested.value.message_dict) == {"steps.2.yes_goto"}
    # a loop with a wait in it is a fine nurture cadence
    journey = services.journey_create(
        actor=world.marketing,
        data=data,
        steps=[
            {"kind": StepKind.EMAIL, "template": template},
            {"kind": StepKind.WAIT, "wait_hours": 24},
            {"kind": StepKind.BRANCH, "branch_on": "score", "branch_score": 90, "yes_goto": 4, "no_goto": 1},
            {"kind": StepKind.HAND_TO_SALES},
        ],
    )
    assert journey.steps.count() == 4


def test_the_api_and_the_step_editor_name_the_jump_back(world: Any, api_as: Any, web_as: Any) -> None:
    campaign, template = make_campaign(world.marketing), make_template()
    body = {
        "name": "循环",
        "campaign_id": campaign.pk,
        "entry": "touch",
        "entry_touch_kind": "form",
        "steps": [
            {"kind": "email", "template_id": template.pk},
            {"kind": "branch", "branch_on": "score", "branch_score": 0, "yes_goto": 1, "no_goto": 1},
        ],
    }
    response = api_as(world.marketing).post(API, body)
    assert response.status_code == 422, response.content
    assert {e["field"] for e in response.json()["errors"]} == {"steps.1.yes_goto", "steps.1.no_goto"}
    assert not Journey.objects.exists()
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "编辑", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 1}],
    )
    form = {
        "version": journey.version,
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-ORDER": "1",
        "steps-0-kind": "email",
        "steps-0-template": str(template.pk),
        "steps-1-ORDER": "2",
        "steps-1-kind": "branch",
        "steps-1-branch_on": "score",
        "steps-1-branch_score": "0",
        "steps-1-yes_goto": "1",
        "steps-1-no_goto": "1",
    }
    page = web_as(world.marketing)
    with override("en"):
        answer = page.post(f"/marketing/journeys/{journey.pk}/steps/", form)
    assert answer.status_code == 422
    assert "makes a loop without a wait step" in answer.content.decode()
    assert list(JourneyStep.objects.filter(journey=journey).values_list("kind", flat=True)) == ["wait"]


def test_a_loop_saved_before_sends_at_most_one_email_per_run(world: Any, smtp_sink: Any) -> None:  # noqa: F811
    # given an active journey whose steps became the review's loop (saved before loops were refused)
    leads = consented_leads(world.marketing, 1)
    template = make_template()
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "旧循环", "campaign": make_campaign(world.marketing), "entry": JourneyEntry.SEGMENT}
        | {"segment": leads_segment(world.marketing, leads)},
        steps=[
            {"kind": StepKind.EMAIL, "template": template},
            {"kind": StepKind.BRANCH, "branch_on": "score", "branch_score": 0, "yes_goto": 3, "no_goto": 3},
        ],
    )
    services.journey_activate(actor=world.marketing, journey=journey, expected_version=journey.version)
    JourneyStep.objects.filter(journey=journey, position=2).update(yes_goto=1, no_goto=1)
    start = timezone.now()
    # when the engine runs twice at once, and again an hour later
    services.journeys_run(start)
    services.journeys_run(start)
    services.journeys_run(start + timedelta(hours=1))
    # then the member got one e-mail and goes on no sooner than a day later
    assert EmailMessage.objects.count() == 1
    assert mailing.email_deliver() == 1
    assert len(smtp_sink.received) == 1
    member = JourneyMember.objects.get()
    assert member.status == MemberState.ACTIVE
    assert member.next_run_at is not None
    assert member.next_run_at >= start + timedelta(days=1)
    # a day later: one more e-mail, not ten
    services.journeys_run(start + timedelta(days=1, minutes=1))
    assert EmailMessage.objects.count() == 2


def test_a_draft_holding_a_loop_cannot_be_activated(world: Any) -> None:
    template = make_template()
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "草稿", "campaign": make_campaign(world.marketing), "entry": "touch", "entry_touch_kind": "form"},
        steps=[
            {"kind": StepKind.EMAIL, "template": template},
            {"kind": StepKind.BRANCH, "branch_on": "score", "branch_score": 0, "yes_goto": 3, "no_goto": 3},
        ],
    )
    JourneyStep.objects.filter(journey=journey, position=2).update(yes_goto=1)
    with pytest.raises(ValidationError) as refused:
        services.journey_activate(actor=world.marketing, journey=journey, expected_version=journey.version)
    assert set(refused.value.message_dict) == {"steps.1.yes_goto"}
    journey.refresh_from_db()
    assert journey.status == "draft"


def test_the_journey_page_shows_entry_labels_not_codes(world: Any, web_as: Any) -> None:
    campaign = make_campaign(world.marketing)
    by_source = services.journey_create(
        actor=world.marketing,
        data={"name": "来源", "campaign": campaign, "entry": "lead_created", "entry_lead_source": "event"},
        steps=[{"kind": "wait", "wait_hours": 1}],
    )
    by_touch = services.journey_create(
        actor=world.marketing,
        data={"name": "响应", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 1}],
    )
    page = web_as(world.marketing)  # an English-speaking user
    source_html = page.get(f"/marketing/journeys/{by_source.pk}/").content.decode()
    touch_html = page.get(f"/marketing/journeys/{by_touch.pk}/").content.decode()
    assert "(Trade show / event )" in source_html
    assert "(event " not in source_html
    assert "(Form submitted)" in touch_html
    assert "(form)" not in touch_html


def _north_manager(world: Any) -> Any:
    manager = UserFactory(username="north_manager", team=world.north, roles=["sales_manager"])
    world.north.manager = manager
    world.north.save(update_fields=["manager"])
    return manager


def _journey_with_people(world: Any) -> tuple[Journey, list[Any], Any]:
    """An active journey with two leads of the East team's owner and one contact of its account."""
    campaign = make_campaign(world.marketing)
    leads = consented_leads(world.owner, 2)
    contact = ContactFactory(account=world.account, name="王经理", email="wang@jincheng.example")
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "可见性", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 24}],
    )
    services.journey_activate(actor=world.marketing, journey=journey, expected_version=journey.version)
    services.journey_enrol(journey, [*(Person(lead_id=lead.pk) for lead in leads), Person(contact_id=contact.pk)])
    return journey, leads, contact


def test_a_manager_of_another_team_sees_counts_not_people(world: Any, web_as: Any, api_as: Any) -> None:
    journey, leads, contact = _journey_with_people(world)
    north = _north_manager(world)
    members = {m.lead_id or m.contact_id: m for m in JourneyMember.objects.filter(journey=journey)}
    # the API lists nobody and counts three
    api = api_as(north)
    listing = api.get(f"{API}/{journey.pk}/members").json()
    assert listing["items"] == []
    assert listing["not_shown"] == 3
    assert api.get(f"{API}/{journey.pk}/members/{members[leads[0].pk].pk}/history").status_code == 404
    # the page names nobody, counts three, links to no member page
    page = web_as(north)
    with override("en"):
        html = page.get(f"/marketing/journeys/{journey.pk}/").content.decode()
    for name in (leads[0].contact_name, leads[1].contact_name, "王经理", leads[0].email):
        assert name not in html
    assert "Members not shown: 3 " in html
    assert f"/marketing/journeys/{journey.pk}/members/" not in html
    for member in members.values():
        assert page.get(f"/marketing/journeys/{journey.pk}/members/{member.pk}/").status_code == 404
    # the counts per step still count everyone
    assert api.get(f"{API}/{journey.pk}").json()["counts"][0]["active"] == 3


def test_the_teams_manager_sees_the_people_and_a_partial_view_counts_the_rest(
    world: Any, web_as: Any, api_as: Any
) -> None:
    journey, leads, contact = _journey_with_people(world)
    north = _north_manager(world)
    elsewhere = consented_leads(north, 1, prefix="n")[0]
    services.journey_enrol(journey, [Person(lead_id=elsewhere.pk)])
    # the East manager sees the East leads and the contact of the East account, not the North lead
    listing = api_as(world.manager).get(f"{API}/{journey.pk}/members").json()
    assert {(m["lead_id"], m["contact_id"]) for m in listing["items"]} == {
        (leads[0].pk, None),
        (leads[1].pk, None),
        (None, contact.pk),
    }
    assert listing["not_shown"] == 1
    assert listing["total"] == 3
    page = web_as(world.manager)
    with override("en"):
        html = page.get(f"/marketing/journeys/{journey.pk}/").content.decode()
    assert "王经理" in html
    assert elsewhere.contact_name not in html
    assert "Members not shown: 1 " in html
    hidden = JourneyMember.objects.get(lead=elsewhere)
    assert page.get(f"/marketing/journeys/{journey.pk}/members/{hidden.pk}/").status_code == 404
    shown = JourneyMember.objects.get(contact=contact)
    assert page.get(f"/marketing/journeys/{journey.pk}/members/{shown.pk}/").status_code == 200
    # the executive sees everyone: nothing is counted as not shown
    everyone = api_as(world.executive).get(f"{API}/{journey.pk}/members").json()
    assert (len(everyone["items"]), everyone["not_shown"]) == (4, 0)
    with override("en"):
        assert "not shown" not in web_as(world.executive).get(f"/marketing/journeys/{journey.pk}/").content.decode()


# --- walk findings 5 and 7: the waiting label, members past the last step -------------------------


def test_journey_states_have_their_own_labels_not_the_quote_approval_ones() -> None:
    from ltc.quotes.choices import ApprovalStatus  # noqa: PLC0415 - only to compare the shared word

    with override("zh-hans"):
        waiting = str(MemberState.WAITING.label)
        assert waiting == "等待中"
        assert waiting != "待审批"
        assert str(ApprovalStatus.PENDING.label) == "待审批"  # the quotes keep theirs
        assert str(MemberState.FINISHED.label) == "已完成"


def test_the_step_table_has_a_row_for_members_past_the_last_step(world: Any, web_as: Any) -> None:
    journey, leads, _contact = _journey_with_people(world)
    JourneyMember.objects.filter(journey=journey, lead_id=leads[0].pk).update(position=2, status=MemberState.FINISHED)
    html = web_as(world.marketing).get(f"/marketing/journeys/{journey.pk}/").content.decode()
    end_row = html.split('id="journey-step-end"')[1].split("</tr>")[0]
    assert "End of the journey" in end_row
    assert f'?step=2&amp;status={MemberState.FINISHED}#journey-members">1</a>' in end_row
    listed = web_as(world.marketing).get(f"/marketing/journeys/{journey.pk}/?step=2&status=finished").content.decode()
    assert str(leads[0]) in listed.split('id="journey-members"')[1]
