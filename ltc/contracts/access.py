"""Who may see and work contracts.

A contract is visible to its iron triangle (AR = owner, SR, FR) and sponsor, to the managers
above any of them, and to executives, admins, finance, delivery and legal (area "contracts").
The AR side (AR, managers above, admins) steers it: edits the draft, submits it for review,
records the signature, raises changes, closes or terminates it. The FR side (the contract's FR,
delivery staff, admins) executes it: hand-over, orders, deliveries, milestones, completion.
While a delegation runs (授权委托), its delegate reads the contracts whose review or change waits
for the principal's decision, or was decided by the delegate in the principal's name.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ltc.contracts.choices import ChangeStatus, ReviewArea
from ltc.contracts.models import ChangeRequest, Contract, ContractReview
from ltc.core.access import NOTHING, can_change, has_any_role, visible_q
from ltc.org.authority import stood_in_decisions_q
from ltc.org.choices import RoleCode

MEMBERS = ("sr", "fr", "sponsor")
# The authority subjects of the contract's decisions (services.lifecycle and services.changes).
REVIEW_SUBJECT = "review_atc"
CHANGE_SUBJECT = "contract_change"
ContractsQS = TypeVar("ContractsQS", bound=QuerySet[Any])

# Who checks each area of the contract review's checklist.
AREA_ROLES: dict[str, tuple[str, ...]] = {
    ReviewArea.FINANCE: (RoleCode.FINANCE,),
    ReviewArea.LEGAL: (RoleCode.LEGAL, RoleCode.ADMIN),
    ReviewArea.DELIVERY: (RoleCode.DELIVERY,),
}


def contract_visible_q(user: Any, prefix: str = "") -> Q:
    """Contracts where the user, or someone in a team the user manages, is AR, SR, FR or sponsor
    (people looked up once: the filter is on the contract's own columns)."""
    q = visible_q(user, area="contracts")
    if q == Q() or q == NOTHING:
        return q
    ids = user.people_in_view()
    q = Q(**{f"{prefix}owner_id__in": ids})
    for member in MEMBERS:
        q |= Q(**{f"{prefix}{member}_id__in": ids})
    return q | _waiting_for_principals(user, prefix)


def _waiting_for_principals(user: Any, prefix: str) -> Q:
    """The contracts with a decision the user takes for someone away today (授权委托): a contract
    review or a change, open and routed to the principal, or decided by the user in their name.
    The delegate reads them (their task links here, and the page they come back to after
    deciding); steering and delivering rights are unchanged. Subqueries: lists gain no query."""
    reviews = ContractReview.objects.filter(stood_in_decisions_q(user, REVIEW_SUBJECT, waiting=Q(decision="")))
    changes = ChangeRequest.objects.filter(
        stood_in_decisions_q(user, CHANGE_SUBJECT, waiting=Q(status=ChangeStatus.ASSESSING))
    )
    return Q(**{f"{prefix}pk__in": reviews.values("contract_id")}) | Q(
        **{f"{prefix}pk__in": changes.values("contract_id")}
    )


def contract_scope(queryset: ContractsQS, user: Any, prefix: str = "") -> ContractsQS:
    return queryset.filter(contract_visible_q(user, prefix))


def can_steer(user: Any, contract: Contract) -> bool:
    """The AR, managers above the AR, admins."""
    return can_change(user, contract.owner_id, contract.owner.team_id)


def can_deliver(user: Any, contract: Contract) -> bool:
    """The contract's FR, managers above the FR, delivery staff, admins."""
    if not (user.is_authenticated and user.is_active):
        return False
    if has_any_role(user, (RoleCode.DELIVERY,)):
        return True
    if contract.fr_id is None:
        return has_any_role(user, (RoleCode.ADMIN,))
    return can_change(user, contract.fr_id, contract.fr.team_id)


def can_check(user: Any, contract: Contract, area: str) -> bool:
    """Check an item of the review: finance staff for finance, legal staff (or an admin) for the
    clauses, the contract's FR or delivery staff for delivery."""
    if area == ReviewArea.DELIVERY and user.pk == contract.fr_id:
        return True
    return has_any_role(user, AREA_ROLES.get(area, ()))


def can_work(user: Any, contract: Contract) -> bool:
    """Record and close risks and disputes: the contract's people (the iron triangle and the
    sponsor), the AR side and the FR side."""
    return user.pk in contract.member_ids() or can_steer(user, contract) or can_deliver(user, contract)


def may_raise_change(user: Any, contract: Contract) -> bool:
    """The iron triangle and their managers (the AR side, the FR side, the SR)."""
    return can_steer(user, contract) or can_deliver(user, contract) or user.pk == contract.sr_id


def require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise PermissionDenied(message or _("You are not allowed to do this."))
