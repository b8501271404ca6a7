from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")


class CompanySize(models.TextChoices):
    MICRO = "micro", _("Under 20 employees")
    SMALL = "small", _("20–99 employees")
    MEDIUM = "medium", _("100–499 employees")
    LARGE = "large", _("500–4,999 employees")
    ENTERPRISE = "enterprise", _("5,000 employees or more")
