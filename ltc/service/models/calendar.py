"""Business calendars (工作日历): working hours on working days, Chinese public holidays and the
adjusted working weekends (调休). SLA clocks run only in business time (ltc.service.services.clock)."""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel


class BusinessCalendar(VersionedModel):
    """Working hours (one span a day, e.g. 09:00–18:00, in the installation's time zone) on Monday to
    Friday, except the days listed as holidays, plus the weekend days listed as working days."""

    name = models.CharField(_("name"), max_length=100)
    day_starts = models.TimeField(_("working day starts"), default=time(9, 0))
    day_ends = models.TimeField(_("working day ends"), default=time(18, 0))
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.CheckConstraint(condition=Q(day_ends__gt=models.F("day_starts")), name="svc_calendar_hours_ordered"),
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="svc_one_default_calendar"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day (调休)")


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday on a weekday, or a weekend day worked (调休)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="svc_calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"
