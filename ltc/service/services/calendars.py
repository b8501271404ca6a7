"""Business calendars (工作日历): the working hours and the exceptions to Monday–Friday — public
holidays on weekdays and weekend days worked (调休). The default calendar, 中国大陆工作日历, is seeded
from the `chinese_calendar` library, which knows the State Council's holiday arrangements up to
the year it was published for; a later year is imported when a newer library knows it, or its days
are entered by hand. Configured by administrators and service team managers
(`can_configure_service`); every change is version-checked and on the calendar's timeline."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from chinese_calendar import constants as cn_calendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.core.models import TIMELINE_ENTRIES
from ltc.service.access import can_configure_service
from ltc.service.models import BusinessCalendar, CalendarDay, DayKind
from ltc.service.services.sla_recompute import open_cases_recompute

# The default calendar's name when it is made (in the active language); it is known by
# `is_default`, never by its name.
DEFAULT_CALENDAR_NAME = gettext_lazy("Mainland China working calendar")
CALENDAR_FIELDS = ("name", "day_starts", "day_ends")

TIMELINE_ENTRIES.setdefault("calendar_day", gettext_lazy("calendar day"))


# --- what the library knows ----------------------------------------------------------------------


def library_years() -> list[int]:
    """The years whose holidays and adjusted working days the installed library knows."""
    return sorted({day.year for day in cn_calendar.holidays} | {day.year for day in cn_calendar.workdays})


def _holiday_name(english: str) -> str:
    try:
        return str(cn_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def library_days(year: int) -> list[tuple[date, str, str]]:
    """(date, kind, name) of `year`'s exceptions worth storing: holidays on a weekday and weekend
    days worked; a holiday on a weekend is off anyway."""
    days = [
        (day, DayKind.HOLIDAY.value, _holiday_name(name))
        for day, name in cn_calendar.holidays.items()
        if day.year == year and day.weekday() < 5
    ]
    days += [
        (day, DayKind.WORKDAY.value, _holiday_name(name))
        for day, name in cn_calendar.workdays.items()
        if day.year == year and day.weekday() >= 5
    ]
    return sorted(days)


# --- reads ---------------------------------------------------------------------------------------


def _require_configurer(user: Any) -> None:
    if not can_configure_service(user):
        raise PermissionDenied(_("Only administrators and service team managers configure service."))


def calendar_list(*, user: Any) -> QuerySet[BusinessCalendar]:
    _require_configurer(user)
    return BusinessCalendar.objects.order_by("-is_default", "name", "id")


def calendar_get(*, user: Any, pk: Any) -> BusinessCalendar:
    _require_configurer(user)
    calendar = BusinessCalendar.objects.filter(pk=pk).first() if is_id(pk) else None
    if calendar is None:
        raise Http404
    return calendar


FIRST_YEAR, LAST_YEAR = 1900, 2200  # the years a calendar may hold


def calendar_days(*, calendar: BusinessCalendar, year: int | None = None) -> QuerySet[CalendarDay]:
    """The calendar's exceptions, of `year` when given; refuses a year outside 1900–2200 (422 on
    `year`) rather than asking the database for a date it cannot hold."""
    days = CalendarDay.objects.filter(calendar=calendar)
    if year is None:
        return days
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            {"year": [_("Enter a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}]}
        )
    return days.filter(day__year=year)


def calendar_years(*, calendar: BusinessCalendar) -> list[int]:
    """The years the calendar has exceptions for, with this year and the next always offered."""
    this_year = timezone.localdate().year
    stored = {d.year for d in CalendarDay.objects.filter(calendar=calendar).dates("day", "year")}
    return sorted(stored | {this_year, this_year + 1})


# --- writes --------------------------------------------------------------------------------------


def _validate(calendar: BusinessCalendar) -> None:
    errors: dict[str, list[str]] = {}
    calendar.name = (calendar.name or "").strip()
    try:
        calendar.full_clean(exclude=["is_default"], validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    starts, ends = calendar.day_starts, calendar.day_ends
    if isinstance(starts, time) and isinstance(ends, time) and ends <= starts:
        errors["day_ends"] = [_("The working day must end after it starts.")]
    if errors:
        raise ValidationError(errors)


def _unknown(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(CALENDAR_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _seed(calendar: BusinessCalendar, years: list[int]) -> int:
    rows = [
        CalendarDay(calendar=calendar, day=day, kind=kind, name=name)
        for year in years
        for day, kind, name in library_days(year)
    ]
    CalendarDay.objects.filter(calendar=calendar, day__in=[row.day for row in rows]).delete()
    CalendarDay.objects.bulk_create(rows)
    return len(rows)


def calendar_create_default() -> BusinessCalendar:
    """The installation's default calendar 中国大陆工作日历 (09:00–18:00), made when missing, with
    the holidays and adjusted working days the library knows from last year on. Safe when two
    callers race: the one default stays (unique constraint), the loser reads it."""
    existing = BusinessCalendar.objects.filter(is_default=True).first()
    if existing is not None:
        return existing
    first_year = timezone.localdate().year - 1
    years = [year for year in library_years() if year >= first_year]
    try:
        with transaction.atomic():
            calendar = BusinessCalendar.objects.create(
                name=str(DEFAULT_CALENDAR_NAME), day_starts=time(9, 0), day_ends=time(18, 0), is_default=True
            )
            _seed(calendar, years)
            timeline.record_created(actor=None, subject=calendar)
    except IntegrityError:
        return BusinessCalendar.objects.get(is_default=True)
    return calendar


def calendar_create(*, actor: Any, data: dict[str, Any]) -> BusinessCalendar:
    """A new calendar (name, day_starts, day_ends), without exceptions: import a year or enter
    days. Refuses non-configurers (403), a blank name and a day that ends before it starts (422)."""
    _require_configurer(actor)
    _unknown(data)
    calendar = BusinessCalendar(**data)
    _validate(calendar)
    with transaction.atomic():
        calendar.save()
        timeline.record_created(actor=actor, subject=calendar)
    return calendar


def calendar_update(
    *, actor: Any, calendar: BusinessCalendar, data: dict[str, Any], expected_version: int
) -> BusinessCalendar:
    """Change the name or the working hours if nobody changed the calendar since
    `expected_version` (StaleVersionError otherwise). New working hours move the due times of
    the open cases timed on the calendar, in the same transaction."""
    _require_configurer(actor)
    _unknown(data)
    before = timeline.snapshot(calendar, data.keys())
    hours = (calendar.day_starts, calendar.day_ends)
    for name, value in data.items():
        setattr(calendar, name, value)
    _validate(calendar)
    with transaction.atomic():
        save_if_current(calendar, expected_version=expected_version, fields=list(data))
        timeline.record_changes(actor=actor, subject=calendar, before=before)
        if hours != (calendar.day_starts, calendar.day_ends):
            open_cases_recompute(calendar_id=calendar.pk)
    return calendar


def _day_text(day: date, kind: str, name: str) -> str:
    return f"{day.isoformat()} {DayKind(kind).label} {name}".strip()


def calendar_day_set(
    *, actor: Any, calendar: BusinessCalendar, day: date | None, kind: str, name: str, expected_version: int
) -> CalendarDay:
    """Make `day` a holiday (a weekday off) or a working day (a weekend day worked, 调休), with
    its name; replaces what the day was. Refuses a holiday on a weekend and a working day on a
    weekday (they are so already), an unknown kind and a name over 100 characters (422)."""
    _require_configurer(actor)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if day is None:
        errors["day"] = [_("Enter a date.")]
    if kind not in DayKind.values:
        errors["kind"] = [_("Choose holiday or working day.")]
    elif day is not None and kind == DayKind.HOLIDAY and day.weekday() >= 5:
        errors["day"] = [_("A Saturday or Sunday is off anyway: enter holidays on weekdays only.")]
    elif day is not None and kind == DayKind.WORKDAY and day.weekday() < 5:
        errors["day"] = [_("Monday to Friday are working days anyway: enter only weekend days worked.")]
    if len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    if errors or day is None:
        raise ValidationError(errors)
    with transaction.atomic():
        save_if_current(calendar, expected_version=expected_version, fields=[])
        old = CalendarDay.objects.filter(calendar=calendar, day=day).first()
        if old is None:
            entry = CalendarDay.objects.create(calendar=calendar, day=day, kind=kind, name=name)
        else:
            entry = old
            before = _day_text(old.day, old.kind, old.name)
            entry.kind, entry.name = kind, name
            entry.save(update_fields=["kind", "name"])
        timeline.record_field_changes(
            actor=actor,
            subject=calendar,
            changes=[
                {
                    "field": "calendar_day",
                    "old": before if old is not None else "",
                    "new": _day_text(day, kind, name),
                }
            ],
        )
        open_cases_recompute(calendar_id=calendar.pk)
    return entry


def calendar_day_remove(*, actor: Any, calendar: BusinessCalendar, day: date, expected_version: int) -> None:
    """The day follows Monday–Friday again. 404 when the calendar has no such exception."""
    _require_configurer(actor)
    entry = CalendarDay.objects.filter(calendar=calendar, day=day).first()
    if entry is None:
        raise Http404
    with transaction.atomic():
        save_if_current(calendar, expected_version=expected_version, fields=[])
        entry.delete()
        timeline.record_field_changes(
            actor=actor,
            subject=calendar,
            changes=[{"field": "calendar_day", "old": _day_text(entry.day, entry.kind, entry.name), "new": ""}],
        )
        open_cases_recompute(calendar_id=calendar.pk)


def calendar_import_year(*, actor: Any, calendar: BusinessCalendar, year: Any, expected_version: int) -> int:
    """Store `year`'s holidays and adjusted working days as the library knows them (the days of
    that year already entered are replaced where the library names them). Refuses a year the
    library does not know (422 on `year`): its days are then entered by hand. Returns how many
    days were stored."""
    _require_configurer(actor)
    known = library_years()
    if not is_id(year) or int(year) not in known:
        raise ValidationError(
            {
                "year": [
                    _(
                        "The holiday library knows the years %(first)s to %(last)s only: enter the days of "
                        "%(year)s by hand (as the State Council publishes them), or update the library."
                    )
                    % {"first": known[0], "last": known[-1], "year": year}
                ]
            }
        )
    with transaction.atomic():
        save_if_current(calendar, expected_version=expected_version, fields=[])
        stored = _seed(calendar, [int(year)])
        timeline.record_field_changes(
            actor=actor,
            subject=calendar,
            changes=[
                {"field": "calendar_day", "old": "", "new": _("%(n)d days of %(year)s") % {"n": stored, "year": year}}
            ],
            text=_("Holidays imported"),
        )
        open_cases_recompute(calendar_id=calendar.pk)
    return stored
