"""Back-office configuration of the ML stage: web forms. Leads, imports, the qualification policy,
routing and scoring rules are shown read-only: they change in the app, through their services."""

from __future__ import annotations

from django.contrib import admin

from ltc.core.admin import ReadOnlyAdmin
from ltc.leads.models import AssignmentRule, Lead, LeadImport, QualificationPolicy, ScoringRule, WebForm


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(ReadOnlyAdmin):
    """Read-only: routing rules change in the process centre (/process/routing/), on their timeline."""

    list_display = (
        "order",
        "name",
        "active",
        "region",
        "industry",
        "source",
        "company_size",
        "strategy",
        "assign_user",
        "assign_team",
        "first_contact_hours",
    )


@admin.register(ScoringRule)
class ScoringRuleAdmin(ReadOnlyAdmin):
    """Read-only: scoring rules change in the process centre (/process/scoring/), on their timeline."""

    list_display = ("order", "name", "active", "kind", "criterion", "value", "points")


@admin.register(QualificationPolicy)
class QualificationPolicyAdmin(ReadOnlyAdmin):
    """Read-only: the policy changes in the process centre (/process/qualification/), version-checked
    and on its timeline."""

    list_display = ("__str__", "required_items", "version")


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin[WebForm]):
    list_display = ("name", "source", "campaign", "active", "key")
    readonly_fields = ("key",)


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    """Read-only: leads are worked in the app, where every change is recorded."""

    list_display = ("__str__", "status", "source", "owner", "score", "created_at")
    list_filter = ("status", "source")
    search_fields = ("company_name", "contact_name", "email")


@admin.register(LeadImport)
class LeadImportAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "status", "created_by", "created_count", "rejected_count", "created_at")
