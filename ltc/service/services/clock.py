"""SLA clocks in business time: working hours on working days of a business calendar (Monday to
Friday except public holidays, plus the adjusted working weekends, 调休), in the installation's
time zone. Everything is in whole minutes.

`Clock.load(calendar)` reads the calendar's exceptions once; `add(start, minutes)` is the moment
`minutes` business minutes after `start`, `between(start, end)` the business minutes from `start`
to `end`. A batch (the SLA sweep) keeps one Clock per calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ltc.service.models import BusinessCalendar, CalendarDay, DayKind

# How far ahead `add` looks for working days before giving up (a calendar without any).
MAX_DAYS = 3660


@dataclass
class Clock:
    day_starts: time
    day_ends: time
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)

    @classmethod
    def load(cls, calendar: BusinessCalendar) -> Clock:
        holidays: set[date] = set()
        workdays: set[date] = set()
        for day, kind in CalendarDay.objects.filter(calendar=calendar).values_list("day", "kind"):
            (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
        return cls(calendar.day_starts, calendar.day_ends, holidays, workdays)

    @property
    def minutes_a_day(self) -> int:
        start = self.day_starts.hour * 60 + self.day_starts.minute
        return self.day_ends.hour * 60 + self.day_ends.minute - start

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5

    def _span(self, day: date) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(day, self.day_starts), tz),
            timezone.make_aware(datetime.combine(day, self.day_ends), tz),
        )

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` business minutes after `start` (`start` itself for 0 in hours)."""
        local = timezone.localtime(start)
        day = local.date()
        remaining = max(int(minutes), 0)
        for _ in range(MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self._span(day)
                begin = max(local, opens)
                if begin < closes:
                    available = int((closes - begin).total_seconds() // 60)
                    if remaining <= available:
                        return begin + timedelta(minutes=remaining)
                    remaining -= available
            day += timedelta(days=1)
            local = timezone.make_aware(datetime.combine(day, time(0, 0)), timezone.get_current_timezone())
        raise ValueError("no working day in the calendar's next ten years")

    def between(self, start: datetime, end: datetime) -> int:
        """Business minutes from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0
        first, last = timezone.localtime(start), timezone.localtime(end)
        total = 0.0
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opens, closes = self._span(day)
                begin, finish = max(first, opens), min(last, closes)
                if finish > begin:
                    total += (finish - begin).total_seconds()
            day += timedelta(days=1)
        return int(total // 60)


def default_calendar() -> BusinessCalendar:
    """The installation's default calendar (made, with the known Chinese holidays, when missing)."""
    calendar = BusinessCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        from ltc.service.services.calendars import calendar_create_default

        calendar = calendar_create_default()
    return calendar


@dataclass(frozen=True)
class SlaTimes:
    """A case's due and warning moments for its two clocks (wall-clock time)."""

    response_due: datetime
    response_warn: datetime
    resolution_due: datetime
    resolution_warn: datetime


def sla_times(
    clock: Clock,
    *,
    opened_at: datetime,
    first_response_minutes: int,
    resolution_minutes: int,
    warn_at_pct: int,
    paused_minutes: int = 0,
) -> SlaTimes:
    """The due and warning moments of targets counted in business minutes from `opened_at`; the
    business minutes spent waiting on the customer (`paused_minutes`) push both clocks later."""

    def warn(target: int) -> int:
        return -(-target * warn_at_pct // 100)  # ceiling: never warn before the share has elapsed

    return SlaTimes(
        response_due=clock.add(opened_at, first_response_minutes + paused_minutes),
        response_warn=clock.add(opened_at, warn(first_response_minutes) + paused_minutes),
        resolution_due=clock.add(opened_at, resolution_minutes + paused_minutes),
        resolution_warn=clock.add(opened_at, warn(resolution_minutes) + paused_minutes),
    )
