"""Template helpers of the billing pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def days_overdue(invoice: Any, today: date) -> int:
    return int(invoice.days_overdue(today))
