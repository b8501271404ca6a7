"""The SLA clock over the real 2026 Chinese calendar: the National Day week is off, the adjusted
working Saturday 2026-10-10 (调休) counts, nights and weekends do not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from ltc.service.models import CalendarDay, DayKind
from ltc.service.services import calendars
from ltc.service.services.clock import Clock, default_calendar, sla_times
from ltc.service.services.policies import DEFAULT_TARGETS


def at(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))  # type: ignore[arg-type]  # noqa: DTZ001


@pytest.fixture
def clock_2026(world: Any) -> Clock:
    calendar = default_calendar()
    calendars.calendar_import_year(actor=world.admin, calendar=calendar, year=2026, expected_version=calendar.version)
    return Clock.load(calendar)


def test_the_default_calendar_knows_2026_holidays_and_adjusted_workdays(clock_2026: Clock) -> None:
    calendar = default_calendar()
    assert (calendar.is_default, calendar.name) == (True, "Mainland China working calendar")
    assert (calendar.day_starts.hour, calendar.day_ends.hour) == (9, 18)
    days = {d.day.isoformat(): (d.kind, d.name) for d in CalendarDay.objects.filter(calendar=calendar, day__year=2026)}
    assert days["2026-10-01"] == (DayKind.HOLIDAY, "国庆节")
    assert days["2026-10-10"] == (DayKind.WORKDAY, "国庆节")
    assert days["2026-09-20"] == (DayKind.WORKDAY, "国庆节")
    assert "2026-10-03" not in days  # a Saturday in the holiday: off anyway, not stored
    assert all(
        (kind == DayKind.HOLIDAY) == (datetime.fromisoformat(day).weekday() < 5) for day, (kind, _n) in days.items()
    )
    assert not clock_2026.is_working_day(at(2026, 10, 5, 10).date())
    assert clock_2026.is_working_day(at(2026, 10, 10, 10).date())


def test_a_p2_case_opened_before_national_day_is_due_after_the_holiday_week(clock_2026: Clock) -> None:
    first, resolution = DEFAULT_TARGETS["p2"]  # 240 / 960 business minutes
    times = sla_times(
        clock_2026,
        opened_at=at(2026, 9, 30, 16, 0),
        first_response_minutes=first,
        resolution_minutes=resolution,
        warn_at_pct=80,
    )
    # 2 hours on 30 September, then nothing until Thursday 8 October.
    assert times.response_due == at(2026, 10, 8, 11, 0)
    assert times.response_warn == at(2026, 10, 8, 10, 12)  # 192 minutes
    assert times.resolution_due == at(2026, 10, 9, 14, 0)  # 120 + 540 + 300


def test_the_adjusted_working_saturday_counts(clock_2026: Clock) -> None:
    # 2400 minutes from 30 Sep 16:00: 120 + 540 (8 Oct) + 540 (9 Oct) + 540 (Sat 10 Oct, 调休)
    # + 540 (Mon 12 Oct) + 120 on Tuesday.
    assert clock_2026.add(at(2026, 9, 30, 16, 0), 2400) == at(2026, 10, 13, 11, 0)
    assert clock_2026.between(at(2026, 10, 9, 17, 0), at(2026, 10, 12, 10, 0)) == 60 + 540 + 60


def test_without_the_calendar_days_the_week_would_be_worked(world: Any) -> None:
    plain = Clock.load(calendars.calendar_create(actor=world.admin, data={"name": "无节假日"}))
    assert plain.add(at(2026, 9, 30, 16, 0), 2400) == at(2026, 10, 7, 11, 0)
