"""Who may see, work and change deals.

A deal is visible to its iron triangle (AR = owner, SR, FR) and sponsor, to the managers above
any of them in the team tree, and to executives and admins (core.access, area "sales"). Whoever
reads a contract reads the deal it was won on (the contract's page links it): the contract's iron
triangle and sponsor, the managers above them, and the roles that see every contract (finance,
legal, delivery).
Members work the deal (activities, checklist, notes); the AR and the AR's managers steer it
(edit, advance, win, lose, reopen); only a manager above the AR, or an admin, overrides a gate.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from ltc.core.access import NOTHING, can_change, has_any_role, visible_q
from ltc.opportunities.models import Opportunity
from ltc.org.choices import RoleCode

OPPORTUNITY_WRITE_ROLES = (RoleCode.AR, RoleCode.SR, RoleCode.SALES_MANAGER, RoleCode.ADMIN)
MEMBERS = ("sr", "fr", "sponsor")
# The people of a contract, reached through the reverse relation: deals do not import contracts.
CONTRACT_PEOPLE = ("owner", "sr", "fr", "sponsor")

OpportunitiesQS = TypeVar("OpportunitiesQS", bound=QuerySet[Opportunity])


def opportunity_visible_q(user: Any) -> Q:
    """The deals where the user, or someone in a team the user manages, is AR, SR, FR or sponsor.

    The people are looked up once, so the filter is on the deal's own columns (no joins), which
    lets the board and lists use their indexes."""
    q = visible_q(user, area="sales")
    if q == Q() or q == NOTHING:
        return q
    ids = user.people_in_view()
    q = Q(owner_id__in=ids)
    for member in MEMBERS:
        q |= Q(**{f"{member}_id__in": ids})
    return q | _contracted_q(user, ids)


def _contracted_q(user: Any, people: list[int]) -> Q:
    """The deals whose contract the user reads (contracts.access states the same rule): any deal
    with a contract for the roles that see every contract, else the deals of the contracts where
    one of `people` is AR, SR, FR or sponsor. A subquery, so lists gain no query and no repeats."""
    if user.has_global_scope(area="contracts"):
        contracted = Opportunity.objects.filter(contracts__isnull=False)
    else:
        named = Q()
        for person in CONTRACT_PEOPLE:
            named |= Q(**{f"contracts__{person}_id__in": people})
        contracted = Opportunity.objects.filter(named)
    return Q(pk__in=contracted.values("pk"))


def opportunity_scope(queryset: OpportunitiesQS, user: Any) -> OpportunitiesQS:
    return queryset.filter(opportunity_visible_q(user))


def can_quote(user: Any, opportunity: Opportunity) -> bool:
    """Build, revise, submit and send the deal's quotes: its AR side and its SR, holding a sales
    role (quotes.access.can_write is this rule; the deal's page draws 新建报价 by it)."""
    if not has_any_role(user, OPPORTUNITY_WRITE_ROLES):
        return False
    return user.pk == opportunity.sr_id or can_steer(user, opportunity)


def can_steer(user: Any, opportunity: Opportunity) -> bool:
    """Edit, advance, win, lose, reopen: the AR, managers above the AR, admins."""
    owner_team = opportunity.owner.team_id if opportunity.owner_id else None
    return can_change(user, opportunity.owner_id, owner_team)


def can_work(user: Any, opportunity: Opportunity) -> bool:
    """Log activities, tick the checklist, add notes: the steering users and the deal's members."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.pk in opportunity.member_ids() or can_steer(user, opportunity)


def can_override(user: Any, opportunity: Opportunity) -> bool:
    """Pass a gate with a reason: a manager above the AR (not the AR alone), or an admin."""
    if not (user.is_authenticated and user.is_active):
        return False
    if has_any_role(user, (RoleCode.ADMIN,)):
        return True
    owner_team = opportunity.owner.team_id if opportunity.owner_id else None
    return owner_team is not None and owner_team in user.managed_team_ids()
