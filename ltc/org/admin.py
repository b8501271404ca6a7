from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ltc.core.admin import ReadOnlyAdmin
from ltc.org.models import ApiToken, Authority, CompanyProfile, Team, Territory, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "display_name", "email", "team", "is_active")
    list_filter = ("is_active", "roles", "team")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("LTC"), {"fields": ("display_name", "language", "team", "roles")}),
    )
    filter_horizontal = ("roles", "groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "parent", "manager")


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin[Territory]):
    list_display = ("name", "region", "industry", "team")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "prefix", "created_at", "last_used_at")


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyAdmin):
    """Read-only: the matrix changes in the process centre (/process/authority/), on its timeline."""

    list_display = ("subject", "role", "user", "max_amount", "currency", "max_discount_pct", "min_margin_pct")
    list_filter = ("subject", "role")


@admin.register(CompanyProfile)
class CompanyProfileAdmin(ReadOnlyAdmin):
    """Read-only: the profile changes in the process centre (/process/settings/company/), on its timeline."""

    list_display = ("name", "tax_id", "phone")
