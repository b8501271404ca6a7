"""/api/v1/calendar and /api/v1/activities/{id}/reschedule: the calendar's entries of a range for
the signed-in user, and moving a planned activity (the due time read is the precondition:
activities carry no version)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import AfterValidator

from ltc.core import calendar
from ltc.core.activities import activity_reschedule
from ltc.core.calendar import CalendarEntry
from ltc.core.models import Activity
from ltc.core.schemas import ActivityOut

router = Router(tags=["calendar"])


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a date-time with its UTC offset")
    return value


AwareDateTime = Annotated[datetime, AfterValidator(_aware)]


class CalendarQuery(Schema):
    start: date = Field(description="The first day shown.")
    end: date = Field(description="The day after the last one shown (at most 400 days after start).")
    scope: Literal["mine", "team"] = Field(
        "mine", description="mine: what you are on; team: everything your access shows (your teams')."
    )
    kinds: str = Field("", description="Comma-separated source keys (activity, deal_close, ...); empty: all.")


class CalendarEntryOut(Schema):
    kind: str = Field(description="The source: activity, deal_close, bid_deadline, milestone, invoice_due.")
    title: str
    start: datetime | date
    all_day: bool
    url: str
    record: str = Field(description="The record the entry belongs to (number or name).")
    record_id: int = Field(description="The id of the activity, deal, bid, milestone or invoice.")
    movable: bool = Field(description="An activity you may move (POST /activities/{id}/reschedule).")
    version: str = Field(description="For a movable activity: its due time as read, to send as expected_due_at.")


class CalendarSourceOut(Schema):
    key: str
    label: str


class CalendarOut(Schema):
    start: date
    end: date
    scope: Literal["mine", "team"]
    sources: list[CalendarSourceOut]
    entries: list[CalendarEntryOut]


class RescheduleIn(Schema):
    due_at: AwareDateTime = Field(description="The new due time.")
    expected_due_at: AwareDateTime = Field(description="The due time you read (the entry's `version`).")


@router.get("/calendar", response=CalendarOut)
def calendar_entries(request: HttpRequest, query: Query[CalendarQuery]) -> dict[str, Any]:
    """The entries of [start, end) you may see, from every source or the chosen ones."""
    keys = {s.key for s in calendar.sources()}
    kinds = [k for k in (part.strip() for part in query.kinds.split(",")) if k]
    errors: dict[str, list[str]] = {}
    if not calendar.range_valid(query.start, query.end):
        errors["end"] = [
            _("The end must come after the start, at most %(n)d days later.") % {"n": calendar.MAX_RANGE_DAYS}
        ]
    if any(k not in keys for k in kinds):
        errors["kinds"] = [_("Unknown calendar source.")]
    if errors:
        raise ValidationError(errors)
    entries: list[CalendarEntry] = calendar.entries_for(
        request.user, query.start, query.end, scope=query.scope, kinds=kinds or None
    )
    return {
        "start": query.start,
        "end": query.end,
        "scope": query.scope,
        "sources": [{"key": s.key, "label": str(s.label)} for s in calendar.sources()],
        "entries": entries,
    }


@router.post("/activities/{activity_id}/reschedule", response=ActivityOut)
def activity_reschedule_api(request: HttpRequest, activity_id: int, payload: RescheduleIn) -> Activity:
    """Move a planned activity you own, or one of the people you manage owns; a stale
    expected_due_at (someone moved it meanwhile) is refused with nothing changed."""
    activity = calendar.activity_in_view(request.user, activity_id)
    return activity_reschedule(
        actor=request.user, activity=activity, due_at=payload.due_at, expected_due_at=payload.expected_due_at
    )
