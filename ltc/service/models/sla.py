"""SLA policies and entitlements (服务权益): what a contract's service terms give an account —
a support level over a period, for some products or all — and the response and resolution
targets per priority, in business minutes of a calendar."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel


class Priority(models.TextChoices):
    P1 = "p1", _("P1 – critical")
    P2 = "p2", _("P2 – high")
    P3 = "p3", _("P3 – normal")
    P4 = "p4", _("P4 – low")


class SupportLevel(models.TextChoices):
    BASIC = "basic", _("Basic")
    STANDARD = "standard", _("Standard")
    PREMIUM = "premium", _("Premium")


class SlaPolicy(VersionedModel):
    """Targets per priority on a business calendar; a warning is raised when `warn_at_pct` of a
    target has elapsed."""

    name = models.CharField(_("name"), max_length=100)
    calendar = models.ForeignKey(
        "service.BusinessCalendar", on_delete=models.PROTECT, related_name="policies", verbose_name=_("calendar")
    )
    warn_at_pct = models.PositiveSmallIntegerField(
        _("warn at (percent of the target)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    active = models.BooleanField(_("active"), default=True)
    # The standard policy signed contracts' entitlements get; one at most, whatever its name.
    is_default = models.BooleanField(_("standard policy"), default=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="svc_one_default_policy")
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        ordering = ["priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="svc_sla_target_unique"),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=models.F("first_response_minutes")), name="svc_sla_target_ordered"
            ),
        ]


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Entitlement(VersionedModel):
    """An account's right to support: level, policy, period and the products covered (none listed
    = every product of the account's installed base). Made from a contract's service terms or by
    service staff; cancelled, never deleted."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("account")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name=_("contract"),
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("support level"), max_length=10, choices=SupportLevel.choices)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("SLA policy")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="entitlements", verbose_name=_("products covered")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-ends_on", "-id"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="svc_entitlement_period"),
        ]
        indexes = [models.Index(fields=["account", "ends_on"], name="svc_entitlement_account")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:entitlement_detail", args=[self.pk])
