"""The service section's tabs: every area a service reader may open, drawn on each area's first
page (what the viewer may not open is not drawn: each tab carries the predicate of its page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.service.access import can_configure_service, can_work_service, sees_service

register = template.Library()

# (key, url name, label, who may open it): readers see, service staff work (the inbound mail, the
# SLA policies they read, ltc.service.services.policies), configurers change the configuration.
AREAS: list[tuple[str, str, Any, Callable[[Any], bool]]] = [
    ("dashboard", "service:dashboard", _("Overview"), sees_service),
    ("cases", "service:case_list", _("Cases"), sees_service),
    ("inbound", "service:inbound_list", _("Inbound mail"), can_work_service),
    ("assets", "service:asset_list", _("Installed base"), sees_service),
    ("entitlements", "service:entitlement_list", _("Entitlements"), sees_service),
    ("renewals", "service:renewal_list", _("Renewals"), sees_service),
    ("policies", "service:policy_list", _("SLA policies"), can_work_service),
    ("calendars", "service:calendar_list", _("Business calendars"), can_configure_service),
    ("routing", "service:routing_list", _("Case routing"), can_configure_service),
]


@register.inclusion_tag("service/_nav.html", takes_context=True)
def service_nav(context: Any, active: str) -> dict[str, Any]:
    user = context["request"].user
    if not sees_service(user):
        return {"tabs": []}
    return {
        "tabs": [
            {"key": key, "url": reverse(name), "label": label, "active": key == active}
            for key, name, label, may_open in AREAS
            if may_open(user)
        ]
    }
