"""Pipelines and stages are configured here (until the process centre moves them into the app);
deals are shown read-only."""

from django.contrib import admin

from ltc.core.admin import ReadOnlyAdmin
from ltc.opportunities.models import Opportunity, Pipeline, Stage, StageRequirement, StageTemplate


class StageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Stage
    extra = 0
    fields = ("order", "name", "category", "probability", "needs_fr")
    show_change_link = True


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "order", "active", "quote_from_stage", "quote_accepted_stage")
    inlines = [StageInline]


class RequirementInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StageRequirement
    extra = 1
    fields = ("order", "label", "kind", "activity_kind", "field_name")


class TemplateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StageTemplate
    extra = 0


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "pipeline", "order", "category", "probability", "needs_fr")
    list_filter = ("pipeline",)
    inlines = [RequirementInline, TemplateInline]


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    """Read-only: deals change through their services (gates, versions, timeline)."""

    list_display = ("name", "account", "pipeline", "stage", "status", "amount", "currency", "owner")
    list_filter = ("pipeline", "status")
    search_fields = ("name", "account__name")
