"""{% custom_values_shown record as shown %}: a record's custom fields for its page (ltc.core.customfields)."""

from __future__ import annotations

from typing import Any

from django import template

from ltc.core import customfields

register = template.Library()


@register.simple_tag
def custom_values_shown(record: Any) -> list[customfields.Shown]:
    return customfields.shown_values(record)
