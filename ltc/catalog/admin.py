"""The catalog in the back office. Products change in the app (version check, timeline) and are
shown read-only here; bundle structure, configuration rules and price books are configured here."""

from django.contrib import admin

from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline


class BundleComponentInline(ReadOnlyTabularInline):
    model = BundleComponent
    fk_name = "bundle"


class ConfigurationRuleInline(ReadOnlyTabularInline):
    model = ConfigurationRule
    fk_name = "bundle"


@admin.register(BundleComponent)
class BundleComponentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["bundle", "component", "required", "min_quantity", "max_quantity", "default_quantity"]
    search_fields = ["bundle__code", "bundle__name", "component__code", "component__name"]
    autocomplete_fields = ["bundle", "component"]


@admin.register(ConfigurationRule)
class ConfigurationRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["bundle", "kind", "product", "other"]
    search_fields = ["bundle__code", "bundle__name", "product__code", "other__code"]
    autocomplete_fields = ["bundle", "product", "other"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "product_type",
        "family",
        "unit",
        "cost",
        "tax_rate",
        "is_bundle",
        "active",
    ]
    list_filter = ["product_type", "family", "is_bundle", "active", "tax_rate"]
    search_fields = ["code", "name", "name_en"]
    inlines = [BundleComponentInline, ConfigurationRuleInline]


class PriceTierInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PriceTier
    extra = 0


@admin.register(PriceBookEntry)
class PriceBookEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["price_book", "product", "unit_price", "unit_cost"]
    list_filter = ["price_book"]
    search_fields = ["product__code", "product__name"]
    autocomplete_fields = ["product"]
    inlines = [PriceTierInline]


class PriceBookEntryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PriceBookEntry
    extra = 0
    autocomplete_fields = ["product"]
    show_change_link = True


@admin.register(PriceBook)
class PriceBookAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "currency", "industry", "region", "valid_from", "valid_to", "active"]
    list_filter = ["currency", "active"]
    search_fields = ["name"]
    inlines = [PriceBookEntryInline]


@admin.register(ContractPrice)
class ContractPriceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["account", "product", "unit_price", "currency", "valid_from", "valid_to", "reference"]
    search_fields = ["account__name", "product__code", "reference"]
    autocomplete_fields = ["account", "product"]
