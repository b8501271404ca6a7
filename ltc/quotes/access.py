"""Who may see and write quotes: a quote is visible to whoever sees its deal; the deal's AR side
(AR, managers above, admins) and its SR write it; the pending approver approves. A delegate
standing in for the approver today (授权委托) sees the deal, so the quote, through
opportunities.access (read-only: writing stays with can_write)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from ltc.core.access import NOTHING
from ltc.opportunities.access import can_quote, opportunity_visible_q
from ltc.opportunities.models import Opportunity

QuotesQS = TypeVar("QuotesQS", bound=QuerySet[Any])


FEW_DEALS = 1000


def quote_visible_q(user: Any) -> Q:
    """The quotes on deals the user sees. Someone who sees few deals gets the list of their ids
    (the database reads just those deals' quotes); someone who sees many gets a per-row check
    while the newest quotes are read in order, so a page stops after a few rows either way."""
    deals = opportunity_visible_q(user)
    if deals == Q() or deals == NOTHING:
        return deals
    visible = Opportunity.objects.filter(deals)
    ids = list(visible.values_list("pk", flat=True)[: FEW_DEALS + 1])
    if len(ids) <= FEW_DEALS:
        return Q(opportunity_id__any=ids) if ids else NOTHING
    return Q(Exists(visible.filter(pk=OuterRef("opportunity_id"))))


def quote_scope(queryset: QuotesQS, user: Any) -> QuotesQS:
    return queryset.filter(quote_visible_q(user))


def can_write(user: Any, opportunity: Opportunity) -> bool:
    """Build, revise, submit, send: the deal's AR side and its SR, holding a sales role."""
    return can_quote(user, opportunity)
