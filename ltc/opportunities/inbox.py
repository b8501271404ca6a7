"""The deal stage's inbox sources: decision reviews awaiting the user's decision (decided in the
inbox through services.review_decide) and assessments awaiting the user as AR, SR or FR (listed
with a link to the review page, where the scoring form is)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import inbox
from ltc.opportunities.choices import AssessorRole, Decision, ReviewStatus, ReviewType
from ltc.opportunities.models import DecisionReview
from ltc.opportunities.services.reviews import MEMBER_OF_ROLE, review_decide, subject_of
from ltc.org import authority
from ltc.org.models import Delegation


def principals_for(user: Any, subjects: list[str]) -> dict[str, set[int]]:
    """For each subject, the users who delegated it to `user` and are away today (one query)."""
    running = Delegation.objects.active().filter(delegate=user)
    return {subject: {d.principal_id for d in running if d.covers_subject(subject)} for subject in subjects}


def _routed_to(user: Any) -> Q:
    """Open reviews whose decider is `user`, or a principal who delegated that review type to them
    (but not on a deal whose iron triangle `user` is on)."""
    away = principals_for(user, [subject_of(t) for t in ReviewType.values])
    own = authority.triangle_q(user, "opportunity__")  # their own deals: decided by own authority only
    routed = Q(decider=user)
    for review_type in ReviewType.values:
        if away[subject_of(review_type)]:
            routed |= Q(review_type=review_type, decider__in=away[subject_of(review_type)]) & ~own
    return routed


def _reviews_waiting(user: Any) -> list[inbox.InboxItem]:
    reviews = (
        DecisionReview.objects.filter(_routed_to(user), status=ReviewStatus.OPEN)
        .select_related("opportunity", "opened_by", "decider", "decider_task")
        .order_by("opened_at", "pk")
    )
    return [
        inbox.InboxItem(
            kind="decision_review",
            item_id=review.pk,
            record=str(review.opportunity),
            title=_("%(type)s review") % {"type": review.review_type},
            amount=review.amount,
            currency=review.currency,
            requested_by=str(review.opened_by),
            since=review.opened_at,
            due=review.decider_task.due_at if review.decider_task is not None else None,
            escalated_past=tuple(review.passed_over),
            for_user="" if review.decider_id == user.pk else str(review.decider),
            url=review.get_absolute_url(),
            decide_api=f"/api/v1/decision-reviews/{review.pk}/decide",
        )
        for review in reviews
    ]


def _review_decide(*, actor: Any, item_id: int, decision: str, note: str, extra: dict[str, str]) -> str:
    review = DecisionReview.objects.select_related("opportunity", "decider", "decided_by").filter(pk=item_id).first()
    if review is None or not _decides(actor, review):
        raise Http404
    if not review.is_open:
        raise inbox.AlreadyDecided(_("Already decided by %(user)s.") % {"user": review.decided_by})
    review_decide(actor=actor, review=review, decision=decision, note=note, conditions=extra.get("conditions", ""))
    return _("%(type)s review of “%(deal)s”: %(decision)s.") % {
        "type": review.review_type,
        "deal": review.opportunity,
        "decision": Decision(decision).label,
    }


def _decides(actor: Any, review: DecisionReview) -> bool:
    """The review was routed to `actor`, or to a principal who delegated its type to them today
    (unless `actor` is on the deal's iron triangle)."""
    if review.decider_id == actor.pk:
        return True
    if actor.pk in authority.triangle_ids(review.opportunity):
        return False
    return review.decider_id in principals_for(actor, [subject_of(review.review_type)])[subject_of(review.review_type)]


def _assessments_waiting(user: Any) -> list[inbox.InboxItem]:
    """Open reviews on deals where `user` holds a role that has not assessed yet (two queries)."""
    reviews = (
        DecisionReview.objects.filter(status=ReviewStatus.OPEN)
        .filter(Q(opportunity__owner=user) | Q(opportunity__sr=user) | Q(opportunity__fr=user))
        .select_related("opportunity", "opened_by")
        .prefetch_related("assessments")
        .order_by("opened_at", "pk")
    )
    items = []
    for review in reviews:
        given = {a.role for a in review.assessments.all()}
        for role in AssessorRole:
            if getattr(review.opportunity, f"{MEMBER_OF_ROLE[role]}_id") == user.pk and role not in given:
                items.append(
                    inbox.InboxItem(
                        kind="review_assessment",
                        item_id=review.pk,
                        record=str(review.opportunity),
                        title=_("Assess the %(type)s review as %(role)s")
                        % {"type": review.review_type, "role": str(role.value).upper()},
                        amount=review.amount,
                        currency=review.currency,
                        requested_by=str(review.opened_by),
                        since=review.opened_at,
                        url=review.get_absolute_url(),
                        decide_api=f"/api/v1/decision-reviews/{review.pk}/assess",
                        decidable=False,
                    )
                )
    return items


inbox.register(
    inbox.InboxSource(
        key="decision_review",
        title=lambda: gettext_lazy("Decision reviews"),
        waiting=_reviews_waiting,
        decisions=tuple(Decision.choices),
        decide=_review_decide,
        fields=(
            inbox.InboxField(
                name="conditions",
                label=gettext_lazy("Conditions, one per line"),
                required_for=(Decision.GO_WITH_CONDITIONS,),
                shown_for=(Decision.GO_WITH_CONDITIONS,),
            ),
        ),
        note_required_for=(Decision.NO_GO,),
        order=10,
    )
)
inbox.register(
    inbox.InboxSource(
        key="review_assessment",
        title=lambda: gettext_lazy("Assessments to give"),
        waiting=_assessments_waiting,
        order=20,
    )
)
