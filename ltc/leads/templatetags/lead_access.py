"""What a viewer may do with leads, for templates that draw only the actions they may take."""

from __future__ import annotations

from typing import Any

from django import template

from ltc.leads import access

register = template.Library()


@register.filter
def may_capture_leads(user: Any) -> bool:
    return access.can_capture_leads(user)


@register.filter
def may_import_leads(user: Any) -> bool:
    return access.can_import_leads(user)


@register.filter
def may_manage_webforms(user: Any) -> bool:
    return access.can_manage_webforms(user)
