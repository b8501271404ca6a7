"""Who may see a deal, and who hears of a decided review (registered from
OpportunitiesConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ltc.core.access import register_visibility
from ltc.core.events import IN_TRANSACTION, react
from ltc.core.models import NotificationKind
from ltc.core.notifications import notify
from ltc.opportunities.access import opportunity_visible_q
from ltc.opportunities.events import ReviewDecided
from ltc.opportunities.models import Bid, DecisionReview, Opportunity


def review_decided_notify(event: ReviewDecided) -> None:
    """The one who opened the review hears its decision."""
    review = DecisionReview.objects.select_related("opened_by", "decided_by", "opportunity").get(pk=event.subject_id)
    notify(
        [review.opened_by],
        NotificationKind.DECISION_MADE,
        subject=review.opportunity,
        actor=review.decided_by,
        params={"decision": event.review_type, "outcome": event.decision},
    )


def bid_visible_q(user: Any) -> Q:
    """A bid is seen by whoever sees its deal."""
    return Q(opportunity__in=Opportunity.objects.filter(opportunity_visible_q(user)).values("pk"))


register_visibility(Opportunity, opportunity_visible_q)
register_visibility(Bid, bid_visible_q)
react(ReviewDecided, review_decided_notify, runs=IN_TRANSACTION)
