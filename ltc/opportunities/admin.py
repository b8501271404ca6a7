from django.contrib import admin

from ltc.opportunities.models import Opportunity, Pipeline, Stage, StageRequirement, StageTemplate


class StageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Stage
    extra = 0
    fields = ("order", "name", "category", "probability", "needs_fr")
    show_change_link = True


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "order", "active", "quote_accepted_stage")
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
class OpportunityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-mostly: deals change through their services (gates, versions, timeline)."""

    list_display = ("name", "account", "pipeline", "stage", "status", "amount", "currency", "owner")
    list_filter = ("pipeline", "status")
    search_fields = ("name", "account__name")
    readonly_fields = [f.name for f in Opportunity._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
