"""Marketing events (市场活动): create and edit them, take registrations on the public page, check
people in on the day and register walk-ins (报名与签到). Every registration creates or matches a
lead through leads' own capture service (source "event", campaign = the event's campaign code)
and records the touches (registration, attendance) that members, attribution and engagement
count. Managed by marketing and administrators; read by them, executives and sales managers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import normalize, timeline
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.customers.validators import validate_mobile
from ltc.leads.choices import LeadSource
from ltc.leads.dedupe import Keys, LeadMatcher
from ltc.leads.models import Lead
from ltc.leads.services.capture import lead_create
from ltc.leads.services.webforms import HONEYPOT_FIELD, RATE_LIMIT, RATE_WINDOW, RateLimited
from ltc.marketing.access import can_manage_marketing, marketing_scope
from ltc.marketing.models import Campaign, CampaignStatus, ConsentBasis, ConsentState, TouchKind
from ltc.marketing.models.events import (
    EVENT_CAMPAIGN_KINDS,
    PRESENT,
    MarketingEvent,
    Registration,
    RegistrationStatus,
)
from ltc.marketing.services.consent import consent_record
from ltc.marketing.services.touches import TouchIn, touches_record
from ltc.org.models import User

EVENT_FIELDS = ("campaign", "name", "venue", "starts_at", "ends_at", "capacity", "registration_open", "description")
PERSON_FIELDS = ("name", "company", "title", "mobile", "email", "consent")
# What the public page shows of an event: nothing else leaves the building.
PUBLIC_EVENT_FIELDS = ("name", "venue", "starts_at", "ends_at", "description")
# Campaigns a new event (or an event moved to another campaign) may belong to: not finished ones.
OPEN_CAMPAIGN_STATUSES = (CampaignStatus.PLANNED, CampaignStatus.ACTIVE)
# How long after its end an event still takes check-ins (late entries on the next day).
CHECK_IN_GRACE = timedelta(days=1)
# Lead fields named like the registration's, for field errors the lead's checks raise.
_LEAD_TO_PERSON = {"contact_name": "name", "company_name": "company", "contact_title": "title"}

__all__ = ["RateLimited"]


def _require_manager(actor: Any) -> None:
    if not can_manage_marketing(actor):
        raise PermissionDenied(_("Only marketing and administrators manage events."))


def _unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _aware(data: dict[str, Any]) -> dict[str, Any]:
    """The event's times with a zone: a time given without one is read in the current zone."""
    return {
        name: timezone.make_aware(value)
        if name in ("starts_at", "ends_at") and isinstance(value, datetime) and timezone.is_naive(value)
        else value
        for name, value in data.items()
    }


def _validate_event(event: MarketingEvent, *, campaign_changed: bool = True) -> None:
    errors: dict[str, list[str]] = {}
    try:
        event.full_clean(exclude=["created_by", "key"])
    except ValidationError as exc:
        errors = exc.message_dict
    if event.starts_at and event.ends_at and event.ends_at < event.starts_at:
        errors["ends_at"] = [_("The end cannot be before the start.")]
        errors.pop("__all__", None)
    campaign = event.campaign if event.campaign_id else None
    if campaign is not None and campaign.kind not in EVENT_CAMPAIGN_KINDS:
        errors.setdefault("campaign", []).append(_("An event belongs to a trade show, seminar or webinar campaign."))
    elif campaign is not None and campaign_changed and campaign.status not in OPEN_CAMPAIGN_STATUSES:
        errors.setdefault("campaign", []).append(_("Choose a planned or active campaign."))
    if errors:
        raise ValidationError(errors)


def event_create(*, actor: User, data: dict[str, Any]) -> MarketingEvent:
    """Create an event of a planned or active trade show, seminar or webinar campaign, with a
    fresh public key. Refuses non-managers (403), unknown fields, another kind of campaign, a
    completed or cancelled campaign and an end before the start (422)."""
    _require_manager(actor)
    _unknown(data, EVENT_FIELDS)
    data = _aware(data)
    event = MarketingEvent(**data, created_by=actor, key=secrets.token_urlsafe(18))
    _validate_event(event)
    with transaction.atomic():
        event.save()
        timeline.record_created(actor=actor, subject=event)
    return event


def event_update(*, actor: User, event: MarketingEvent, data: dict[str, Any], expected_version: int) -> MarketingEvent:
    """Change an event if nobody changed it since `expected_version` (StaleVersionError
    otherwise); the same checks as creating; each change lands on the timeline."""
    _require_manager(actor)
    _unknown(data, EVENT_FIELDS)
    data = _aware(data)
    before = timeline.snapshot(event, data.keys())
    old_campaign_id = event.campaign_id
    for name, value in data.items():
        setattr(event, name, value)
    # Moving to another campaign needs an open one; an event of a finished campaign stays editable.
    _validate_event(event, campaign_changed=event.campaign_id != old_campaign_id)
    names = [f"{name}_id" if name == "campaign" else name for name in data]
    with transaction.atomic():
        save_if_current(event, expected_version=expected_version, fields=names)
        timeline.record_changes(actor=actor, subject=event, before=before)
    return event


def event_delete(*, actor: User, event: MarketingEvent) -> None:
    """Delete an event created by mistake. Refuses one with registrations (422): who registered
    and came is what attribution and engagement count."""
    _require_manager(actor)
    if Registration.objects.filter(event=event).exists():
        raise ValidationError(
            {"__all__": [_("An event with registrations cannot be deleted; close its registration instead.")]}
        )
    with transaction.atomic():
        event.delete()


# --- reads ------------------------------------------------------------------------------------


def event_list(*, user: Any, q: str = "") -> QuerySet[MarketingEvent]:
    """Events the user may read, with their head counts, newest first."""
    events = marketing_scope(MarketingEvent.objects.all(), user).select_related("campaign")
    if q.strip():
        events = events.filter(Q(name__icontains=q.strip()) | Q(venue__icontains=q.strip()))
    annotated: QuerySet[MarketingEvent] = events.annotate(
        registered_count=Count("registrations", filter=~Q(registrations__status=RegistrationStatus.CANCELLED)),
        present_count=Count("registrations", filter=Q(registrations__status__in=PRESENT)),
    ).order_by("-starts_at", "-pk")
    return annotated


def event_get(*, user: Any, pk: Any) -> MarketingEvent:
    """One event the user may read; 404 for anyone else or an id that is not one."""
    if not is_id(pk):
        raise Http404
    event = event_list(user=user).filter(pk=int(pk)).first()
    if event is None:
        raise Http404
    return event


def event_public(key: str) -> MarketingEvent:
    """The event a public page names by its key (404 for any other text)."""
    event = MarketingEvent.objects.filter(key=str(key)[:40]).first()
    if event is None:
        raise Http404
    return event


def registration_list(*, user: Any, event: MarketingEvent, q: str = "", status: str = "") -> QuerySet[Registration]:
    """The event's registrations; `q` finds a mobile by its last 4 digits or whole, or a name,
    company or e-mail. They name people (name, mobile, e-mail) who are not all in the viewer's
    sight: only marketing and administrators read them; other readers get none (they see the
    event's head counts)."""
    rows = Registration.objects.filter(event=event).select_related("lead")
    if not can_manage_marketing(user):
        return rows.none()
    text = q.strip()
    if text:
        digits = normalize.mobile(text)
        if digits.isdigit() and len(digits) >= 4:
            rows = (
                rows.filter(mobile_digits__endswith=digits) if len(digits) < 11 else rows.filter(mobile_digits=digits)
            )
        else:
            rows = rows.filter(Q(name__icontains=text) | Q(company__icontains=text) | Q(email__icontains=text))
    if status in RegistrationStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("name", "pk")


def registration_get(*, event: MarketingEvent, pk: Any) -> Registration:
    if not is_id(pk):
        raise Http404
    registration = Registration.objects.filter(event=event, pk=int(pk)).select_related("lead").first()
    if registration is None:
        raise Http404
    return registration


@dataclass(frozen=True)
class EventCounts:
    registered: int
    present: int
    cancelled: int
    walk_in: int


def event_counts(*, event: MarketingEvent) -> EventCounts:
    counts = dict(
        Registration.objects.filter(event=event).values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return EventCounts(
        registered=sum(n for status, n in counts.items() if status != RegistrationStatus.CANCELLED),
        present=sum(counts.get(status, 0) for status in PRESENT),
        cancelled=counts.get(RegistrationStatus.CANCELLED, 0),
        walk_in=counts.get(RegistrationStatus.WALK_IN, 0),
    )


# --- registrations ----------------------------------------------------------------------------


def _person(data: dict[str, Any]) -> dict[str, Any]:
    """The cleaned person fields of a submission; field errors for what is missing or wrong."""
    values: dict[str, Any] = {
        name: str(data.get(name, "") or "").strip() for name in PERSON_FIELDS if name != "consent"
    }
    values["email"] = normalize.email(values["email"])
    errors: dict[str, list[str]] = {}
    if not values["name"]:
        errors["name"] = [_("Enter your name.")]
    if not values["email"] and not values["mobile"]:
        errors["mobile"] = [_("Leave an email or a mobile number so we can reach you.")]
    if values["mobile"]:
        try:
            validate_mobile(values["mobile"])
        except ValidationError as exc:
            errors["mobile"] = list(exc.messages)
        else:
            values["mobile"] = normalize.mobile(values["mobile"])
    probe = Registration(**values)
    try:
        probe.clean_fields(exclude=["event", "lead", "status", "checked_in_by"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, list(messages))
    if errors:
        raise ValidationError(errors)
    return {**values, "consent": bool(data.get("consent"))}


def _lead_for(*, event: MarketingEvent, person: dict[str, Any], actor: User | None, ip: str | None) -> Lead:
    """The lead a person is: the oldest open or closed lead sharing the e-mail or mobile, else a
    new lead captured (and routed) through leads' own service."""
    keys = Keys(email=person["email"], mobile=normalize.mobile(person["mobile"]) if person["mobile"] else "")
    found = LeadMatcher().load([keys], leads_only=True).existing_lead(keys)
    if found is not None:
        lead = Lead.objects.filter(pk=found).first()
        if lead is not None:
            return lead
    data = {
        "source": LeadSource.EVENT,
        "campaign": event.campaign.code,
        "contact_name": person["name"],
        "company_name": person["company"],
        "contact_title": person["title"],
        "mobile": person["mobile"],
        "email": person["email"],
    }
    try:
        # via="event": the registration records its own touch, not the generic "lead created" one.
        return lead_create(actor=actor, data={k: v for k, v in data.items() if v}, submitter_ip=ip, via="event")
    except ValidationError as exc:
        raise ValidationError(
            {_LEAD_TO_PERSON.get(name, name): messages for name, messages in exc.message_dict.items()}
        ) from exc


def _touches(registration: Registration, kinds: tuple[str, ...]) -> None:
    event = registration.event
    lead = registration.lead
    keys: dict[str, str] = {TouchKind.REGISTRATION: "reg", TouchKind.ATTENDANCE: "att"}
    touches_record(
        [
            TouchIn(
                campaign_id=event.campaign_id,
                kind=kind,
                key=f"event:{event.pk}:{keys[kind]}:{registration.pk}",
                lead_id=lead.pk if lead else None,
                account_id=lead.account_id if lead else None,
                at=registration.checked_in_at if kind == TouchKind.ATTENDANCE else registration.registered_at,
            )
            for kind in kinds
        ]
    )


def _consent(registration: Registration, actor: User | None) -> None:
    # The public page (no actor) proves nothing about who typed the address: its grant never
    # turns a withdrawal back. A walk-in is recorded by marketing staff in person.
    if registration.consent and registration.email:
        consent_record(
            address=registration.email,
            state=ConsentState.GRANTED,
            basis=ConsentBasis.CONSENT,
            source=_("Event registration: %(event)s") % {"event": registration.event.name},
            actor=actor,
            verified=actor is not None,
        )


def registration_submit(*, event: MarketingEvent, data: dict[str, Any], ip: str | None) -> Registration | None:
    """A registration from the public page: the person, a lead created or matched, the
    registration touch, and the consent given.

    The same spam guards as leads' web forms: returns None (and creates nothing) when the
    honeypot field is filled; raises RateLimited past RATE_LIMIT registrations per address per
    hour; ValidationError when registration is closed, the event is full or has ended, or a
    field is wrong. The same mobile or e-mail registered twice gets the first registration back.
    """
    if data.get(HONEYPOT_FIELD):
        return None
    if (
        ip
        and Registration.objects.filter(submitter_ip=ip, registered_at__gte=timezone.now() - RATE_WINDOW).count()
        >= RATE_LIMIT
    ):
        raise RateLimited
    if not event.registration_open or event.ends_at < timezone.now():
        raise ValidationError({"__all__": [_("Registration for this event is closed.")]})
    person = _person(data)
    with transaction.atomic():
        locked = MarketingEvent.objects.select_for_update().get(pk=event.pk)
        again = _already_registered(locked, person)
        if again is not None:
            return again
        taken = Registration.objects.filter(event=locked).exclude(status=RegistrationStatus.CANCELLED).count()
        if locked.capacity is not None and taken >= locked.capacity:
            raise ValidationError({"__all__": [_("This event is full.")]})
        lead = _lead_for(event=locked, person=person, actor=None, ip=ip)
        registration = Registration.objects.create(
            event=locked, lead=lead, submitter_ip=ip, mobile_digits=normalize.mobile(person["mobile"]), **person
        )
        _touches(registration, (TouchKind.REGISTRATION,))
        _consent(registration, None)
    return registration


def _already_registered(event: MarketingEvent, person: dict[str, Any]) -> Registration | None:
    match = Q()
    if person["mobile"]:
        match |= Q(mobile_digits=normalize.mobile(person["mobile"]))
    if person["email"]:
        match |= Q(email=person["email"])
    return (
        Registration.objects.filter(event=event)
        .exclude(status=RegistrationStatus.CANCELLED)
        .filter(match)
        .order_by("pk")
        .first()
    )


def registration_check_in(*, actor: User, registration: Registration) -> Registration:
    """Mark a registered person present, now, and record the attendance touch. Checking in twice
    changes nothing. Refuses (422, on `status`) a cancelled registration (someone who came after
    all is a walk-in) and any check-in once the event ended more than CHECK_IN_GRACE ago."""
    _require_manager(actor)
    if registration.status in PRESENT:
        return registration
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError({"status": [_("A cancelled registration cannot be checked in; register a walk-in.")]})
    _require_check_in_open(registration.event)
    with transaction.atomic():
        registration.status = RegistrationStatus.ATTENDED
        registration.checked_in_at = timezone.now()
        registration.checked_in_by = actor
        registration.save(update_fields=["status", "checked_in_at", "checked_in_by"])
        _touches(registration, (TouchKind.ATTENDANCE,))
    return registration


def _require_check_in_open(event: MarketingEvent) -> None:
    if event.ends_at + CHECK_IN_GRACE < timezone.now():
        raise ValidationError({"status": [_("The event ended more than a day ago; check-in is closed.")]})


def registration_cancel(*, actor: User, registration: Registration) -> Registration:
    """Cancel a registration that has not checked in (its touch stays: the person did register).
    Refuses one already present (422)."""
    _require_manager(actor)
    if registration.status in PRESENT:
        raise ValidationError({"status": [_("Someone who came cannot be cancelled.")]})
    if registration.status != RegistrationStatus.CANCELLED:
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
    return registration


def registration_walk_in(*, actor: User, event: MarketingEvent, data: dict[str, Any]) -> Registration:
    """Someone who came without registering: a registration checked in now, its lead created or
    matched, and both touches (registration and attendance). Someone already registered is
    checked in instead."""
    _require_manager(actor)
    _unknown(data, PERSON_FIELDS)
    person = _person(data)
    _require_check_in_open(event)
    with transaction.atomic():
        again = _already_registered(event, person)
        if again is not None:
            return registration_check_in(actor=actor, registration=again)
        lead = _lead_for(event=event, person=person, actor=actor, ip=None)
        now = timezone.now()
        registration = Registration.objects.create(
            event=event,
            lead=lead,
            status=RegistrationStatus.WALK_IN,
            registered_at=now,
            checked_in_at=now,
            checked_in_by=actor,
            mobile_digits=normalize.mobile(person["mobile"]),
            **person,
        )
        _touches(registration, (TouchKind.REGISTRATION, TouchKind.ATTENDANCE))
        _consent(registration, actor)
    return registration


def campaigns_for_events(*, user: Any, current: Campaign | None = None) -> QuerySet[Campaign]:
    """The campaigns an event may belong to, for the form's choices: planned or active trade
    shows, seminars and webinars, plus `current` (the campaign of the event being edited)."""
    allowed = Q(status__in=OPEN_CAMPAIGN_STATUSES)
    if current is not None:
        allowed |= Q(pk=current.pk)
    campaigns = Campaign.objects.filter(allowed, kind__in=EVENT_CAMPAIGN_KINDS)
    return marketing_scope(campaigns, user).order_by("-starts_on", "name")
