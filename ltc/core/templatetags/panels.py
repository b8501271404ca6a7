"""`{% panels record [slot="main"] [row=item] %}`: draw the panels later stages registered on this
record's page (ltc.core.panels), knowing nothing of who they are.

Each panel's template is rendered in the page's own context (request, csrf_token, language), with
`panel`, `record` and its selector's answer added. A slot drawn once per row (`row=`) runs the
selectors once per page and renders each row with `row` set; `panel_item` reads the selector's
mapping by the row's key."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import connection
from django.db.models import Model
from django.template import Engine
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from ltc.core.panels import MAIN, QueryCounter, Shown, over_budget, panels_for

register = template.Library()


def _shown(context: Context, record: Model, slot: str) -> tuple[list[Shown], dict[str, int]]:
    """The slot's panels for this page, their selectors run once however many rows draw them."""
    render_context: Any = context.render_context  # one page's render: survives the rows of a loop
    cache: dict[tuple[str, Any, str], tuple[list[Shown], dict[str, int]]] = render_context.setdefault("ltc_panels", {})
    key = (record._meta.label_lower, record.pk, slot)
    if key not in cache:
        request = context.get("request")
        user = getattr(request, "user", None) or context.get("user")
        shown = panels_for(record, user, slot)
        cache[key] = (shown, {s.panel.key: s.queries for s in shown})
    return cache[key]


@register.simple_tag(takes_context=True)
def panels(context: Context, record: Model | None, slot: str = MAIN, row: Any = None) -> SafeString:
    if record is None:
        return mark_safe("")  # noqa: S308 - nothing to draw
    shown, spent = _shown(context, record, slot)
    engine = context.template.engine if context.template is not None else Engine.get_default()
    parts = []
    for item in shown:
        counter = QueryCounter()
        with (
            connection.execute_wrapper(counter),
            context.push(panel=item.panel, record=record, row=row, **item.context),
        ):
            parts.append(engine.get_template(item.panel.template).render(context))
        spent[item.panel.key] += counter.count
        if row is None:
            over_budget(item.panel, spent[item.panel.key])
    return mark_safe("".join(parts))  # noqa: S308 - the panels' own templates, autoescaped


@register.filter
def panel_item(mapping: Any, key: Any) -> Any:
    """`offers|panel_item:row.pk`: a selector's mapping read by a row's key."""
    return mapping.get(key) if hasattr(mapping, "get") else None
