"""Marketing events (市场活动): a trade show booth, a seminar or a webinar of a campaign, its
public registration page, and the people who registered, came or walked in (报名与签到)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel

# The campaign kinds an event may belong to.
EVENT_CAMPAIGN_KINDS = ("trade_show", "seminar", "webinar")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    WALK_IN = "walk_in", _("Walk-in")


# Who came: those counted as attendees.
PRESENT = (RegistrationStatus.ATTENDED, RegistrationStatus.WALK_IN)


class MarketingEvent(VersionedModel):
    """An event of a campaign (trade show, seminar or webinar). `key` names its public
    registration page; `registration_open` closes the page without hiding the event."""

    campaign = models.ForeignKey(
        "marketing.Campaign", on_delete=models.PROTECT, related_name="events", verbose_name=_("campaign")
    )
    name = models.CharField(_("name"), max_length=200)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, validators=[MinValueValidator(1)])
    registration_open = models.BooleanField(_("registration open"), default=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    key = models.CharField(max_length=40, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("marketing event")
        verbose_name_plural = _("marketing events")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="mkt_event_times_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:event_detail", args=[self.pk])


class Registration(models.Model):
    """One person registered for an event, or who walked in on the day. `lead` is the lead the
    registration created or matched; `consent` whether the person agreed to hear from us."""

    event = models.ForeignKey(
        MarketingEvent, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("event")
    )
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    mobile_digits = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("lead")
    )
    consent = models.BooleanField(_("agrees to receive event news"), default=False)
    submitter_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            models.Index(fields=["event", "mobile_digits"], name="mkt_reg_event_mobile"),
            models.Index(fields=["event", "status"], name="mkt_reg_event_status"),
            models.Index(
                fields=["submitter_ip", "registered_at"],
                condition=Q(submitter_ip__isnull=False),
                name="mkt_reg_submitter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.event_id}"

    @property
    def is_present(self) -> bool:
        return self.status in PRESENT
