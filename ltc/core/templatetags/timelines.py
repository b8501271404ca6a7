"""`{% timeline_window events as tl %}`: the entries a record page's timeline shows, filtered and
folded as the page's query asks (ltc.core.timeline.timeline_window)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.http import QueryDict

from ltc.core.models import TimelineEvent
from ltc.core.timeline import TimelineWindow
from ltc.core.timeline import timeline_window as window_of

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_window(context: dict[str, Any], events: Iterable[TimelineEvent] | None) -> TimelineWindow:
    request = context.get("request")
    query = request.GET if request is not None else QueryDict()
    return window_of(events or [], query)
