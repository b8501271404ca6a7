"""Renewals (续约): a warranty or a service contract ending within the renewal window made a
renewal deal for the account's AR, once per thing and end date (the daily run is idempotent)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RenewalKind(models.TextChoices):
    WARRANTY = "warranty", _("Warranty")
    SERVICE_CONTRACT = "service", _("Service contract")


class Renewal(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=RenewalKind.choices)
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="renewals")
    asset = models.ForeignKey("service.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals")
    entitlement = models.ForeignKey(
        "service.Entitlement", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    ends_on = models.DateField(_("ends on"))
    opportunity = models.OneToOneField(
        "opportunities.Opportunity",
        on_delete=models.PROTECT,
        related_name="service_renewal",
        verbose_name=_("renewal deal"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ends_on", "id"]
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "ends_on"], condition=Q(asset__isnull=False), name="svc_renewal_asset_once"
            ),
            models.UniqueConstraint(
                fields=["entitlement", "ends_on"],
                condition=Q(entitlement__isnull=False),
                name="svc_renewal_entitlement_once",
            ),
            models.CheckConstraint(
                condition=Q(asset__isnull=False) | Q(entitlement__isnull=False), name="svc_renewal_of_something"
            ),
        ]
