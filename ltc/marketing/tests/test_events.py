"""Events: the public registration page, leads created or matched, touches, check-in, walk-ins,
and the events API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.leads.models import Lead
from ltc.leads.services.webforms import RATE_LIMIT
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import CampaignKind, CampaignMember, Consent, MemberStatus, Touch, TouchKind
from ltc.marketing.models.campaigns import MEMBER_STATUS_RANK
from ltc.marketing.models.events import MarketingEvent, Registration, RegistrationStatus
from ltc.marketing.services import events as services
from ltc.marketing.tests.events_factories import make_event, show_campaign

pytestmark = pytest.mark.django_db

PERSON = {"name": "王芳", "company": "苏州精工机械", "title": "采购经理", "mobile": "138 0013 8000", "email": ""}


def test_public_registration_creates_a_lead_a_registration_and_a_touch(world: Any, client: Any) -> None:
    event = make_event(world.marketing)
    response = client.post(f"/marketing/e/{event.key}/", {**PERSON, "consent": "on", "email": "wf@jinggong.cn"})
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/e/{event.key}/thanks/"
    registration = Registration.objects.get(event=event)
    assert (registration.name, registration.mobile, registration.mobile_digits) == (
        "王芳",
        "13800138000",
        "13800138000",
    )
    assert registration.status == RegistrationStatus.REGISTERED
    lead = registration.lead
    assert lead is not None
    assert (lead.source, lead.campaign, lead.contact_name, lead.company_name) == (
        "event",
        "EXPO-2026",
        "王芳",
        "苏州精工机械",
    )
    touch = Touch.objects.get(key__startswith="event:")
    assert (touch.kind, touch.key, touch.lead_id) == (
        TouchKind.REGISTRATION,
        f"event:{event.pk}:reg:{registration.pk}",
        lead.pk,
    )
    # The registration is the lead's only response: no generic "lead created" touch beside it.
    assert list(Touch.objects.filter(lead=lead).values_list("key", flat=True)) == [touch.key]
    member = CampaignMember.objects.get(campaign=event.campaign, lead=lead)
    assert member.status == MemberStatus.REGISTERED
    assert Consent.objects.get(address="wf@jinggong.cn").state == "granted"
    lead.refresh_from_db()
    line = next(d for d in lead.engagement_details if d["kind"] == "registration")
    assert (line["count"], line["points"]) == (1, 8.0)  # one fresh registration
    assert lead.engagement == 8


def test_a_known_mobile_matches_the_existing_lead_and_registering_twice_gives_the_first(
    world: Any, client: Any
) -> None:
    existing = LeadFactory(mobile="13800138000", mobile_key="13800138000", contact_name="王芳")
    leads_before = Lead.objects.count()
    event = make_event(world.marketing)
    client.post(f"/marketing/e/{event.key}/", PERSON)
    client.post(f"/marketing/e/{event.key}/", {**PERSON, "mobile": "13800138000"})
    registration = Registration.objects.get(event=event)
    assert registration.lead_id == existing.pk
    assert Lead.objects.count() == leads_before
    assert Touch.objects.filter(key__startswith="event:").count() == 1


def test_honeypot_rate_limit_and_bad_input_create_nothing(world: Any, client: Any) -> None:
    event = make_event(world.marketing)
    leads_before = Lead.objects.count()
    url = f"/marketing/e/{event.key}/"
    assert client.post(url, {**PERSON, "website_url": "http://spam"}).status_code == 302
    assert Registration.objects.count() == 0
    bad = client.post(url, {**PERSON, "mobile": "12345", "email": ""})
    assert bad.status_code == 422
    assert "11" in bad.content.decode()  # the mobile's field error
    none = client.post(url, {**PERSON, "mobile": "", "email": ""})
    assert none.status_code == 422
    assert Registration.objects.count() == 0
    assert Lead.objects.count() == leads_before
    for n in range(RATE_LIMIT):
        client.post(url, {**PERSON, "mobile": f"1390000000{n}"})
    assert Registration.objects.count() == RATE_LIMIT
    assert client.post(url, {**PERSON, "mobile": "13911112222"}).status_code == 429
    assert Registration.objects.count() == RATE_LIMIT


def test_closed_and_full_events_refuse(world: Any, client: Any) -> None:
    closed = make_event(world.marketing, registration_open=False)
    page = client.get(f"/marketing/e/{closed.key}/")
    assert page.status_code == 200
    assert "<form" not in page.content.decode()
    assert client.post(f"/marketing/e/{closed.key}/", PERSON).status_code == 422
    full = make_event(world.marketing, campaign=closed.campaign, capacity=1)
    assert client.post(f"/marketing/e/{full.key}/", PERSON).status_code == 302
    assert client.post(f"/marketing/e/{full.key}/", {**PERSON, "mobile": "13911112222"}).status_code == 422
    assert Registration.objects.filter(event=full).count() == 1
    assert client.get("/marketing/e/no-such-key/").status_code == 404


def test_public_page_shows_only_the_public_fields(world: Any, client: Any) -> None:
    event = make_event(world.marketing, capacity=321)
    event.campaign.budget = 987654
    event.campaign.save(update_fields=["budget"])
    Registration.objects.create(event=event, name="李四隐私", mobile="13700001234", mobile_digits="13700001234")
    html = client.get(f"/marketing/e/{event.key}/").content.decode()
    for shown in (event.name, event.venue, event.description):
        assert shown in html
    for hidden in ("工业博览会", "EXPO-2026", "987654", "321", "李四隐私", "13700001234", world.marketing.username):
        assert hidden not in html
    thanks = client.get(f"/marketing/e/{event.key}/thanks/").content.decode()
    assert event.name in thanks
    assert "EXPO-2026" not in thanks
    assert "李四隐私" not in thanks


def test_check_in_by_mobile_search_records_attendance(world: Any, web_as: Any) -> None:
    event = make_event(world.marketing)
    services.registration_submit(event=event, data=PERSON, ip=None)
    other = services.registration_submit(event=event, data={**PERSON, "mobile": "13911112222"}, ip=None)
    page = web_as(world.marketing)
    found = page.get(f"/marketing/events/{event.pk}/?q=8000", HTTP_HX_REQUEST="true").content.decode()
    assert "13800138000" in found
    assert "13911112222" not in found
    registration = Registration.objects.get(event=event, mobile_digits="13800138000")
    response = page.post(
        f"/marketing/events/{event.pk}/registrations/{registration.pk}/check-in/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert registration.checked_in_at is not None
    assert Touch.objects.filter(kind=TouchKind.ATTENDANCE, key=f"event:{event.pk}:att:{registration.pk}").count() == 1
    page.post(f"/marketing/events/{event.pk}/registrations/{registration.pk}/check-in/")
    assert Touch.objects.filter(kind=TouchKind.ATTENDANCE).count() == 1
    member = CampaignMember.objects.get(lead=registration.lead)
    assert MEMBER_STATUS_RANK[member.status] >= MEMBER_STATUS_RANK[MemberStatus.ATTENDED]
    assert other is not None
    assert Registration.objects.get(pk=other.pk).status == RegistrationStatus.REGISTERED


def test_walk_in_creates_an_attended_registration_with_a_lead(world: Any, web_as: Any) -> None:
    event = make_event(world.marketing)
    response = web_as(world.marketing).post(
        f"/marketing/events/{event.pk}/walk-in/", {**PERSON, "mobile": "13612345678"}
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    assert registration.status == RegistrationStatus.WALK_IN
    assert registration.checked_in_by == world.marketing
    assert registration.lead is not None
    assert registration.lead.source == "event"
    kinds = set(Touch.objects.filter(key__startswith="event:").values_list("kind", flat=True))
    assert kinds == {TouchKind.REGISTRATION, TouchKind.ATTENDANCE}
    registration.lead.refresh_from_db()
    points = {d["kind"]: d["points"] for d in registration.lead.engagement_details}
    assert (points["registration"], points["attendance"]) == (8.0, 15.0)


def test_walk_in_with_bad_mobile_changes_nothing(world: Any, web_as: Any) -> None:
    event = make_event(world.marketing)
    leads_before = Lead.objects.count()
    response = web_as(world.marketing).post(f"/marketing/events/{event.pk}/walk-in/", {**PERSON, "mobile": "abc"})
    assert response.status_code == 302
    assert Registration.objects.count() == 0
    assert Lead.objects.count() == leads_before


def test_api_create_update_and_list_events(world: Any, api_as: Any) -> None:
    campaign = show_campaign(world.marketing)
    api = api_as(world.marketing)
    start = timezone.now() + timedelta(days=3)
    body = {
        "campaign_id": campaign.pk,
        "name": "华东客户答谢会",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(),
        "capacity": 80,
    }
    created = api.post("/marketing/events", body)
    assert created.status_code == 201, created.content
    event_id = created.json()["id"]
    assert created.json()["public_path"].startswith("/marketing/e/")
    bad = api.post("/marketing/events", {**body, "ends_at": (start - timedelta(hours=1)).isoformat()})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["ends_at"]
    email = show_campaign(world.marketing, code="MAIL", kind=CampaignKind.EMAIL)
    wrong = api.post("/marketing/events", {**body, "campaign_id": email.pk})
    assert wrong.status_code == 422
    assert MarketingEvent.objects.count() == 1
    patched = api.patch(f"/marketing/events/{event_id}", {"venue": "杭州"}, **{"If-Match": '"1"'})
    assert patched.status_code == 200
    assert patched.json()["venue"] == "杭州"
    stale = api.patch(f"/marketing/events/{event_id}", {"venue": "南京"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    listed = api.get("/marketing/events")
    assert [e["name"] for e in listed.json()["items"]] == ["华东客户答谢会"]


def test_api_walk_in_search_check_in_and_cancel(world: Any, api_as: Any) -> None:
    event = make_event(world.marketing)
    registered = services.registration_submit(event=event, data=PERSON, ip=None)
    assert registered is not None
    api = api_as(world.marketing)
    walk = api.post(f"/marketing/events/{event.pk}/registrations", {"name": "赵六", "mobile": "13512345678"})
    assert walk.status_code == 201
    assert walk.json()["status"] == "walk_in"
    found = api.get(f"/marketing/events/{event.pk}/registrations?q=5678")
    assert [r["name"] for r in found.json()["items"]] == ["赵六"]
    checked = api.post(f"/marketing/events/{event.pk}/registrations/{registered.pk}/check-in")
    assert checked.status_code == 200
    assert checked.json()["status"] == "attended"
    refused = api.post(f"/marketing/events/{event.pk}/registrations/{registered.pk}/cancel")
    assert refused.status_code == 422
    assert api.get(f"/marketing/events/{event.pk}").json()["present_count"] == 2
    kept = api.request("DELETE", f"/marketing/events/{event.pk}")
    assert kept.status_code == 422
    assert MarketingEvent.objects.filter(pk=event.pk).exists()


def test_readers_read_but_may_not_check_in(world: Any, api_as: Any) -> None:
    event = make_event(world.marketing)
    registration = services.registration_submit(event=event, data=PERSON, ip=None)
    assert registration is not None
    assert api_as(world.executive).get(f"/marketing/events/{event.pk}/registrations").status_code == 200
    refused = api_as(world.executive).post(f"/marketing/events/{event.pk}/registrations/{registration.pk}/check-in")
    assert refused.status_code == 403
    assert api_as(world.owner).get(f"/marketing/events/{event.pk}").status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED


def test_event_list_stays_within_its_query_budget(world: Any, web_as: Any, django_assert_max_num_queries: Any) -> None:
    campaign = show_campaign(world.marketing)
    for _ in range(5):
        event = make_event(world.marketing, campaign=campaign)
        services.registration_submit(event=event, data=PERSON, ip=None)
    page = web_as(world.marketing)
    page.get("/marketing/events/")
    with django_assert_max_num_queries(12):
        assert page.get("/marketing/events/").status_code == 200
    with django_assert_max_num_queries(14):
        assert page.get(f"/marketing/events/{event.pk}/").status_code == 200
