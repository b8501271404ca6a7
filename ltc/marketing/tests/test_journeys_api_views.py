"""Journeys through the API and the pages: create with steps, field errors, versions, activation,
members and history; the step editor and the journey page (with its query budget)."""

from __future__ import annotations

from typing import Any

from ltc.marketing.models.journeys import Journey, JourneyMember, JourneyStatus, JourneyStep, LogAction, MemberState
from ltc.marketing.services import journeys as services
from ltc.marketing.services.touches import Person
from ltc.marketing.tests.email_support import consented_leads, leads_segment, make_campaign, make_template

API = "/marketing/journeys"


def _body(campaign: Any, template: Any, segment: Any) -> dict[str, Any]:
    return {
        "name": "制造业培育",
        "campaign_id": campaign.pk,
        "segment_id": segment.pk,
        "exit_score": 80,
        "steps": [
            {"kind": "email", "template_id": template.pk},
            {"kind": "wait", "wait_hours": 72},
            {"kind": "branch", "branch_on": "opened", "yes_goto": 4, "no_goto": 5},
            {"kind": "hand_to_sales"},
        ],
    }


def test_create_activate_and_follow_members_through_the_api(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    campaign, template = make_campaign(world.marketing), make_template()
    leads = consented_leads(world.marketing, 2)
    segment = leads_segment(world.marketing, leads)
    created = api.post(API, _body(campaign, template, segment))
    assert created.status_code == 201, created.content
    journey = created.json()
    assert (journey["status"], journey["version"], created["ETag"]) == ("draft", 1, '"1"')
    assert [s["kind"] for s in journey["steps"]] == ["email", "wait", "branch", "hand_to_sales"]
    assert journey["steps"][0]["template"] == {"id": template.pk, "name": template.name}
    path = f"{API}/{journey['id']}"
    assert api.post(f"{path}/activate").status_code == 428
    assert api.post(f"{path}/activate", **{"If-Match": '"7"'}).status_code == 412
    activated = api.post(f"{path}/activate", **{"If-Match": '"1"'})
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert activated.json()["counts"] == [{"position": 1, "active": 2, "waiting": 0, "finished": 0, "exited": 0}]
    services.journeys_run()
    members = api.get(f"{path}/members").json()
    assert {(m["lead_id"], m["position"], m["status"]) for m in members["items"]} == {
        (lead.pk, 2, "waiting") for lead in leads
    }
    history = api.get(f"{path}/members/{members['items'][0]['id']}/history").json()
    assert [row["action"] for row in history] == [LogAction.EMAIL_QUEUED, LogAction.WAITING]
    # steps cannot change while active
    refused = api.request("PUT", f"{path}/steps", {"steps": [{"kind": "score"}]}, **{"If-Match": '"2"'})
    assert refused.status_code == 422
    assert list(JourneyStep.objects.filter(journey_id=journey["id"]).values_list("kind", flat=True)) == [
        "email",
        "wait",
        "branch",
        "hand_to_sales",
    ]


def test_bad_steps_are_field_errors_and_nothing_is_created(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    campaign, template = make_campaign(world.marketing), make_template()
    body = _body(campaign, template, leads_segment(world.marketing, []))
    body["steps"] = [{"kind": "email", "template_id": 999_999}, {"kind": "email"}, {"kind": "add_to_campaign"}]
    response = api.post(API, body)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"steps.0.template_id"}
    body["steps"] = [{"kind": "email"}, {"kind": "add_to_campaign"}]
    response = api.post(API, body)
    assert {e["field"] for e in response.json()["errors"]} == {"steps.0.template_id", "steps.1.target_campaign_id"}
    body["campaign_id"] = 999_999
    assert {e["field"] for e in api.post(API, body).json()["errors"]} == {"campaign_id"}
    assert not Journey.objects.exists()


def test_readers_read_but_do_not_change(world: Any, api_as: Any) -> None:
    campaign = make_campaign(world.marketing)
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "只读", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 1}],
    )
    api = api_as(world.executive)
    assert api.get(f"{API}/{journey.pk}").status_code == 200
    assert api.patch(f"{API}/{journey.pk}", {"name": "改"}, **{"If-Match": '"1"'}).status_code == 403
    assert api_as(world.owner).get(f"{API}/{journey.pk}").status_code == 404
    assert Journey.objects.get().name == "只读"


def test_step_editor_saves_steps_in_the_order_given(world: Any, web_as: Any) -> None:
    campaign, template = make_campaign(world.marketing), make_template()
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "编辑", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 1}],
    )
    page = web_as(world.marketing)
    assert page.get(f"/marketing/journeys/{journey.pk}/steps/").status_code == 200
    form = {
        "version": "1",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "1",
        "steps-0-ORDER": "2",
        "steps-0-kind": "wait",
        "steps-0-wait_hours": "48",
        "steps-1-ORDER": "1",
        "steps-1-kind": "email",
        "steps-1-template": str(template.pk),
        "steps-2-ORDER": "",
        "steps-2-kind": "",
    }
    response = page.post(f"/marketing/journeys/{journey.pk}/steps/", form)
    assert response.status_code == 302
    assert list(JourneyStep.objects.filter(journey=journey).values_list("position", "kind", "wait_hours")) == [
        (1, "email", None),
        (2, "wait", 48),
    ]
    # a stale version or an incomplete step changes nothing
    stale = page.post(f"/marketing/journeys/{journey.pk}/steps/", form)
    assert stale.status_code == 422
    form |= {"version": "2", "steps-1-template": ""}
    incomplete = page.post(f"/marketing/journeys/{journey.pk}/steps/", form)
    assert incomplete.status_code == 422
    assert "Choose the e-mail template." in incomplete.content.decode() or "选择邮件模板" in incomplete.content.decode()
    assert JourneyStep.objects.filter(journey=journey).count() == 2
    assert Journey.objects.get().version == 2


def test_journey_page_shows_counts_per_step_within_a_query_budget(
    world: Any, web_as: Any, django_assert_max_num_queries: Any
) -> None:
    campaign = make_campaign(world.marketing)
    leads = consented_leads(world.marketing, 6)
    journey = services.journey_create(
        actor=world.marketing,
        data={"name": "看板", "campaign": campaign, "entry": "touch", "entry_touch_kind": "form"},
        steps=[{"kind": "wait", "wait_hours": 1}, {"kind": "task", "task_title": "回访"}],
    )
    services.journey_activate(actor=world.marketing, journey=journey, expected_version=1)
    services.journey_enrol(journey, [Person(lead_id=lead.pk) for lead in leads])
    services.journeys_run()
    JourneyMember.objects.filter(lead=leads[0]).update(status=MemberState.FINISHED, position=3)
    page = web_as(world.executive)
    with django_assert_max_num_queries(20):
        response = page.get(f"/marketing/journeys/{journey.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '?step=1&amp;status=waiting#journey-members">5</a>' in html
    assert f"/marketing/journeys/{journey.pk}/members/" in html
    # a reader sees no editing actions
    assert "/steps/" not in html
    assert "/activate/" not in html
    with django_assert_max_num_queries(20):
        listing = page.get("/marketing/journeys/")
    assert "看板" in listing.content.decode()
    member = JourneyMember.objects.get(lead=leads[1])
    history = page.get(f"/marketing/journeys/{journey.pk}/members/{member.pk}/")
    assert history.status_code == 200
    assert Journey.objects.get().status == JourneyStatus.ACTIVE
