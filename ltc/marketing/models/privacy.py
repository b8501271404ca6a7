"""Data-subject requests under PIPL (个人信息保护法 art. 45, 47): a person asks for a copy of their
data or for its erasure. Each request is kept with who asked, who recorded it, who carried it out,
when and what was done; a request names the lead or the contact, never the person's data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Export the person's data")
    ERASE = "erase", _("Erase the person's data")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class DataSubjectRequest(models.Model):
    """One request of a person about their data, for exactly one lead or one contact."""

    kind = models.CharField(_("kind"), max_length=8, choices=RequestKind.choices)
    status = models.CharField(_("status"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contact"),
    )
    asked_via = models.CharField(
        _("asked via"), max_length=200, help_text=_("How the person asked: e-mail, phone, letter ...")
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False, contact__isnull=True) | Q(lead__isnull=True, contact__isnull=False),
                name="mkt_dsr_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def subject(self) -> models.Model:
        return self.lead if self.lead_id else self.contact  # type: ignore[return-value]
