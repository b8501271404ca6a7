"""Who may see a lead, for notifications and mentions (registered from LeadsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ltc.core.access import register_visibility
from ltc.leads.access import lead_scope
from ltc.leads.models import Lead


def lead_visible_q(user: Any) -> Q:
    return Q(pk__in=lead_scope(Lead.objects.all(), user, with_created=True).values("pk"))


register_visibility(Lead, lead_visible_q)
