"""Permission cases of marketing's events area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ltc.web.tests.test_permissions import SEES_LEAD, Case, record_rule, signed_in

READERS = {"manager", "boss", "executive", "admin", "marketing"}
MANAGERS = {"admin", "marketing"}


def _campaign(w: Any) -> Any:
    from ltc.marketing.models import Campaign
    from ltc.marketing.tests.events_factories import show_campaign

    return Campaign.objects.filter(code="EXPO-2026").first() or show_campaign(w.marketing)


def _event(w: Any) -> int:
    from ltc.marketing.tests.events_factories import make_event

    return make_event(w.marketing, campaign=_campaign(w)).pk


def _registration(w: Any) -> tuple[int, int]:
    from ltc.marketing.models.events import MarketingEvent, Registration

    event = MarketingEvent.objects.get(pk=_event(w))
    registration = Registration.objects.create(
        event=event, name="王芳", mobile="13800138000", mobile_digits="13800138000"
    )
    return event.pk, registration.pk


def _event_body(w: Any, path: str) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=2)
    return {
        "campaign_id": _campaign(w).pk,
        "name": "研讨会",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }


def _public_key(w: Any) -> str:
    from ltc.marketing.models.events import MarketingEvent

    return str(MarketingEvent.objects.get(pk=_event(w)).key)


def _reg_path(w: Any, action: str) -> str:
    event_id, registration_id = _registration(w)
    return f"/api/v1/marketing/events/{event_id}/registrations/{registration_id}/{action}"


def _event_version(w: Any, path: str) -> dict[str, str]:
    from ltc.marketing.models.events import MarketingEvent

    return {"If-Match": f'"{MarketingEvent.objects.get(pk=path.split("/")[5]).version}"'}


CASES: list[Any] = [
    Case("GET /api/v1/marketing/events", lambda w: "/api/v1/marketing/events", signed_in(200, who=READERS)),
    Case(
        "POST /api/v1/marketing/events",
        lambda w: "/api/v1/marketing/events",
        signed_in(201, who=MANAGERS),
        body=_event_body,
    ),
    Case(
        "GET /api/v1/marketing/events/{event_id}",
        lambda w: f"/api/v1/marketing/events/{_event(w)}",
        record_rule(200, who=READERS, sees=READERS),
    ),
    Case(
        "PATCH /api/v1/marketing/events/{event_id}",
        lambda w: f"/api/v1/marketing/events/{_event(w)}",
        record_rule(200, who=MANAGERS, sees=READERS),
        body={"venue": "杭州"},
        headers=_event_version,
    ),
    Case(
        "DELETE /api/v1/marketing/events/{event_id}",
        lambda w: f"/api/v1/marketing/events/{_event(w)}",
        record_rule(204, who=MANAGERS, sees=READERS),
    ),
    Case(
        "GET /api/v1/marketing/events/{event_id}/registrations",
        lambda w: f"/api/v1/marketing/events/{_event(w)}/registrations",
        record_rule(200, who=READERS, sees=READERS),
    ),
    Case(
        "POST /api/v1/marketing/events/{event_id}/registrations",
        lambda w: f"/api/v1/marketing/events/{_event(w)}/registrations",
        record_rule(201, who=MANAGERS, sees=READERS),
        body={"name": "赵六", "mobile": "13512345678"},
    ),
    Case(
        "POST /api/v1/marketing/events/{event_id}/registrations/{registration_id}/check-in",
        lambda w: _reg_path(w, "check-in"),
        record_rule(200, who=MANAGERS, sees=READERS),
    ),
    Case(
        "POST /api/v1/marketing/events/{event_id}/registrations/{registration_id}/cancel",
        lambda w: _reg_path(w, "cancel"),
        record_rule(200, who=MANAGERS, sees=READERS),
    ),
    Case(
        "GET /api/v1/marketing/leads/{lead_id}/engagement",
        lambda w: f"/api/v1/marketing/leads/{w.lead.pk}/engagement",
        record_rule(200, who=SEES_LEAD, sees=SEES_LEAD),
    ),
    Case("GET marketing:event_list", lambda w: "/marketing/events/", signed_in(200, api=False, who=READERS)),
    Case("GET marketing:event_create", lambda w: "/marketing/events/new/", signed_in(200, api=False, who=MANAGERS)),
    Case(
        "GET marketing:event_detail",
        lambda w: f"/marketing/events/{_event(w)}/",
        record_rule(200, who=READERS, sees=READERS, api=False),
    ),
    Case(
        "GET marketing:event_edit",
        lambda w: f"/marketing/events/{_event(w)}/edit/",
        record_rule(200, who=MANAGERS, sees=READERS, api=False),
    ),
    Case(
        "POST marketing:event_walk_in",
        lambda w: f"/marketing/events/{_event(w)}/walk-in/",
        record_rule(302, who=MANAGERS, sees=READERS, api=False),
        body={"name": "赵六", "mobile": "13512345678"},
    ),
    Case(
        "POST marketing:event_check_in",
        lambda w: "/marketing/events/{}/registrations/{}/check-in/".format(*_registration(w)),
        record_rule(302, who=MANAGERS, sees=READERS, api=False),
    ),
]
# "METHOD url-name" or "METHOD /api/v1/path": public, with the reason
EXEMPT: set[str] = {
    "GET marketing:event_public",  # an event's public registration page (marketing/tests/test_events.py)
    "POST marketing:event_public",  # registering on it: honeypot, rate limit (same tests)
    "GET marketing:event_thanks",  # its thank-you page (same tests)
}
# route pattern -> why anyone may open it, and where that is tested
PUBLIC_ROUTES: dict[str, str] = {
    "marketing/e/<str:key>/": "an event's public registration page, by its key: only the event's public fields "
    "(marketing/tests/test_events.py::test_public_page_shows_only_the_public_fields)",
    "marketing/e/<str:key>/thanks/": "the thank-you page after registering (same test)",
}
