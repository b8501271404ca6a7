"""On the calendar: the expected close dates of open deals and the submission deadlines of bids."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.calendar import ENTRY_LIMIT, MINE, CalendarEntry, CalendarSource, day_bounds, personally_q, register
from ltc.opportunities.access import MEMBERS, opportunity_visible_q
from ltc.opportunities.choices import BidStatus, OpportunityStatus
from ltc.opportunities.models import Bid, Opportunity

PEOPLE = ("owner", *MEMBERS)


def _deals(user: Any, scope: str) -> Any:
    deals = Opportunity.objects.filter(opportunity_visible_q(user))
    return deals.filter(personally_q(user, PEOPLE)) if scope == MINE else deals


def deal_close_entries(user: Any, start: date, end: date, scope: str) -> list[CalendarEntry]:
    """Open deals the user sees (scope mine: is AR, SR, FR or sponsor of) expected to close in the range."""
    rows = (
        _deals(user, scope)
        .filter(status=OpportunityStatus.OPEN, expected_close_date__gte=start, expected_close_date__lt=end)
        .only("pk", "name", "expected_close_date")
        .order_by("expected_close_date", "pk")[:ENTRY_LIMIT]
    )
    return [
        CalendarEntry(
            kind="deal_close",
            title=_("Expected close: %(deal)s") % {"deal": deal.name},
            start=deal.expected_close_date,
            all_day=True,
            url=deal.get_absolute_url(),
            record=deal.name,
            record_id=deal.pk,
        )
        for deal in rows
        if deal.expected_close_date is not None
    ]


def bid_deadline_entries(user: Any, start: date, end: date, scope: str) -> list[CalendarEntry]:
    """Submission deadlines in the range of the bids (not cancelled) on deals the user sees."""
    since, until = day_bounds(start, end)
    rows = (
        Bid.objects.filter(opportunity__in=_deals(user, scope).values("pk"))
        .exclude(status=BidStatus.CANCELLED)
        .filter(submission_deadline__gte=since, submission_deadline__lt=until)
        .select_related("opportunity")
        .only("pk", "tender_number", "issuer", "submission_deadline", "opportunity__name")
        .order_by("submission_deadline", "pk")[:ENTRY_LIMIT]
    )
    return [
        CalendarEntry(
            kind="bid_deadline",
            title=_("Bid deadline: %(tender)s") % {"tender": f"{bid.tender_number} · {bid.issuer}"},
            start=bid.submission_deadline,
            all_day=False,
            url=bid.get_absolute_url(),
            record=bid.opportunity.name,
            record_id=bid.pk,
        )
        for bid in rows
    ]


register(CalendarSource("deal_close", gettext_lazy("Deal close dates"), deal_close_entries, icon="target", order=20))
register(CalendarSource("bid_deadline", gettext_lazy("Bid deadlines"), bid_deadline_entries, icon="gavel", order=30))
