"""Who may see and do what in service (deny by default).

- Service staff (the service role) and administrators work cases, assets and entitlements of
  every account (`can_work_service`); the service area's global scope also lets them read those
  accounts and contacts (ltc.customers.access).
- Executives see everything of service; sales managers and ARs see the cases, assets,
  entitlements and renewals of the accounts they may read (the account page shows service next to
  sales), and may add an internal note to such a case, nothing else.
- Configuration (business calendars, SLA policies, case routing rules) is for administrators and
  the service staff who manage a team (`can_configure_service`).
- Customers see their own company's cases, assets and invoices in the portal only
  (ltc.service.portal), never through these rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ltc.core.access import NOTHING, has_any_role
from ltc.customers.access import account_visible_q
from ltc.org.choices import RoleCode

STAFF = (RoleCode.SERVICE, RoleCode.ADMIN)
# The sales side of an account (its AR, SR, FR and their managers) reads its service records.
SALES_SIDE = (RoleCode.AR, RoleCode.SR, RoleCode.FR, RoleCode.SALES_MANAGER)
# Who sees the Service entry of the navigation (the dashboard and the lists).
READERS = (RoleCode.SERVICE, RoleCode.ADMIN, RoleCode.EXECUTIVE, RoleCode.SALES_MANAGER)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_work_service(user: Any) -> bool:
    """Create and change cases, assets and entitlements."""
    return _active(user) and has_any_role(user, STAFF)


def sees_service(user: Any) -> bool:
    return _active(user) and has_any_role(user, READERS)


def can_configure_service(user: Any) -> bool:
    if not _active(user):
        return False
    if has_any_role(user, (RoleCode.ADMIN,)):
        return True
    return has_any_role(user, (RoleCode.SERVICE,)) and bool(user.managed_team_ids())


def account_records_q(user: Any, *, account_path: str = "account") -> Q:
    """Service records (cases, assets, entitlements, renewals) `user` may read, through their account:
    all for the service area's global roles, those of the accounts they read for the sales side
    and sales managers, none for anyone else (finance reads the customers it bills, not their cases)."""
    if not _active(user):
        return NOTHING
    if user.has_global_scope(area="service"):
        return Q()
    if not (sees_service(user) or has_any_role(user, SALES_SIDE)):
        return NOTHING
    return account_visible_q(user, prefix=f"{account_path}__")


def service_scope(queryset: QuerySet[Any], user: Any, *, account_path: str = "account") -> QuerySet[Any]:
    return queryset.filter(account_records_q(user, account_path=account_path))
