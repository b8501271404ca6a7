"""The marketing section's tabs: every area a marketing reader may open, drawn on each area's
first page (what the viewer may not open is not drawn)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.marketing.access import can_manage_marketing, sees_marketing

register = template.Library()

# (key, url name, label, managers only)
AREAS = [
    ("dashboard", "marketing:dashboard", _("Overview"), False),
    ("campaigns", "marketing:campaign_list", _("Campaigns"), False),
    ("segments", "marketing:segment_list", _("Segments"), False),
    ("email", "marketing:email_home", _("E-mail marketing"), False),
    ("journeys", "marketing:journey_list", _("Journeys"), False),
    ("events", "marketing:event_list", _("Events"), False),
    ("attribution", "marketing:attribution", _("Attribution"), False),
    ("privacy", "marketing:privacy_list", _("Data requests"), True),
]


@register.inclusion_tag("marketing/_nav.html", takes_context=True)
def marketing_nav(context: Any, active: str) -> dict[str, Any]:
    user = context["request"].user
    if not sees_marketing(user):
        return {"tabs": []}
    manager = can_manage_marketing(user)
    return {
        "tabs": [
            {"key": key, "url": reverse(name), "label": label, "active": key == active}
            for key, name, label, managers_only in AREAS
            if manager or not managers_only
        ]
    }
