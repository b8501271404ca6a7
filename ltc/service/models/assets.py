"""The installed base (装机清单): what a customer has of ours, made from delivered and accepted
contract lines, with its serial numbers, site, dates, warranty and the entitlement covering it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.catalog.models import quantity_field
from ltc.core.models import VersionedModel


class AssetStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class Asset(VersionedModel):
    """One product line at a customer. `contract` and `line_key` name the contract line it was made
    from (one asset per line: making it again changes nothing); an asset recorded by hand has none."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="assets", verbose_name=_("account")
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("product"),
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    quantity = quantity_field(_("quantity"), default=Decimal(1))
    serial_numbers = models.TextField(_("serial numbers"), blank=True, max_length=20000, help_text=_("One per line."))
    site = models.CharField(_("site"), max_length=200, blank=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("contract"),
    )
    line_key = models.PositiveIntegerField(_("contract line"), null=True, blank=True, editable=False)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    entitlement = models.ForeignKey(
        "service.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("service contract"),
    )
    status = models.CharField(_("status"), max_length=8, choices=AssetStatus.choices, default=AssetStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["account_id", "name", "id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "line_key"], condition=Q(contract__isnull=False), name="svc_asset_one_per_line"
            ),
        ]
        indexes = [models.Index(fields=["warranty_ends_on"], name="svc_asset_warranty")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:asset_detail", args=[self.pk])

    def serial_list(self) -> list[str]:
        return [s.strip() for s in self.serial_numbers.splitlines() if s.strip()]
