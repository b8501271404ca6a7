"""Who may see, work and change deals.

A deal is visible to its iron triangle (AR = owner, SR, FR) and sponsor, to the managers above
any of them in the team tree, and to executives and admins (core.access, area "sales"). Whoever
reads a contract reads the deal it was won on (the contract's page links it): the contract's iron
triangle and sponsor, the managers above them, and the roles that see every contract (finance,
legal, delivery).
Members work the deal (activities, checklist, notes); the AR and the AR's managers steer it
(edit, advance, win, lose, reopen); only a manager above the AR, or an admin, overrides a gate.
While a delegation runs (授权委托), its delegate reads the deals with a decision waiting for the
principal (a review of the deal, of its contract or of a change, a discount of one of its quotes)
and those they decided in the principal's name.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from ltc.core.access import NOTHING, can_change, has_any_role, visible_q
from ltc.opportunities.choices import ReviewStatus, ReviewType
from ltc.opportunities.models import DecisionReview, Opportunity
from ltc.org.authority import stood_in_decisions_q
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
    return q | _contracted_q(user, ids) | _standing_in_q(user)


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


def _standing_in_q(user: Any) -> Q:
    """The deals with a decision the user takes for someone away today (授权委托), so the delegate
    opens what their task links to: a decision review of the deal, a review or change of its
    contract, a discount of one of its quotes — open and routed to the principal, or decided by
    the user in the principal's name (the page they come back to). Read-only: steering and
    working rights are unchanged. Subqueries (contracts and quotes through reverse relations,
    one subquery per path rather than one join of them all), so lists gain no query."""
    reviews = Q()
    for review_type in ReviewType.values:
        subject = f"review_{review_type.lower()}"
        reviews |= Q(review_type=review_type) & stood_in_decisions_q(user, subject, waiting=Q(status=ReviewStatus.OPEN))
    q = Q(pk__in=DecisionReview.objects.filter(reviews).values("opportunity_id"))
    later = (
        stood_in_decisions_q(
            user, "review_atc", waiting=Q(contracts__reviews__decision=""), prefix="contracts__reviews__"
        ),
        stood_in_decisions_q(
            user, "contract_change", waiting=Q(contracts__changes__status="assessing"), prefix="contracts__changes__"
        ),
        stood_in_decisions_q(
            user,
            "quote_discount",
            waiting=Q(quotes__versions__status="in_approval", quotes__versions__approvals__status="pending"),
            decider="approver",
            prefix="quotes__versions__approvals__",
        ),
    )
    for path in later:
        q |= Q(pk__in=Opportunity.objects.filter(path).values("pk"))
    return q


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
