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
