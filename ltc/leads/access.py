"""Who may see and change leads.

A rep sees the leads they own; managers their teams'; marketing, executives and admins all
(core.access, area "leads"). The unassigned pool is visible to managers and marketing only.
Whoever created a lead keeps reading it wherever it was routed; changing it stays with the
owner's side (`can_change_lead`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from ltc.core.access import can_change, has_any_role, visible_q
from ltc.leads.models import Lead, LeadImport, LeadImportTemplate
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
WEB_FORM_ROLES = (RoleCode.MARKETING, RoleCode.ADMIN, RoleCode.SALES_MANAGER)


def sees_pool(user: Any) -> bool:
    return has_any_role(user, POOL_ROLES) or bool(user.is_authenticated and user.managed_team_ids())


LeadsQS = TypeVar("LeadsQS", bound=QuerySet[Lead])


def lead_scope(queryset: LeadsQS, user: Any, *, with_created: bool = False) -> LeadsQS:
    """The leads `user` may read. `with_created` adds those the user created, wherever they were
    routed: single-record reads ask for it. Lists reach those leads through `created_scope` (the
    "created by me" filter) instead, so the usual list keeps its index-ordered plan (an OR here
    makes the database sort every visible lead).
    """
    q = visible_q(user, area="leads")
    if q != Q() and sees_pool(user):
        q |= Q(owner__isnull=True)
    if q != Q() and with_created and user.is_authenticated and user.is_active:
        q |= Q(created_by_id=user.pk)
    return queryset.filter(q)


def created_scope(queryset: LeadsQS, user: Any) -> LeadsQS:
    """The leads `user` created: always theirs to read."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(created_by_id=user.pk)


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


def can_capture_leads(user: Any) -> bool:
    """Create leads by hand or by import."""
    return has_any_role(user, LEAD_WRITE_ROLES)


can_import_leads = can_capture_leads


def can_run_import(user: Any, batch: LeadImport) -> bool:
    """Start or undo an import: whoever uploaded it, or an administrator (others may only look)."""
    return batch.created_by_id == user.pk or has_any_role(user, (RoleCode.ADMIN,))


def can_manage_webforms(user: Any) -> bool:
    return has_any_role(user, WEB_FORM_ROLES)


TemplatesQS = TypeVar("TemplatesQS", bound=QuerySet[LeadImportTemplate])


def import_template_scope(queryset: TemplatesQS, user: Any) -> TemplatesQS:
    """A user's own import templates and those shared with their team."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    q = Q(owner_id=user.pk)
    if user.team_id:
        q |= Q(team_id=user.team_id)
    return queryset.filter(q)
