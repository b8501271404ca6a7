"""Consent (个人信息保护法 / PIPL): per address and channel, the lawful basis and whether the person
may be sent marketing, with where it came from and when. `Consent` is the current state (one row
per address and channel, what every send checks); `ConsentRecord` is its history, append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")


class ConsentState(models.TextChoices):
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentBasis(models.TextChoices):
    """The lawful bases of PIPL art. 13 that marketing may rest on."""

    CONSENT = "consent", _("Consent of the person (同意)")
    CONTRACT = "contract", _("Necessary for a contract with the person (合同所必需)")
    PUBLIC = "public", _("Information the person made public (已公开信息)")


class ConsentFields(models.Model):
    address = models.CharField(_("address"), max_length=254)
    channel = models.CharField(_("channel"), max_length=8, choices=ConsentChannel.choices, default=ConsentChannel.EMAIL)
    state = models.CharField(_("state"), max_length=12, choices=ConsentState.choices)
    basis = models.CharField(_("lawful basis"), max_length=12, choices=ConsentBasis.choices, blank=True)
    source = models.CharField(_("source"), max_length=200, help_text=_("Where it was given or withdrawn"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class Consent(ConsentFields):
    """The current consent of an address (lower-cased e-mail, or a mobile) on a channel."""

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["address", "channel"], name="mkt_consent_once")]

    def __str__(self) -> str:
        return f"{self.address} {self.channel} {self.state}"


class ConsentRecord(ConsentFields):
    """One change of consent, as it was recorded: never updated, never deleted (an erasure
    anonymises the address)."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="records")

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["recorded_at", "pk"]
