"""The top bar's "+" menu: which kinds of record the signed-in user may quick-create."""

from __future__ import annotations

from typing import Any

from django import template

from ltc.web.quick import QuickKind, quick_kinds

register = template.Library()


@register.filter
def may_quick_create(user: Any) -> list[QuickKind]:
    return quick_kinds(user)
