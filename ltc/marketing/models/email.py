"""Marketing e-mail (邮件营销): templates with merge fields, mailings of a template to a segment,
and one EmailMessage per recipient — the unit the worker delivers, tracks (open, click) and never
sends twice (`dedupe_key`)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel


class EmailTemplate(VersionedModel):
    """A marketing e-mail in Chinese and English. Bodies are a small markup (paragraphs, **bold**,
    [text](https://...) links, bare https links) with merge fields {{ first_name }} ...; anything
    else between braces is refused (ltc.marketing.services.mailing.template_clean)."""

    name = models.CharField(_("name"), max_length=200)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200)
    body_zh = models.TextField(_("body (Chinese)"), max_length=20000)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("body (English)"), max_length=20000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:email_template_edit", args=[self.pk])


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Mailing(VersionedModel):
    """A template sent to a segment for a campaign, at `scheduled_at` (now when empty), at most
    `rate_per_minute` messages a minute."""

    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(
        EmailTemplate, on_delete=models.PROTECT, related_name="mailings", verbose_name=_("template")
    )
    campaign = models.ForeignKey(
        "marketing.Campaign", on_delete=models.PROTECT, related_name="mailings", verbose_name=_("campaign")
    )
    segment = models.ForeignKey(
        "marketing.Segment", on_delete=models.PROTECT, related_name="mailings", verbose_name=_("segment")
    )
    status = models.CharField(_("status"), max_length=12, choices=MailingStatus.choices, default=MailingStatus.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    rate_per_minute = models.PositiveIntegerField(
        _("messages per minute"), default=600, validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    recipients = models.PositiveIntegerField(_("recipients"), default=0, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:email_mailing_detail", args=[self.pk])


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed (no consent)")
    BOUNCED = "bounced", _("Bounced")
    CANCELLED = "cancelled", _("Cancelled")


class EmailMessage(models.Model):
    """One e-mail to one address: of a mailing, of a journey step (`step_key`) or a test send.
    `dedupe_key` is unique: the same mailing never queues an address twice, the same journey step
    never queues a person twice. `token` (random) names it in the tracking and unsubscribe links;
    `links` are the only targets its click redirect goes to. `claim`/`claimed_at` mark the worker
    sending it; a claim older than the claim timeout is free again (its worker died)."""

    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    step_key = models.CharField(_("journey step"), max_length=120, blank=True)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="+", db_index=False)
    campaign = models.ForeignKey(
        "marketing.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    address = models.CharField(_("address"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    is_test = models.BooleanField(_("test send"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=2000, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, editable=False)
    token = models.CharField(max_length=43, unique=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    links = models.JSONField(default=list, blank=True, editable=False)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="queued"), name="mkt_email_due"),
            models.Index(fields=["mailing", "status"], name="mkt_email_mailing_status"),
            models.Index(fields=["mailing", "sent_at"], name="mkt_email_mailing_sent"),
            models.Index(fields=["lead"], condition=Q(lead__isnull=False), name="mkt_email_lead"),
            models.Index(fields=["contact"], condition=Q(contact__isnull=False), name="mkt_email_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.status}"
