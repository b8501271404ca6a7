"""Who may see and work billing.

Finance (with executives and admins: area "billing") sees every billing record and does the
money work: issues, cancels and credits invoices, records and allocates payments, imports bank
statements. An AR sees the billing of their customers — accounts they own or where they are the
AR of a contract — and so do the managers above them; they record promises to pay. Whoever reads a
contract reads its billing schedule (the contract's page links it), and only reads it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from ltc.contracts.access import contract_visible_q
from ltc.contracts.models import Contract
from ltc.core.access import NOTHING, has_any_role, visible_q
from ltc.org.choices import RoleCode

MONEY_ROLES = (RoleCode.FINANCE, RoleCode.ADMIN)


def account_visible_q(user: Any, path: str = "account") -> Q:
    """Billing records of the user's customers: accounts owned by the user (or people in the
    teams they manage), or where one of them is the AR of a contract. `path` leads from the
    record to its account; "" filters accounts themselves."""
    q = visible_q(user, area="billing")
    if q == Q() or q == NOTHING:
        return q
    people = user.people_in_view()
    accounts = Contract.objects.filter(owner_id__in=people).values("account_id")
    owner, account = (f"{path}__owner_id__in", f"{path}_id__in") if path else ("owner_id__in", "pk__in")
    return Q(**{owner: people}) | Q(**{account: accounts})


def schedule_visible_q(user: Any) -> Q:
    """Contracts whose billing schedule the user reads: those of the user's customers (as above),
    and those the user reads as a contract — its iron triangle and sponsor, the managers above
    them, the roles that see every contract (contracts.access)."""
    billing = account_visible_q(user)
    contracts = contract_visible_q(user)
    if billing == Q() or contracts == Q():
        return Q()  # an empty Q would vanish from an OR and narrow the scope
    return billing | contracts


def can_bill(user: Any) -> bool:
    """Finance staff and administrators do the money work."""
    return has_any_role(user, MONEY_ROLES)


def require_billing(user: Any) -> None:
    if not can_bill(user):
        raise PermissionDenied(_("Only finance staff do this."))
