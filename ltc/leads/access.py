"""Who may see and change leads.

A rep sees the leads they own; managers their teams'; marketing, executives and admins all
(core.access, area "leads"). The unassigned pool is visible to managers and marketing only.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from ltc.core.access import can_change, has_any_role, visible_q
from ltc.leads.models import Lead
from ltc.org.choices import RoleCode

LEAD_WRITE_ROLES = (
    RoleCode.AR,
    RoleCode.SR,
    RoleCode.SALES_MANAGER,
    RoleCode.MARKETING,
    RoleCode.SERVICE,
    RoleCode.ADMIN,
)
POOL_ROLES = (RoleCode.SALES_MANAGER, RoleCode.MARKETING, RoleCode.ADMIN, RoleCode.EXECUTIVE)
ROUTING_ROLES = (RoleCode.SALES_MANAGER, RoleCode.MARKETING, RoleCode.ADMIN)


def sees_pool(user: Any) -> bool:
    return has_any_role(user, POOL_ROLES) or bool(user.is_authenticated and user.managed_team_ids())


LeadsQS = TypeVar("LeadsQS", bound=QuerySet[Lead])


def lead_scope(queryset: LeadsQS, user: Any) -> LeadsQS:
    q = visible_q(user, area="leads")
    if q != Q() and sees_pool(user):
        q |= Q(owner__isnull=True)
    return queryset.filter(q)


def can_change_lead(user: Any, lead: Lead) -> bool:
    if not has_any_role(user, LEAD_WRITE_ROLES):
        return False
    if has_any_role(user, (RoleCode.MARKETING, RoleCode.ADMIN)):
        return True
    if lead.owner_id is None:
        return sees_pool(user)
    return can_change(user, lead.owner_id, lead.owner.team_id if lead.owner else None)


def can_route(user: Any) -> bool:
    """Assign to others and apply the rules: managers, marketing, admins."""
    return has_any_role(user, ROUTING_ROLES) or bool(user.is_authenticated and user.managed_team_ids())
