"""The catalog in the back office, read-only: products, bundle components and configuration rules,
price books with their entries and volume tiers, and contracted prices all change in the app
through the catalog services (administrators, version check, timeline), never here."""

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
class BundleComponentAdmin(ReadOnlyAdmin):
    list_display = ["bundle", "component", "required", "min_quantity", "max_quantity", "default_quantity"]
    search_fields = ["bundle__code", "bundle__name", "component__code", "component__name"]


@admin.register(ConfigurationRule)
class ConfigurationRuleAdmin(ReadOnlyAdmin):
    list_display = ["bundle", "kind", "product", "other"]
    search_fields = ["bundle__code", "bundle__name", "product__code", "other__code"]


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


class PriceTierInline(ReadOnlyTabularInline):
    model = PriceTier


@admin.register(PriceBookEntry)
class PriceBookEntryAdmin(ReadOnlyAdmin):
    list_display = ["price_book", "product", "unit_price", "unit_cost"]
    list_filter = ["price_book"]
    search_fields = ["product__code", "product__name"]
    inlines = [PriceTierInline]


class PriceBookEntryInline(ReadOnlyTabularInline):
    model = PriceBookEntry
    show_change_link = True


@admin.register(PriceBook)
class PriceBookAdmin(ReadOnlyAdmin):
    list_display = ["name", "currency", "industry", "region", "valid_from", "valid_to", "active"]
    list_filter = ["currency", "active"]
    search_fields = ["name"]
    inlines = [PriceBookEntryInline]


@admin.register(ContractPrice)
class ContractPriceAdmin(ReadOnlyAdmin):
    list_display = ["account", "product", "unit_price", "currency", "valid_from", "valid_to", "reference"]
    search_fields = ["account__name", "product__code", "reference"]
