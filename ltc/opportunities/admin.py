"""Deals are shown read-only. Pipelines, stages, checklist items and stage templates are
configured in the process centre (/process/pipelines/, through services/config.py), not here."""

from django.contrib import admin

from ltc.core.admin import ReadOnlyAdmin
from ltc.opportunities.models import Opportunity


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    """Read-only: deals change through their services (gates, versions, timeline)."""

    list_display = ("name", "account", "pipeline", "stage", "status", "amount", "currency", "owner")
    list_filter = ("pipeline", "status")
    search_fields = ("name", "account__name")
