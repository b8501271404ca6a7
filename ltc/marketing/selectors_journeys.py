"""Reads of nurture journeys, with marketing's access applied: readers (marketing, administrators,
executives, sales managers) see every journey; anyone else none (a journey answers 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ltc.core.access import visible_q
from ltc.core.forms import is_id
from ltc.customers.access import account_visible_q
from ltc.customers.models import Contact
from ltc.leads.access import lead_scope
from ltc.leads.models import Lead
from ltc.marketing.access import marketing_scope
from ltc.marketing.models.journeys import (
    Journey,
    JourneyMember,
    JourneyMemberLog,
    JourneyStatus,
    JourneyStep,
    MemberState,
)


def journey_list(*, user: Any, status: str = "") -> QuerySet[Journey]:
    """Journeys newest first, with their campaign and how many members run and are done."""
    journeys: QuerySet[Journey] = marketing_scope(Journey.objects.all(), user).select_related("campaign", "segment")
    if status in JourneyStatus.values:
        journeys = journeys.filter(status=status)
    return journeys.annotate(
        running_count=Count("members", filter=Q(members__status__in=[MemberState.ACTIVE, MemberState.WAITING])),
        done_count=Count("members", filter=Q(members__status__in=[MemberState.FINISHED, MemberState.EXITED])),
    ).order_by("-created_at", "-pk")


def journey_get(*, user: Any, pk: Any) -> Journey:
    """One journey the user may see (404 otherwise, also for an id that is not one)."""
    if not is_id(pk):
        raise Http404
    journey: Journey | None = (
        marketing_scope(Journey.objects.all(), user)
        .select_related("campaign", "segment", "created_by")
        .filter(pk=int(pk))
        .first()
    )
    if journey is None:
        raise Http404
    return journey


def journey_steps(journey: Journey) -> list[JourneyStep]:
    return list(journey.steps.select_related("template", "target_campaign").order_by("position"))


def people_visible_q(user: Any) -> Q:
    """Members whose lead or contact `user` may read themselves (the leads and customers access
    rules): only those are shown person by person; the others are only counted."""
    if visible_q(user, area="leads") == Q():
        leads = Q(lead_id__isnull=False)
    else:
        leads = Q(lead_id__in=lead_scope(Lead.objects.all(), user).values("pk"))
    accounts = account_visible_q(user, prefix="account__")
    if accounts == Q():
        contacts = Q(contact_id__isnull=False)
    else:
        contacts = Q(contact_id__in=Contact.objects.filter(accounts).values("pk"))
    return leads | contacts


def _members(journey: Journey, status: str, position: int | None) -> QuerySet[JourneyMember]:
    members = JourneyMember.objects.filter(journey=journey)
    if status in MemberState.values:
        members = members.filter(status=status)
    if position is not None:
        members = members.filter(position=position)
    return members


def journey_members(
    journey: Journey, *, user: Any, status: str = "", position: int | None = None
) -> QuerySet[JourneyMember]:
    """The members `user` may see person by person (see `people_visible_q`), newest first."""
    members = _members(journey, status, position).filter(people_visible_q(user)).select_related("lead", "contact")
    return members.order_by("-entered_at", "-pk")


def journey_members_not_shown(journey: Journey, *, user: Any, status: str = "", position: int | None = None) -> int:
    """How many members (with the same filters) `user` may not see person by person."""
    return _members(journey, status, position).exclude(people_visible_q(user)).count()


def journey_member_get(journey: Journey, pk: Any, *, user: Any) -> JourneyMember:
    """One member whose lead or contact `user` may see (404 otherwise)."""
    if not is_id(pk):
        raise Http404
    member = (
        JourneyMember.objects.filter(people_visible_q(user), journey=journey, pk=int(pk))
        .select_related("lead", "contact")
        .first()
    )
    if member is None:
        raise Http404
    return member


def member_history(member: JourneyMember) -> QuerySet[JourneyMemberLog]:
    return JourneyMemberLog.objects.filter(member=member).order_by("at", "pk")
