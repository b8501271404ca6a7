"""Campaigns (营销活动), who they reached (members) and every response they brought (touches)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field


class CampaignKind(models.TextChoices):
    TRADE_SHOW = "trade_show", _("Trade show")
    SEMINAR = "seminar", _("Seminar")
    WEBINAR = "webinar", _("Webinar")
    EMAIL = "email", _("E-mail campaign")
    CONTENT = "content", _("Content")
    PAID_ADS = "paid_ads", _("Paid ads")
    PARTNER = "partner", _("Partner")
    REFERRAL = "referral", _("Referral")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class MemberStatus(models.TextChoices):
    """How far a member came; a member only moves forward (MEMBER_STATUS_RANK)."""

    TARGETED = "targeted", _("Targeted")
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    RESPONDED = "responded", _("Responded")


MEMBER_STATUS_RANK = {status: rank for rank, status in enumerate(MemberStatus.values)}


class MemberSource(models.TextChoices):
    """How a lead or contact became a member."""

    MANUAL = "manual", _("Added by hand")
    LIST = "list", _("Mass action on a list")
    SEGMENT = "segment", _("Segment")
    IMPORT = "import", _("Import")
    WEB_FORM = "web_form", _("Web form / UTM")
    API = "api", _("API")
    EMAIL = "email", _("From an e-mail")
    EVENT = "event", _("Event registration")
    JOURNEY = "journey", _("Nurture journey")


class TouchKind(models.TextChoices):
    """A response of a person to a campaign: what attribution and engagement count."""

    FORM = "form", _("Form submitted")
    OPEN = "open", _("E-mail opened")
    CLICK = "click", _("Link clicked")
    REGISTRATION = "registration", _("Registered for an event")
    ATTENDANCE = "attendance", _("Attended an event")
    VISIT = "visit", _("Web-form visit")
    IMPORT = "import", _("Imported from a list")
    MANUAL = "manual", _("Recorded by hand")


utm_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Letters, digits, dots, dashes and underscores only.")
)


class Campaign(VersionedModel):
    """A marketing campaign: a trade show, a seminar, an e-mail series ... with its budget, its
    members and the responses it brought. `code` is what `utm_campaign` carries."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code (utm_campaign)"), max_length=100, unique=True, validators=[utm_code_validator])
    kind = models.CharField(_("type"), max_length=16, choices=CampaignKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent campaign"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("owner")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    budget = money_field(_("budget"), null=True, blank=True, validators=[MinValueValidator(0)])
    expected_responses = models.PositiveIntegerField(_("expected responses"), null=True, blank=True)
    expected_revenue = money_field(_("expected revenue"), null=True, blank=True, validators=[MinValueValidator(0)])
    utm_source = models.CharField(_("utm_source"), max_length=100, blank=True)
    utm_medium = models.CharField(_("utm_medium"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["status", "-starts_on"], name="mkt_campaign_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="mkt_campaign_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:campaign_detail", args=[self.pk])


class CampaignCost(models.Model):
    """An actual cost line of a campaign (booth, ads, travel ...). Costs are money finance reads
    for ROI: never deleted; a wrong line is reversed by a negative one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="costs", verbose_name=_("campaign"))
    spent_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=200)
    amount = money_field(_("amount"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        ordering = ["spent_on", "pk"]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class CampaignMember(models.Model):
    """A lead or a contact a campaign reached, and how far they came (`status` only moves
    forward). Exactly one of lead and contact."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members", verbose_name=_("campaign"))
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("lead")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contact"),
    )
    status = models.CharField(
        _("member status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.TARGETED
    )
    source = models.CharField(_("added by"), max_length=16, choices=MemberSource.choices, default=MemberSource.MANUAL)
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)
    status_at = models.DateTimeField(_("status since"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        constraints = [
            models.CheckConstraint(
                condition=(Q(lead__isnull=False) & Q(contact__isnull=True))
                | (Q(lead__isnull=True) & Q(contact__isnull=False)),
                name="mkt_member_lead_xor_contact",
            ),
            models.UniqueConstraint(
                fields=["campaign", "lead"], condition=Q(lead__isnull=False), name="mkt_member_lead_once"
            ),
            models.UniqueConstraint(
                fields=["campaign", "contact"], condition=Q(contact__isnull=False), name="mkt_member_contact_once"
            ),
        ]
        indexes = [
            models.Index(fields=["lead"], condition=Q(lead__isnull=False), name="mkt_member_lead"),
            models.Index(fields=["contact"], condition=Q(contact__isnull=False), name="mkt_member_contact"),
            models.Index(fields=["campaign", "status"], name="mkt_member_status"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.lead_id or self.contact_id}"


class Touch(models.Model):
    """One response of a lead or contact to a campaign, at a moment: what attribution spreads
    leads, deals and cash over, and what engagement scores. `key` makes recording idempotent
    (the same open, click or registration is recorded once). `account` is the lead's or
    contact's account when known, so deals of the account find their touches."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="touches", verbose_name=_("campaign"))
    kind = models.CharField(_("kind"), max_length=16, choices=TouchKind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    key = models.CharField(max_length=120, unique=True, editable=False)

    class Meta:
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [
            models.Index(fields=["lead", "occurred_at"], condition=Q(lead__isnull=False), name="mkt_touch_lead"),
            models.Index(
                fields=["contact", "occurred_at"], condition=Q(contact__isnull=False), name="mkt_touch_contact"
            ),
            models.Index(
                fields=["account", "occurred_at"], condition=Q(account__isnull=False), name="mkt_touch_account"
            ),
            models.Index(fields=["campaign", "occurred_at"], name="mkt_touch_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}@{self.campaign_id}"
