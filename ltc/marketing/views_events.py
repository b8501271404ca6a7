"""Events pages (市场活动): the list, an event with its attendees and the day's check-in, the
event form, and the public registration page (no sign-in)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, add_service_errors, flash_errors, is_htmx, posted_number
from ltc.core.links import absolute_url
from ltc.core.net import client_address
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.forms_events import EventForm, PersonForm, PublicRegistrationForm
from ltc.marketing.models.events import MarketingEvent, RegistrationStatus
from ltc.marketing.services import events as services
from ltc.org.types import AuthedRequest

PAGE_SIZE = 50


def _require_reader(request: AuthedRequest) -> None:
    if not sees_marketing(request.user):
        raise PermissionDenied(_("You may not read events."))


def _writable(request: AuthedRequest, pk: int) -> MarketingEvent:
    event = services.event_get(user=request.user, pk=pk)
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage events."))
    return event


@login_required
def event_list(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    q = request.GET.get("q", "")[:100]
    params = ListParams(request.GET, default_limit=PAGE_SIZE)
    page = params.page(paginate(services.event_list(user=request.user, q=q), limit=params.limit, offset=params.offset))
    return render(
        request,
        "marketing/event_list.html",
        {"page": page, "q": q, "can_manage": can_manage_marketing(request.user)},
    )


def _event_data(form: EventForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@login_required
def event_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage events."))
    campaigns = services.campaigns_for_events(user=request.user)
    form = EventForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, data=_event_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Event created."))
            return redirect(event)
    status = 422 if request.method == "POST" else 200
    return render(request, "marketing/event_form.html", {"form": form, "event": None}, status=status)


@login_required
def event_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _writable(request, pk)
    campaigns = services.campaigns_for_events(user=request.user, current=event.campaign)
    initial = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    form = EventForm(request.POST or None, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                actor=request.user,
                event=event,
                data=_event_data(form),
                expected_version=posted_number(request.POST, "version"),
            )
        except StaleVersionError:
            form.add_error(None, _("Someone changed this event meanwhile; reload to see their change."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect(event)
    status = 422 if request.method == "POST" else 200
    return render(request, "marketing/event_form.html", {"form": form, "event": event}, status=status)


@login_required
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The event and its attendees: search by mobile (last 4 digits or whole) or name, check in
    with one click, register a walk-in. The attendee table alone answers htmx searches."""
    event = services.event_get(user=request.user, pk=pk)
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    rows = services.registration_list(user=request.user, event=event, q=q, status=status)
    page = paginate(rows, limit=PAGE_SIZE, offset=0)
    context = {
        "event": event,
        "registrations": page["items"],
        "more": page["next_offset"] is not None,
        "q": q,
        "status": status,
        "statuses": RegistrationStatus.choices,
        "can_manage": can_manage_marketing(request.user),
    }
    if is_htmx(request):
        return render(request, "marketing/event_attendees.html", context)
    context.update(
        counts=services.event_counts(event=event),
        public_url=absolute_url(reverse("marketing:event_public", args=[event.key])),
        walk_in=PersonForm(),
    )
    return render(request, "marketing/event_detail.html", context)


@login_required
@require_POST
def event_check_in(request: AuthedRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = _writable(request, pk)
    registration = services.registration_get(event=event, pk=registration_pk)
    back = f"{event.get_absolute_url()}?{urlencode({'q': request.POST.get('q', '')[:100]})}"
    try:
        services.registration_check_in(actor=request.user, registration=registration)
    except ValidationError as exc:
        flash_errors(request, exc)
        if is_htmx(request):  # the page reloads to show why
            return HttpResponse(status=204, headers={"HX-Redirect": back})
        return redirect(back)
    if is_htmx(request):
        return render(
            request,
            "marketing/event_attendee_row.html",
            {"event": event, "r": registration, "can_manage": True},
        )
    messages.success(request, _("%(name)s checked in.") % {"name": registration.name})
    return redirect(back)


@login_required
@require_POST
def event_walk_in(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _writable(request, pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            registration = services.registration_walk_in(actor=request.user, event=event, data=form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("%(name)s checked in.") % {"name": registration.name})
    else:
        flash_errors(request, ValidationError(form.errors))
    return redirect(event)


# --- the public page (no sign-in) ---------------------------------------------------------------


@csrf_exempt
def event_public(request: HttpRequest, key: str) -> HttpResponse:
    """The public registration page: only the event's public fields; honeypot and rate limit as
    leads' web forms (no CSRF token: the link is shared on other sites and in WeChat)."""
    event = services.event_public(key)
    public = {name: getattr(event, name) for name in services.PUBLIC_EVENT_FIELDS}
    form = PublicRegistrationForm(request.POST or None)
    context: dict[str, Any] = {"public": public, "key": event.key, "form": form, "open": event.registration_open}
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_submit(event=event, data=form.cleaned_data, ip=client_address(request))
        except services.RateLimited:
            return render(request, "marketing/event_public.html", {**context, "limited": True}, status=429)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("marketing:event_thanks", key=event.key)
    status = 422 if request.method == "POST" else 200
    return render(request, "marketing/event_public.html", context, status=status)


def event_thanks(request: HttpRequest, key: str) -> HttpResponse:
    event = services.event_public(key)
    public = {name: getattr(event, name) for name in services.PUBLIC_EVENT_FIELDS}
    return render(request, "marketing/event_thanks.html", {"public": public})
