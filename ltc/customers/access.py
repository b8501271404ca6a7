"""Who may see, change and merge accounts and contacts.

An account is visible to its owner, the managers above the owner, the roles with a global sales
or billing scope (core.access; finance reads only the customers it bills and collects from), and to
everyone who works a deal or a contract of the account — its AR (owner), SR, FR or sponsor — and
the managers above them. A contact follows its account.
Working a deal gives read access only: changing stays with the owner, the owner's managers and
admins (`can_change`). Merging two records is for admins and the managers above the owners.

The later stages are named only by their reverse relations ("opportunities", "contracts"), so
this app imports none of them; a relation that is not installed is skipped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from ltc.core.access import NOTHING, can_change, has_any_role, visible_q
from ltc.customers.choices import AccountStatus
from ltc.customers.models import Account
from ltc.org.choices import RoleCode
from ltc.org.models import User

CUSTOMER_WRITE_ROLES = (
    RoleCode.AR,
    RoleCode.SR,
    RoleCode.FR,
    RoleCode.SALES_MANAGER,
    RoleCode.MARKETING,
    RoleCode.SERVICE,
    RoleCode.ADMIN,
)
# Reverse relation from Account → the fields naming the people who work that record.
ACCOUNT_WORK = (
    ("opportunities", ("owner", "sr", "fr", "sponsor")),
    ("contracts", ("owner", "sr", "fr", "sponsor")),
)

# Reverse relations from Account → the records finance bills from.
BILLED = ("contracts", "invoices")
# Reverse relations from Account → the records service works on (ltc.service, when installed).
SERVICED = ("contracts", "cases", "assets", "entitlements")


def _work_q(user: Any, prefix: str) -> Q:
    """Accounts with a deal or contract worked by the user or by someone in a team the user manages."""
    teams = user.managed_team_ids()
    people = User.objects.filter(Q(pk=user.pk) | Q(team_id__in=teams)) if teams else None
    q = Q(pk__in=[])
    for relation, roles in ACCOUNT_WORK:
        try:
            Account._meta.get_field(relation)
        except FieldDoesNotExist:
            continue
        worked = Q()
        for role in roles:
            worked |= (
                Q(**{f"{relation}__{role}_id__in": people.values("pk")})
                if people is not None
                else Q(**{f"{relation}__{role}_id": user.pk})
            )
        # A subquery per relation: the outer query keeps one row per record, no DISTINCT.
        q |= Q(**{f"{prefix}id__in": Account.objects.filter(worked).values("pk")})
    return q


def account_visible_q(user: Any, *, prefix: str = "") -> Q:
    """The accounts (or, with prefix "account__", the contacts) `user` may read."""
    q = visible_q(user, owner_path=f"{prefix}owner")
    if q == Q() or q == NOTHING:
        return q
    q |= _work_q(user, prefix)
    if user.has_global_scope(area="billing"):
        q |= _customers_q(prefix, BILLED)  # read only: see can_change_account
    if user.has_global_scope(area="service"):
        q |= _customers_q(prefix, SERVICED)  # read only, as for finance
    return q


def _customers_q(prefix: str, relations: tuple[str, ...]) -> Q:
    """The accounts finance bills and collects from (or service serves): customers and former
    customers (a signed contract makes an account a customer) and any account with one of the
    `relations` (a contract, an invoice, a case …) — not a prospect nobody contracted with."""
    q = Q(**{f"{prefix}status__in": [AccountStatus.CUSTOMER, AccountStatus.FORMER]})
    for relation in relations:
        try:
            field = Account._meta.get_field(relation)
        except FieldDoesNotExist:
            continue
        # A subquery per relation: the outer query keeps one row per record, no DISTINCT.
        q |= Q(**{f"{prefix}id__in": field.related_model._default_manager.values("account_id")})  # type: ignore[union-attr]
    return q


def may_write_customers(user: Any) -> bool:
    return has_any_role(user, CUSTOMER_WRITE_ROLES)


def can_change_account(user: Any, account: Account) -> bool:
    """Edit the account and its contacts: a customer-writing role and the owner side."""
    owner_team_id = account.owner.team_id if account.owner_id else None
    return may_write_customers(user) and can_change(user, account.owner_id, owner_team_id)


def can_merge_account(user: Any, account: Account) -> bool:
    """Merge a duplicate into or out of this account: an admin or a manager above its owner."""
    if not (user.is_authenticated and user.is_active):
        return False
    if has_any_role(user, (RoleCode.ADMIN,)):
        return True
    owner_team_id = account.owner.team_id if account.owner_id else None
    return owner_team_id is not None and owner_team_id in user.managed_team_ids()
