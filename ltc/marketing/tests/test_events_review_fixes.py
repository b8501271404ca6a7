"""Review fixes on events: times without a zone are read in the current zone (never a 500);
registrations (names, mobiles, e-mails) are listed to marketing and administrators only; the
event list pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ltc.marketing.models.events import MarketingEvent, Registration
from ltc.marketing.services.events import event_create, event_update
from ltc.marketing.tests.events_factories import make_event, show_campaign
from ltc.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _naive(*parts: int) -> datetime:
    """A time without a zone: what these tests send on purpose."""
    return datetime(*parts)  # noqa: DTZ001


def _north_manager(world: Any) -> Any:
    manager = UserFactory(username="north_manager", roles=["sales_manager"], team=world.north)
    world.north.manager = manager
    world.north.save(update_fields=["manager"])
    return manager


def _registered(world: Any) -> MarketingEvent:
    event = make_event(world.marketing)
    Registration.objects.create(
        event=event, name="王芳", company="北辰机械", mobile="13800138000", mobile_digits="13800138000", email="wf@x.cn"
    )
    return event


# --- finding 3: naive times ------------------------------------------------------------------------


def test_the_api_answers_times_without_a_zone_with_field_errors(world: Any, api_as: Any) -> None:
    campaign = show_campaign(world.marketing)
    event = make_event(world.marketing, campaign=campaign)
    api = api_as(world.marketing)

    created = api.post(
        "/marketing/events",
        {
            "campaign_id": campaign.pk,
            "name": "研讨会",
            "starts_at": "2031-01-01T09:00:00",
            "ends_at": "2031-01-01T12:00:00",
        },
    )
    changed = api.patch(
        f"/marketing/events/{event.pk}", {"ends_at": "2031-01-01T15:00:00"}, **{"If-Match": f'"{event.version}"'}
    )

    assert created.status_code == 422
    assert {e["field"] for e in created.json()["errors"]} == {"starts_at", "ends_at"}
    assert changed.status_code == 422
    assert {e["field"] for e in changed.json()["errors"]} == {"ends_at"}
    assert list(MarketingEvent.objects.values_list("pk", "version")) == [(event.pk, 1)]


def test_the_services_read_times_without_a_zone_in_the_current_zone(world: Any) -> None:
    campaign = show_campaign(world.marketing)
    zone = timezone.get_current_timezone()

    event = event_create(
        actor=world.marketing,
        data={
            "campaign": campaign,
            "name": "研讨会",
            "starts_at": _naive(2031, 1, 1, 9),
            "ends_at": _naive(2031, 1, 1, 12),
        },
    )
    event = MarketingEvent.objects.get(pk=event.pk)  # its times as stored: with a zone
    event_update(actor=world.marketing, event=event, data={"ends_at": _naive(2031, 1, 1, 15)}, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        event_update(actor=world.marketing, event=event, data={"ends_at": _naive(2030, 12, 31, 15)}, expected_version=2)

    assert set(refused.value.message_dict) == {"ends_at"}
    event.refresh_from_db()
    assert event.starts_at == timezone.make_aware(_naive(2031, 1, 1, 9), zone)
    assert event.ends_at == timezone.make_aware(_naive(2031, 1, 1, 15), zone)
    assert event.version == 2


# --- finding 6: registrations are person-level --------------------------------------------------------


def test_readers_who_do_not_manage_marketing_get_no_registrations_by_name(world: Any, api_as: Any) -> None:
    event = _registered(world)
    path = f"/marketing/events/{event.pk}/registrations"

    for reader in (_north_manager(world), world.manager, world.executive):
        answer = api_as(reader).get(path)
        assert answer.status_code == 200
        assert answer.json()["items"] == []
        assert "13800138000" not in answer.content.decode()
        assert api_as(reader).get(f"/marketing/events/{event.pk}").json()["registered_count"] == 1
    managed = api_as(world.marketing).get(path).json()["items"]
    assert [(r["name"], r["mobile"], r["email"]) for r in managed] == [("王芳", "13800138000", "wf@x.cn")]


def test_the_event_page_shows_attendees_to_marketing_and_a_count_to_other_readers(world: Any, web_as: Any) -> None:
    event = _registered(world)

    reader = web_as(_north_manager(world))
    page = reader.get(f"/marketing/events/{event.pk}/").content.decode()
    search = reader.get(f"/marketing/events/{event.pk}/?q=8000", HTTP_HX_REQUEST="true").content.decode()

    for text in (page, search):
        assert "王芳" not in text
        assert "13800138000" not in text
        assert "wf@x.cn" not in text
    assert 'id="attendees-hidden"' in page
    full = web_as(world.marketing).get(f"/marketing/events/{event.pk}/").content.decode()
    assert "王芳" in full
    assert 'id="attendees-hidden"' not in full


# --- finding 11: the event list pages ----------------------------------------------------------------


def test_the_event_list_pages_by_fifty(world: Any, web_as: Any) -> None:
    campaign = show_campaign(world.marketing)
    start = timezone.now()
    for i in range(51):
        make_event(
            world.marketing,
            campaign=campaign,
            name=f"活动{i:02d}",
            starts_at=start + timedelta(days=i),
            ends_at=start + timedelta(days=i, hours=2),
        )
    page = web_as(world.executive)

    first = page.get("/marketing/events/").content.decode()
    second = page.get("/marketing/events/?offset=50").content.decode()

    assert "活动50" in first  # newest first
    assert "活动00" not in first
    assert "?offset=50" in first
    assert "活动00" in second
    assert "活动50" not in second


# --- role walk 14, 24, 25, 28 ----------------------------------------------------------------------


def _ended(world: Any, *, days_ago: float) -> MarketingEvent:
    now = timezone.now()
    return make_event(
        world.marketing,
        campaign=show_campaign(world.marketing, code=f"PAST-{days_ago}"),
        starts_at=now - timedelta(days=days_ago, hours=8),
        ends_at=now - timedelta(days=days_ago),
    )


def _registration(event: MarketingEvent, **fields: Any) -> Registration:
    values = {"name": "王芳", "mobile": "13800138000", "mobile_digits": "13800138000", "email": "wf@x.cn", **fields}
    return Registration.objects.create(event=event, **values)


def test_check_in_is_refused_once_the_event_ended_more_than_a_day_ago(world: Any, api_as: Any, web_as: Any) -> None:
    from ltc.marketing.services.events import registration_check_in, registration_walk_in

    late = _registration(_ended(world, days_ago=0.5))
    assert registration_check_in(actor=world.marketing, registration=late).status == "attended"
    old = _ended(world, days_ago=2)
    gone = _registration(old)

    with pytest.raises(ValidationError) as refused:
        registration_check_in(actor=world.marketing, registration=gone)
    assert set(refused.value.message_dict) == {"status"}
    with pytest.raises(ValidationError):
        registration_walk_in(actor=world.marketing, event=old, data={"name": "黄志远", "mobile": "18621350112"})
    answer = api_as(world.marketing).post(f"/marketing/events/{old.pk}/registrations/{gone.pk}/check-in", {})
    page = web_as(world.marketing).post(
        f"/marketing/events/{old.pk}/registrations/{gone.pk}/check-in/", HTTP_HX_REQUEST="true"
    )

    assert answer.status_code == 422
    assert {error["field"] for error in answer.json()["errors"]} == {"status"}
    assert page.status_code == 204
    assert page["HX-Redirect"].startswith(old.get_absolute_url())
    gone.refresh_from_db()
    assert gone.status == "registered"
    assert gone.checked_in_at is None
    assert Registration.objects.filter(event=old).count() == 1


def test_a_cancelled_registration_is_not_checked_in_and_has_no_button(world: Any, web_as: Any) -> None:
    from ltc.marketing.services.events import registration_check_in

    event = make_event(world.marketing)
    cancelled = _registration(event, status="cancelled")
    waiting = _registration(event, name="李雷", mobile="13900139000", mobile_digits="13900139000", email="ll@x.cn")

    with pytest.raises(ValidationError) as refused:
        registration_check_in(actor=world.marketing, registration=cancelled)
    text = web_as(world.marketing).get(event.get_absolute_url()).content.decode()

    assert set(refused.value.message_dict) == {"status"}
    assert f"/registrations/{cancelled.pk}/check-in/" not in text
    assert f"/registrations/{waiting.pk}/check-in/" in text


def test_the_attendee_list_shows_the_date_and_time_of_check_in(world: Any, web_as: Any) -> None:
    world.marketing.language = "en"
    world.marketing.save(update_fields=["language"])
    event = make_event(world.marketing)
    at = timezone.make_aware(datetime(2026, 9, 27, 10, 5))  # noqa: DTZ001
    _registration(event, status="attended", checked_in_at=at)

    text = web_as(world.marketing).get(event.get_absolute_url()).content.decode()

    shown = text.split('data-testid="checked-in-at">')[1].split("<")[0]
    assert "2026" in shown
    assert "10:05" in shown


def test_events_join_only_planned_or_active_campaigns(world: Any, api_as: Any, web_as: Any) -> None:
    from ltc.marketing.models import CampaignStatus
    from ltc.marketing.services.events import campaigns_for_events

    active = show_campaign(world.marketing, code="ACTIVE-1")
    Campaign = type(active)
    Campaign.objects.filter(pk=active.pk).update(status=CampaignStatus.ACTIVE)
    done = show_campaign(world.marketing, code="DONE-1")
    Campaign.objects.filter(pk=done.pk).update(status=CampaignStatus.COMPLETED)
    dropped = show_campaign(world.marketing, code="DROP-1")
    Campaign.objects.filter(pk=dropped.pk).update(status=CampaignStatus.CANCELLED)
    done.refresh_from_db()
    times = {"starts_at": timezone.now() + timedelta(days=3), "ends_at": timezone.now() + timedelta(days=3, hours=4)}

    with pytest.raises(ValidationError) as refused:
        event_create(actor=world.marketing, data={"campaign": done, "name": "展会", **times})
    answer = api_as(world.marketing).post(
        "/marketing/events",
        {
            "campaign_id": dropped.pk,
            "name": "展会",
            "starts_at": "2031-01-01T09:00:00+08:00",
            "ends_at": "2031-01-01T12:00:00+08:00",
        },
    )
    form = web_as(world.marketing).get("/marketing/events/new/").content.decode()

    assert set(refused.value.message_dict) == {"campaign"}
    assert answer.status_code == 422
    assert {error["field"] for error in answer.json()["errors"]} == {"campaign_id"}
    choices = set(campaigns_for_events(user=world.marketing))
    assert active in choices
    assert done not in choices
    assert dropped not in choices
    assert "ACTIVE-1" in form or active.name in form
    assert f'value="{done.pk}"' not in form
    assert f'value="{dropped.pk}"' not in form
    # An event of a campaign finished since stays editable and keeps its campaign.
    old = make_event(world.marketing, campaign=done)
    saved = event_update(actor=world.marketing, event=old, data={"name": "改名"}, expected_version=old.version)
    assert saved.campaign_id == done.pk
    assert done in set(campaigns_for_events(user=world.marketing, current=done))


def test_public_registration_needs_a_mobile_or_an_email(world: Any, web_as: Any) -> None:
    event = make_event(world.marketing)

    page = web_as(None).post(f"/marketing/e/{event.key}/", {"name": "王芳", "company": "北辰机械"})

    assert page.status_code == 422
    assert page.context["form"].errors.keys() == {"mobile"}
    assert not Registration.objects.filter(event=event).exists()
    ok = web_as(None).post(f"/marketing/e/{event.key}/", {"name": "王芳", "email": "wf@x.cn"})
    assert ok.status_code == 302
    assert Registration.objects.filter(event=event).count() == 1
