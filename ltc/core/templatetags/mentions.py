"""`{{ text|mentions }}`: a note's text, escaped, with its @usernames highlighted (not linked: a
mention names a person, and no private page opens from it)."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ltc.core.notifications import MENTION

register = template.Library()


@register.filter
def mentions(text: str) -> SafeString:
    escaped = escape(text or "")
    return mark_safe(  # noqa: S308 - built from escaped text; the spans escape the name again
        MENTION.sub(lambda m: format_html('<span class="mention text-primary fw-bold">@{}</span>', m.group(1)), escaped)
    )
