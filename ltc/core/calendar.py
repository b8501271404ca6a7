"""The calendar: dated things of every stage on one grid, through a typed registry.

Each app registers a CalendarSource from its AppConfig.ready (core registers the activities);
earlier apps never import later ones, the calendar only calls `entries`. A source answers the
entries of one range for one user with access applied, in a few queries whatever the range holds,
and at most ENTRY_LIMIT of them. Scope "mine" is what the user is personally on (owner, iron
triangle); scope "team" is everything the user's access rule lets them see (their managed teams'
records; everything for roles that see all).

An entry carries an allow-list of fields (no amounts, no notes): the private ICS feed, answered
without sign-in, is built from nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MINE = "mine"
TEAM = "team"
SCOPES = (MINE, TEAM)
ENTRY_LIMIT = 500  # per source and range: a calendar shows what a person can read, not a report
MAX_RANGE_DAYS = 400


@dataclass(frozen=True)
class CalendarEntry:
    """One dated thing on the calendar. `version` is what a move must name (activities: the due
    time as read, so a move never overwrites someone else's)."""

    kind: str
    title: str
    start: date | datetime
    all_day: bool
    url: str
    record: str
    record_id: int
    movable: bool = False
    version: str = ""

    @property
    def day(self) -> date:
        if isinstance(self.start, datetime):
            return timezone.localtime(self.start).date()
        return self.start

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.record_id}@ltc"


Entries = Callable[[Any, date, date, str], Iterable[CalendarEntry]]


@dataclass(frozen=True)
class CalendarSource:
    key: str
    label: Any  # lazy text
    entries: Entries
    icon: str = "calendar"
    order: int = 100


_SOURCES: dict[str, CalendarSource] = {}


def register(source: CalendarSource) -> CalendarSource:
    _SOURCES[source.key] = source
    return source


def sources() -> list[CalendarSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def entries_for(
    user: Any, start: date, end: date, *, scope: str = MINE, kinds: Iterable[str] | None = None
) -> list[CalendarEntry]:
    """Every entry of [start, end) from the chosen sources, in date order."""
    wanted = set(kinds) if kinds is not None else None
    found: list[CalendarEntry] = []
    for source in sources():
        if wanted is None or source.key in wanted:
            found.extend(source.entries(user, start, end, scope))
    return sorted(found, key=lambda e: (e.day, not e.all_day, _sort_time(e.start), e.kind, e.record_id))


def _sort_time(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.min))


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The aware local datetimes at the start of `start` and of `end`."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end, time.min)),
    )


def people(user: Any, scope: str) -> list[int]:
    """Whose things a scope shows: the user alone, or the user and the teams they manage."""
    return user.people_in_view() if scope == TEAM else [user.pk]


def personally_q(user: Any, paths: Iterable[str]) -> Q:
    """The user named on a record through any of `paths` (owner, sr, fr, sponsor ...)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{path}_id": user.pk})
    return q


def range_valid(start: date, end: date) -> bool:
    return start < end and end - start <= timedelta(days=MAX_RANGE_DAYS)


# --- activities (core) ---------------------------------------------------------------------


def activity_in_view(user: Any, pk: Any) -> Any:
    """An activity the user may move, or 404: their own, one owned by someone in a team they
    manage, any for an administrator."""
    from ltc.core.access import fetch_or_404
    from ltc.core.models import Activity

    activities = Activity.objects.select_related("owner")
    if not (user.is_authenticated and user.is_active):
        activities = activities.none()
    elif not user.has_role("admin"):
        activities = activities.filter(owner_id__in=user.people_in_view())
    return fetch_or_404(activities, pk=pk)


def _activity_entries(user: Any, start: date, end: date, scope: str) -> list[CalendarEntry]:
    """Open activities due in the range, owned by the user (or with scope team, by the people of
    the teams they manage); the owner and their managers may move them."""
    from ltc.core.models import Activity

    if not (user.is_authenticated and user.is_active):
        return []
    since, until = day_bounds(start, end)
    rows = (
        Activity.objects.open()
        .filter(owner_id__in=people(user, scope), due_at__gte=since, due_at__lt=until)
        .select_related("owner", "content_type")
        .prefetch_related("subject")
        .order_by("due_at", "pk")[:ENTRY_LIMIT]
    )
    openable = _openable_subjects(user, rows)
    entries = []
    for activity in rows:
        if activity.due_at is None:
            continue
        subject = activity.subject
        shown = subject is not None and (type(subject), subject.pk) in openable
        url = subject.get_absolute_url() if shown and subject is not None else ""
        title = f"{activity.get_kind_display()}: {activity.title}"
        if activity.owner_id != user.pk:
            title = f"{title} ({activity.owner})"
        entries.append(
            CalendarEntry(
                kind="activity",
                title=title,
                start=activity.due_at,
                all_day=False,
                url=url,
                record=str(subject) if shown else "",
                record_id=activity.pk,
                movable=True,
                version=activity.due_at.isoformat(),
            )
        )
    return entries


def _openable_subjects(user: Any, activities: Iterable[Any]) -> set[tuple[type[Any], Any]]:
    """The (model, pk) of the activities' subjects the user may open — an activity of someone in
    their team may sit on a record they do not see: it is listed without a link (one query per
    kind of subject)."""
    from ltc.core.access import visible_ids

    by_model: dict[type[Any], set[Any]] = {}
    for activity in activities:
        subject = activity.subject
        if subject is not None and hasattr(subject, "get_absolute_url"):
            by_model.setdefault(type(subject), set()).add(subject.pk)
    return {(model, pk) for model, pks in by_model.items() for pk in visible_ids(user, model, pks)}


register(CalendarSource("activity", _("Activities"), _activity_entries, icon="checkbox", order=10))
