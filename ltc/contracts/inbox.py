"""The contract stage's inbox sources: contract reviews (合同评审) and change requests (合同变更)
waiting for the user's decision, decided in the inbox through the stage's own services
(lifecycle.review_decide, changes.change_decide)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.contracts.choices import ChangeStatus, ReviewDecision
from ltc.contracts.models import ChangeRequest, ContractReview
from ltc.contracts.services.changes import SUBJECT as CHANGE_SUBJECT
from ltc.contracts.services.changes import change_decide, change_parties
from ltc.contracts.services.lifecycle import REVIEW_SUBJECT, review_decide
from ltc.core import inbox
from ltc.org import authority
from ltc.org.models import Delegation

APPROVE, REJECT = "approve", "reject"


def _principals(user: Any, subject: str) -> set[int]:
    return {d.principal_id for d in Delegation.objects.active().filter(delegate=user) if d.covers_subject(subject)}


def _routed(user: Any, subject: str, *, parties: Q) -> Q:
    """Routed to `user`, or to a principal of theirs on a record `user` is not a party to."""
    return Q(decider=user) | (Q(decider__in=_principals(user, subject)) & ~parties)


def _decides(actor: Any, decider_id: int | None, subject: str, *, parties: Collection[int]) -> bool:
    if decider_id == actor.pk:
        return True
    return actor.pk not in parties and decider_id in _principals(actor, subject)


def _reviews_waiting(user: Any) -> list[inbox.InboxItem]:
    reviews = (
        ContractReview.objects.filter(
            _routed(user, REVIEW_SUBJECT, parties=authority.triangle_q(user, "contract__")), decision=""
        )
        .select_related("contract", "version", "opened_by", "decider", "decider_task")
        .order_by("opened_at", "pk")
    )
    return [
        inbox.InboxItem(
            kind="contract_review",
            item_id=review.pk,
            record=f"{review.contract.number} · {review.contract.title}",
            title=_("Contract review, version %(n)d") % {"n": review.version.number},
            amount=review.version.grand_total,
            currency=review.contract.currency,
            requested_by=str(review.opened_by),
            since=review.opened_at,
            due=review.decider_task.due_at if review.decider_task is not None else None,
            escalated_past=tuple(review.passed_over),
            for_user="" if review.decider_id == user.pk else str(review.decider),
            url=review.contract.get_absolute_url(),
            decide_api=f"/api/v1/contracts/{review.contract_id}/approve",
        )
        for review in reviews
    ]


def _review_decide(*, actor: Any, item_id: int, decision: str, note: str, extra: dict[str, str]) -> str:
    review = ContractReview.objects.select_related("contract", "decided_by").filter(pk=item_id).first()
    if review is None or not _decides(
        actor, review.decider_id, REVIEW_SUBJECT, parties=authority.triangle_ids(review.contract)
    ):
        raise Http404
    if not review.is_open:
        raise inbox.AlreadyDecided(_("Already decided by %(user)s.") % {"user": review.decided_by})
    review_decide(actor=actor, contract=review.contract, decision=decision, note=note)
    return _("Contract %(number)s: %(decision)s.") % {
        "number": review.contract.number,
        "decision": ReviewDecision(decision).label,
    }


def _changes_waiting(user: Any) -> list[inbox.InboxItem]:
    changes = (
        ChangeRequest.objects.filter(
            _routed(user, CHANGE_SUBJECT, parties=authority.triangle_q(user, "contract__") | Q(created_by_id=user.pk)),
            status=ChangeStatus.ASSESSING,
        )
        .select_related("contract", "created_by", "decider", "decider_task")
        .order_by("created_at", "pk")
    )
    return [
        inbox.InboxItem(
            kind="change_request",
            item_id=change.pk,
            record=f"{change.contract.number} CR{change.number}",
            title=change.title,
            amount=change.delta,
            currency=change.contract.currency,
            requested_by=str(change.created_by),
            since=change.created_at,
            due=change.decider_task.due_at if change.decider_task is not None else None,
            escalated_past=tuple(change.passed_over),
            for_user="" if change.decider_id == user.pk else str(change.decider),
            url=change.get_absolute_url(),
            decide_api=f"/api/v1/change-requests/{change.pk}/decide",
        )
        for change in changes
    ]


def _change_decide(*, actor: Any, item_id: int, decision: str, note: str, extra: dict[str, str]) -> str:
    change = ChangeRequest.objects.select_related("contract", "decided_by").filter(pk=item_id).first()
    if change is None or not _decides(
        actor, change.decider_id, CHANGE_SUBJECT, parties=change_parties(change, change.contract)
    ):
        raise Http404
    if change.status != ChangeStatus.ASSESSING:
        raise inbox.AlreadyDecided(_("Already decided by %(user)s.") % {"user": change.decided_by})
    decided = change_decide(actor=actor, change=change, approve=decision == APPROVE, note=note)
    return _("%(number)s CR%(n)d: %(status)s.") % {
        "number": change.contract.number,
        "n": change.number,
        "status": decided.get_status_display(),
    }


inbox.register(
    inbox.InboxSource(
        key="contract_review",
        title=lambda: gettext_lazy("Contract reviews"),
        waiting=_reviews_waiting,
        decisions=((APPROVE, gettext_lazy("Approve")), (REJECT, gettext_lazy("Send back"))),
        decide=_review_decide,
        note_required_for=(REJECT,),
        order=40,
    )
)
inbox.register(
    inbox.InboxSource(
        key="change_request",
        title=lambda: gettext_lazy("Change requests"),
        waiting=_changes_waiting,
        decisions=((APPROVE, gettext_lazy("Approve")), (REJECT, gettext_lazy("Reject"))),
        decide=_change_decide,
        note_required_for=(REJECT,),
        order=50,
    )
)
