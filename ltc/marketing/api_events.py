"""/api/v1/marketing/events: events, their registrations, check-in and walk-ins; and a lead's
engagement (互动度) with its breakdown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf
from ltc.leads import selectors as lead_selectors
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import TouchKind
from ltc.marketing.models.events import MarketingEvent, Registration, RegistrationStatus
from ltc.marketing.services import events as services
from ltc.marketing.services.engagement import half_life_days
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing"])


class MarketingEventIn(Schema):
    campaign_id: int = Field(description="A trade show, seminar or webinar campaign.")
    name: str
    venue: str = ""
    starts_at: AwareDatetime = Field(description="With its zone; a time without one is a field error.")
    ends_at: AwareDatetime = Field(description="With its zone; a time without one is a field error.")
    capacity: int | None = Field(None, description="Registrations taken at most; none for no limit.")
    registration_open: bool = True
    description: str = ""


class MarketingEventPatch(Schema):
    campaign_id: int | None = None
    name: str | None = None
    venue: str | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    capacity: int | None = None
    registration_open: bool | None = None
    description: str | None = None


class MarketingEventOut(Schema):
    id: int
    version: int
    campaign_id: int
    campaign_code: str = Field(alias="campaign.code")
    name: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    registration_open: bool
    description: str
    registered_count: int = Field(description="Registrations not cancelled.")
    present_count: int = Field(description="Attended and walk-ins.")
    public_path: str = Field(description="The public registration page.")

    @staticmethod
    def resolve_public_path(obj: MarketingEvent) -> str:
        return reverse("marketing:event_public", args=[obj.key])


class MarketingEventQuery(Schema):
    q: str = ""
    limit: int = 50
    offset: int = 0


class EventRegistrationOut(Schema):
    id: int
    event_id: int
    name: str
    company: str
    title: str
    mobile: str
    email: str
    status: Annotated[str, OneOf(RegistrationStatus)]
    registered_at: datetime
    checked_in_at: datetime | None
    lead_id: int | None
    consent: bool


class EventRegistrationQuery(Schema):
    q: str = Field("", description="A mobile (last 4 digits or whole), a name, a company or an e-mail.")
    status: Annotated[str, OneOf(RegistrationStatus, blank=True)] = ""
    limit: int = 50
    offset: int = 0


class EventWalkInIn(Schema):
    name: str
    company: str = ""
    title: str = ""
    mobile: str = ""
    email: str = ""
    consent: bool = False


class LeadEngagementLineOut(Schema):
    kind: Annotated[str, OneOf(TouchKind)]
    count: int
    points: float


class LeadEngagementOut(Schema):
    lead_id: int
    engagement: int = Field(description="0–100, decayed over time.")
    half_life_days: float
    details: list[LeadEngagementLineOut]


def _readable(request: AuthedRequest, event_id: int) -> MarketingEvent:
    return services.event_get(user=request.user, pk=event_id)


def _writable(request: AuthedRequest, event_id: int) -> MarketingEvent:
    event = _readable(request, event_id)
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage events."))
    return event


def _campaign(request: AuthedRequest, data: dict[str, Any], event: MarketingEvent | None = None) -> dict[str, Any]:
    """The campaign named by `campaign_id`: a planned or active one (or the event's own)."""
    if "campaign_id" in data:
        campaign_id = data.pop("campaign_id")
        current = event.campaign if event is not None else None
        campaign = (
            services.campaigns_for_events(user=request.user, current=current).filter(pk=campaign_id).first()
            if campaign_id is not None
            else None
        )
        if campaign is None:
            raise ValidationError(
                {"campaign_id": [_("No such planned or active trade show, seminar or webinar campaign.")]}
            )
        data["campaign"] = campaign
    return data


def _answer(request: AuthedRequest, response: HttpResponse, event: MarketingEvent) -> MarketingEvent:
    fresh = services.event_get(user=request.user, pk=event.pk)  # with its head counts
    response["ETag"] = etag(fresh.version)
    return fresh


@router.get("/marketing/events", response=Page[MarketingEventOut])
def event_list(request: AuthedRequest, query: Query[MarketingEventQuery]) -> dict[str, Any]:
    """Events, newest first (marketing, administrators, executives and sales managers)."""
    if not sees_marketing(request.user):
        raise PermissionDenied(_("You may not read events."))
    return paginate(services.event_list(user=request.user, q=query.q), limit=query.limit, offset=query.offset)


@router.post("/marketing/events", response={201: MarketingEventOut})
def event_create(request: AuthedRequest, payload: MarketingEventIn, response: HttpResponse) -> Status[Any]:
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage events."))
    event = services.event_create(actor=request.user, data=_campaign(request, payload.model_dump()))
    response["Location"] = f"/api/v1/marketing/events/{event.pk}"
    return Status(201, _answer(request, response, event))


@router.get("/marketing/events/{event_id}", response=MarketingEventOut)
def event_get(request: AuthedRequest, event_id: int, response: HttpResponse) -> MarketingEvent:
    event = _readable(request, event_id)
    response["ETag"] = etag(event.version)
    return event


@router.patch("/marketing/events/{event_id}", response=MarketingEventOut)
def event_update(
    request: AuthedRequest, event_id: int, payload: MarketingEventPatch, response: HttpResponse
) -> MarketingEvent:
    event = _writable(request, event_id)
    expected = if_match_version(request, event)
    data = _campaign(request, payload.model_dump(exclude_unset=True), event)
    event = services.event_update(actor=request.user, event=event, data=data, expected_version=expected)
    return _answer(request, response, event)


@router.delete("/marketing/events/{event_id}", response={204: None})
def event_delete(request: AuthedRequest, event_id: int) -> Status[None]:
    """Delete an event nobody registered for (registrations are kept, with their touches)."""
    event = _writable(request, event_id)
    services.event_delete(actor=request.user, event=event)
    return Status(204, None)


@router.get("/marketing/events/{event_id}/registrations", response=Page[EventRegistrationOut])
def registration_list(request: AuthedRequest, event_id: int, query: Query[EventRegistrationQuery]) -> dict[str, Any]:
    """The event's registrations (names, mobiles, e-mails): marketing and administrators only;
    other readers get an empty page and read the event's head counts."""
    event = _readable(request, event_id)
    rows = services.registration_list(user=request.user, event=event, q=query.q, status=query.status)
    return paginate(rows, limit=query.limit, offset=query.offset)


@router.post("/marketing/events/{event_id}/registrations", response={201: EventRegistrationOut})
def registration_walk_in(
    request: AuthedRequest, event_id: int, payload: EventWalkInIn, response: HttpResponse
) -> Status[Registration]:
    """Register a walk-in on the day: checked in now, with a lead created or matched. Someone
    already registered (same mobile or e-mail) is checked in instead."""
    event = _writable(request, event_id)
    registration = services.registration_walk_in(actor=request.user, event=event, data=payload.model_dump())
    response["Location"] = f"/api/v1/marketing/events/{event.pk}/registrations"
    return Status(201, registration)


@router.post("/marketing/events/{event_id}/registrations/{registration_id}/check-in", response=EventRegistrationOut)
def registration_check_in(request: AuthedRequest, event_id: int, registration_id: int) -> Registration:
    event = _writable(request, event_id)
    registration = services.registration_get(event=event, pk=registration_id)
    return services.registration_check_in(actor=request.user, registration=registration)


@router.post("/marketing/events/{event_id}/registrations/{registration_id}/cancel", response=EventRegistrationOut)
def registration_cancel(request: AuthedRequest, event_id: int, registration_id: int) -> Registration:
    event = _writable(request, event_id)
    registration = services.registration_get(event=event, pk=registration_id)
    return services.registration_cancel(actor=request.user, registration=registration)


@router.get("/marketing/leads/{lead_id}/engagement", response=LeadEngagementOut)
def lead_engagement(request: AuthedRequest, lead_id: int) -> dict[str, Any]:
    """A lead's engagement and its breakdown per kind of touch (anyone who may read the lead)."""
    lead = lead_selectors.lead_get(user=request.user, pk=lead_id)
    return {
        "lead_id": lead.pk,
        "engagement": lead.engagement,
        "half_life_days": half_life_days(),
        "details": lead.engagement_details,
    }
