"""Who may see and work billing.

Finance (with executives and admins: area "billing") sees every billing record and does the
money work: issues, cancels and credits invoices, records and allocates payments, imports bank
statements. An AR sees the billing of their customers — accounts they own or where they are the
AR of a contract — and so do the managers above them; they record promises to pay.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from ltc.contracts.models import Contract
from ltc.core.access import NOTHING, has_any_role, visible_q
from ltc.org.choices import RoleCode
from ltc.org.models import User

MONEY_ROLES = (RoleCode.FINANCE, RoleCode.ADMIN)


def _people(user: Any) -> list[int]:
    ids = {user.pk}
    teams = user.managed_team_ids()
    if teams:
        ids |= set(User.objects.filter(team_id__in=teams).values_list("pk", flat=True))
    return sorted(ids)


def account_visible_q(user: Any, path: str = "account") -> Q:
    """Billing records of the user's customers: accounts owned by the user (or people in the
    teams they manage), or where one of them is the AR of a contract."""
    q = visible_q(user, area="billing")
    if q == Q() or q == NOTHING:
        return q
    people = _people(user)
    accounts = Contract.objects.filter(owner_id__in=people).values("account_id")
    return Q(**{f"{path}__owner_id__in": people}) | Q(**{f"{path}_id__in": accounts})


def can_bill(user: Any) -> bool:
    """Finance staff and administrators do the money work."""
    return has_any_role(user, MONEY_ROLES)


def require_billing(user: Any) -> None:
    if not can_bill(user):
        raise PermissionDenied(_("Only finance staff do this."))
