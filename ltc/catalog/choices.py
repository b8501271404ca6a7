from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductType(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software licence")
    SERVICE = "service", _("Service")
    SUBSCRIPTION = "subscription", _("Subscription")


class TaxRate(models.IntegerChoices):
    """China's VAT rates (增值税): goods 13%, some goods and construction 9%, services 6%, exempt 0%."""

    VAT_13 = 13, _("VAT 13%")
    VAT_9 = 9, _("VAT 9%")
    VAT_6 = 6, _("VAT 6%")
    VAT_0 = 0, _("VAT 0% / exempt")


class RuleKind(models.TextChoices):
    REQUIRES = "requires", _("requires")
    EXCLUDES = "excludes", _("excludes")


class PriceSource(models.TextChoices):
    LIST = "list", _("List price")
    TIER = "tier", _("Volume price")
    CONTRACT = "contract", _("Contracted price")
