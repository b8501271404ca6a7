"""Who may see and do what in marketing (deny by default).

- Campaigns, segments, templates, journeys and events are managed by marketing and
  administrators (`can_manage_marketing`).
- They are read by those and by executives and sales managers (`sees_marketing`): the figures
  of what marketing brings in are theirs too.
- Anyone else sees a campaign only as a name on the records they may see (the campaign panel of
  a lead, contact or account), never linked."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ltc.core.access import has_any_role
from ltc.org.choices import RoleCode

MANAGERS = (RoleCode.MARKETING, RoleCode.ADMIN)
READERS = (RoleCode.MARKETING, RoleCode.ADMIN, RoleCode.EXECUTIVE, RoleCode.SALES_MANAGER)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_manage_marketing(user: Any) -> bool:
    return _active(user) and has_any_role(user, MANAGERS)


def sees_marketing(user: Any) -> bool:
    return _active(user) and has_any_role(user, READERS)


def marketing_scope(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Campaigns (and the other marketing records) a user may open: all for readers, none else."""
    return queryset if sees_marketing(user) else queryset.none()
