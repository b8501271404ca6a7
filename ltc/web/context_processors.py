"""The navigation follows the value stream; stages not yet built show as 'coming'."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from ltc.marketing.access import sees_marketing
from ltc.service.access import sees_service

# (url name, or None while the stage is not built; label; Tabler icon; path prefix for "active")
NAV_SECTIONS: list[tuple[Any, ...]] = [
    ("customers:account_list", _("Customers"), "building", "/customers/"),
    # A fifth element is who sees the entry (a predicate of the user): what one may not open is not drawn.
    ("marketing:dashboard", _("Marketing"), "speakerphone", "/marketing/", sees_marketing),
    ("leads:lead_list", _("Leads"), "target-arrow", "/leads/"),
    ("opportunities:opportunity_list", _("Opportunities"), "chart-funnel", "/opportunities/"),
    ("quotes:quote_list", _("Quotes"), "file-dollar", "/quotes/"),
    ("catalog:product_list", _("Catalog"), "package", "/catalog/"),
    ("contracts:contract_list", _("Contracts"), "file-certificate", "/contracts/"),
    ("billing:invoice_list", _("Billing"), "cash", "/billing/"),
    ("service:dashboard", _("Service"), "headset", "/service/", sees_service),
    (None, _("Analytics"), "chart-bar", "/analytics/"),
    ("process:map", _("Process centre"), "sitemap", "/process/"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    # Lazy: worked out (and the viewer's roles read, for the entries shown to some) only where a
    # template draws the navigation, not for every fragment rendered with a request (panels, htmx).
    def items() -> list[dict[str, Any]]:
        return [
            {
                "label": label,
                "icon": icon,
                "url": reverse(name) if name else None,
                "active": request.path.startswith(prefix),
            }
            for name, label, icon, prefix, *shown_to in NAV_SECTIONS
            if not shown_to or shown_to[0](request.user)
        ]

    return {"nav_sections": SimpleLazyObject(items)}
