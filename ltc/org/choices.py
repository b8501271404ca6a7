from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    AR = "ar", _("Account responsible (AR)")
    SR = "sr", _("Solution responsible (SR)")
    FR = "fr", _("Fulfilment responsible (FR)")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")
    DELIVERY = "delivery", _("Delivery")
    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Administrator")


# Roles that see every record of an area (DESIGN.md §3: executive, admin; finance for billing).
GLOBAL_SCOPE_ROLES: dict[str, frozenset[str]] = {
    "sales": frozenset({RoleCode.EXECUTIVE, RoleCode.ADMIN}),
    "billing": frozenset({RoleCode.EXECUTIVE, RoleCode.ADMIN, RoleCode.FINANCE}),
    "leads": frozenset({RoleCode.EXECUTIVE, RoleCode.ADMIN, RoleCode.MARKETING}),
    "marketing": frozenset({RoleCode.EXECUTIVE, RoleCode.ADMIN, RoleCode.MARKETING}),
    # Contracts: their execution concerns delivery, their money finance, their clauses legal.
    "contracts": frozenset({RoleCode.EXECUTIVE, RoleCode.ADMIN, RoleCode.FINANCE, RoleCode.DELIVERY, RoleCode.LEGAL}),
    # Service: its cases, assets and entitlements concern every service agent (the team views narrow them).
    "service": frozenset({RoleCode.EXECUTIVE, RoleCode.ADMIN, RoleCode.SERVICE}),
}


class Region(models.TextChoices):
    EAST = "east", _("East China")
    NORTH = "north", _("North China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")
    NORTHEAST = "northeast", _("Northeast China")
    OVERSEAS = "overseas", _("Overseas")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Financial services")
    ENERGY = "energy", _("Energy and utilities")
    TELECOM = "telecom", _("Telecommunications")
    GOVERNMENT = "government", _("Government and public sector")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    RETAIL = "retail", _("Retail and consumer")
    TRANSPORT = "transport", _("Transport and logistics")
    INTERNET = "internet", _("Internet and software")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class AuthoritySubject(models.TextChoices):
    """What an authority rule lets a user decide (授权)."""

    REVIEW_ATI = "review_ati", _("ATI decision (立项)")
    REVIEW_ATB = "review_atb", _("ATB decision (投标)")
    REVIEW_ATC = "review_atc", _("ATC decision (签约)")
    QUOTE_DISCOUNT = "quote_discount", _("Quote discount approval (报价授权)")
    CONTRACT_CHANGE = "contract_change", _("Contract change decision (合同变更)")
