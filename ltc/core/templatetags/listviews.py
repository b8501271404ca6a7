"""`{% list_cell column row %}`: one cell of a list that declares its columns (core.listviews);
`row|reassignable:user`: whether the row gets a tick box for the mass reassign."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils import formats, timezone
from django.utils.safestring import SafeString

from ltc.core.listviews import ListColumn, may_reassign
from ltc.core.templatetags.numbers import money_on_screen

register = template.Library()


@register.simple_tag(takes_context=True)
def list_cell(context: template.Context, column: ListColumn, row: Any) -> SafeString | str:
    if column.cell:
        return get_template(column.cell).render({"o": row, "request": context.get("request")})
    value = column.value(row)
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return money_on_screen(value)
    return str(value)


@register.filter
def reassignable(record: Any, user: Any) -> bool:
    """`{% if row|reassignable:request.user %}`: the row's tick box of the mass reassign."""
    return may_reassign(user, record)


@register.filter
def deletable(record: Any, user: Any) -> bool:
    """`{% if row|deletable:request.user %}`: the row's tick box of the mass delete (to the bin)."""
    from ltc.core.recycle import may_delete

    return may_delete(user, record)
