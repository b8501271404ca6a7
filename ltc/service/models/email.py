"""Inbound case e-mail (来信): every mail the endpoint accepted, kept as received. One row per
Message-ID, so a mail delivered twice is one message; a mail from an unknown sender waits here,
unmatched, until an agent attaches it to an account's contact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundStatus(models.TextChoices):
    MATCHED = "matched", _("Threaded onto a case")
    OPENED = "opened", _("Opened a case")
    UNMATCHED = "unmatched", _("Unknown sender")
    ATTACHED = "attached", _("Attached by an agent")
    REJECTED = "rejected", _("Rejected")


class InboundEmail(models.Model):
    message_id = models.CharField(max_length=255, unique=True)
    raw = models.BinaryField(_("raw message"))
    from_address = models.EmailField(_("from"), blank=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    to_address = models.CharField(_("to"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    case = models.ForeignKey(
        "service.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_emails"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        indexes = [models.Index(fields=["status", "-received_at"], name="svc_inbound_status")]

    def __str__(self) -> str:
        return f"{self.from_address} {self.subject}"
