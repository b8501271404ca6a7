"""Segments (细分人群): who a campaign, a mailing or a journey addresses. A dynamic segment is a
set of rules evaluated when it is used (ltc.marketing.services.segments); a static segment is a
fixed list of entries, added from a selection or a CSV import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel


class SegmentTarget(models.TextChoices):
    CONTACTS = "contacts", _("Contacts")
    LEADS = "leads", _("Leads")
    ACCOUNTS = "accounts", _("Accounts")


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic (rules)")
    STATIC = "static", _("Static list")


class Segment(VersionedModel):
    """A named audience of leads, contacts or accounts. `rules` (dynamic segments) is
    {"match": "all"|"any", "conditions": [{"field", "op", "value"}, ...]}, validated by
    `segment_rules_clean`. `member_count` is the count when last computed (`counted_at`). An
    archived segment is kept (mailings and journeys name it) but offered no more."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    target = models.CharField(_("who"), max_length=10, choices=SegmentTarget.choices)
    kind = models.CharField(_("type"), max_length=10, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC)
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="segments", verbose_name=_("owner")
    )
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True, editable=False)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["archived_at", "name"], name="mkt_segment_active_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:segment_detail", args=[self.pk])

    @property
    def is_static(self) -> bool:
        return self.kind == SegmentKind.STATIC


class SegmentEntry(models.Model):
    """One record on a static segment: a lead, a contact or an account (the segment's target)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="entries")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("segment entry")
        verbose_name_plural = _("segment entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(lead__isnull=False) & Q(contact__isnull=True) & Q(account__isnull=True))
                | (Q(lead__isnull=True) & Q(contact__isnull=False) & Q(account__isnull=True))
                | (Q(lead__isnull=True) & Q(contact__isnull=True) & Q(account__isnull=False)),
                name="mkt_segentry_one_record",
            ),
            models.UniqueConstraint(
                fields=["segment", "lead"], condition=Q(lead__isnull=False), name="mkt_segentry_lead_once"
            ),
            models.UniqueConstraint(
                fields=["segment", "contact"], condition=Q(contact__isnull=False), name="mkt_segentry_contact_once"
            ),
            models.UniqueConstraint(
                fields=["segment", "account"], condition=Q(account__isnull=False), name="mkt_segentry_account_once"
            ),
        ]
        indexes = [
            models.Index(fields=["lead"], condition=Q(lead__isnull=False), name="mkt_segentry_lead"),
            models.Index(fields=["contact"], condition=Q(contact__isnull=False), name="mkt_segentry_contact"),
            models.Index(fields=["account"], condition=Q(account__isnull=False), name="mkt_segentry_account"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.lead_id or self.contact_id or self.account_id}"
