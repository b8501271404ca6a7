"""The calendar page (month grid and week list, mine or my team's, by source), moving an activity
by dragging it to another day, and the private ICS feed (its address, and the feed itself)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ltc.core import calendar
from ltc.core.activities import activity_reschedule
from ltc.core.calendar import CalendarEntry
from ltc.core.calendar_feed import (
    calendar_feed_active,
    calendar_feed_create,
    calendar_feed_resolve,
    calendar_feed_revoke,
    calendar_ics,
)
from ltc.org.types import AuthedRequest

MONTH, WEEK = "month", "week"
YEARS = (1900, 9000)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[CalendarEntry] = field(default_factory=list)


def _day(raw: str, default: date) -> date:
    try:
        day = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    # Far from any business date, a grid's first or last week would leave the calendar.
    return day if YEARS[0] <= day.year <= YEARS[1] else default


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


@login_required
@require_GET
def calendar_page(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    view = MONTH if request.GET.get("view") != WEEK else WEEK
    scope = calendar.TEAM if request.GET.get("scope") == calendar.TEAM else calendar.MINE
    anchor = _day(request.GET.get("day", ""), today)
    sources = calendar.sources()
    keys = [s.key for s in sources]
    chosen = [k for k in request.GET.getlist("kinds") if k in keys] or keys
    if view == MONTH:
        first = anchor.replace(day=1)
        start = first - timedelta(days=first.weekday())
        following = _add_months(first, 1)
        end = following + timedelta(days=(7 - following.weekday()) % 7)
        previous, upcoming = _add_months(first, -1), following
        heading = first
    else:
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=7)
        previous, upcoming = start - timedelta(days=7), end
        heading = start
        first = start
    days = {
        start + timedelta(days=n): Day(
            start + timedelta(days=n),
            view == WEEK or (start + timedelta(days=n)).month == first.month,
            start + timedelta(days=n) == today,
        )
        for n in range((end - start).days)
    }
    for entry in calendar.entries_for(request.user, start, end, scope=scope, kinds=chosen):
        if entry.day in days:
            days[entry.day].entries.append(entry)
    ordered = list(days.values())

    def link(day: date, **changes: str) -> str:
        params: list[tuple[str, str]] = [("view", changes.get("view", view)), ("scope", changes.get("scope", scope))]
        params.append(("day", day.isoformat()))
        params += [("kinds", k) for k in chosen] if chosen != keys else []
        return f"{reverse('web:calendar')}?{urlencode(params)}"

    context = {
        "view": view,
        "scope": scope,
        "heading": heading,
        "weeks": [ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        "days": ordered,
        "sources": sources,
        "chosen": chosen,
        "anchor": anchor,
        "previous_url": link(previous),
        "next_url": link(upcoming),
        "today_url": link(today),
        "month_url": link(anchor, view=MONTH),
        "week_url": link(anchor, view=WEEK),
        "mine_url": link(anchor, scope=calendar.MINE),
        "team_url": link(anchor, scope=calendar.TEAM),
        "feed": calendar_feed_active(user=request.user),
        "new_feed_url": None,
    }
    return render(request, "web/calendar.html", context)


@login_required
@require_POST
def calendar_reschedule(request: AuthedRequest, pk: int) -> JsonResponse:
    """Move an activity to the posted day, keeping its time of day; answers JSON for the page's
    script: the new due time and version, or a message (the entry then goes back where it was)."""
    try:
        activity = calendar.activity_in_view(request.user, pk)
    except Http404:
        return JsonResponse({"message": _("This activity cannot be found.")}, status=404)
    day = _day(request.POST.get("day", ""), date.min)
    if day == date.min or activity.due_at is None:
        return JsonResponse({"message": _("Choose a day."), "field": "day"}, status=422)
    try:
        expected = datetime.fromisoformat(request.POST.get("expected_due_at", ""))
    except ValueError:
        expected = None
    local = timezone.localtime(activity.due_at)
    due_at = timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))
    try:
        moved = activity_reschedule(actor=request.user, activity=activity, due_at=due_at, expected_due_at=expected)
    except PermissionDenied as exc:
        return JsonResponse({"message": str(exc)}, status=403)
    except ValidationError as exc:
        text = " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
        return JsonResponse({"message": text}, status=422)
    version = moved.due_at.isoformat() if moved.due_at else ""
    return JsonResponse(
        {"message": _("Moved to %(day)s.") % {"day": day.isoformat()}, "due_at": version, "version": version}
    )


@login_required
@require_POST
def calendar_feed(request: AuthedRequest) -> HttpResponse:
    """Make a new private feed address (shown once; the previous one stops) or stop the feed."""
    if request.POST.get("action") == "revoke":
        calendar_feed_revoke(actor=request.user, user=request.user)
        messages.success(request, _("Your calendar feed is stopped."))
        return redirect("web:calendar")
    _feed, raw = calendar_feed_create(actor=request.user, user=request.user)
    url = request.build_absolute_uri(reverse("web:calendar_ics", args=[raw]))
    return render(request, "web/calendar_feed.html", {"new_feed_url": url})


@require_GET
def calendar_ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, without sign-in: the secret in the address is the key."""
    feed = calendar_feed_resolve(token)
    if feed is None:
        raise Http404
    body = calendar_ics(user=feed.user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
