"""/api/v1/marketing/journeys: nurture journeys with their steps, activation and pause, and where
each member stands with the history of what the journey did to them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf
from ltc.leads.choices import LeadSource
from ltc.marketing import selectors_journeys as selectors
from ltc.marketing.access import can_manage_marketing, marketing_scope, sees_marketing
from ltc.marketing.models import Campaign, TouchKind
from ltc.marketing.models.journeys import (
    BranchField,
    BranchOn,
    Journey,
    JourneyEntry,
    JourneyStatus,
    LogAction,
    MemberState,
    StepKind,
)
from ltc.marketing.services import journeys as services
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing"])


class JourneyStepIn(Schema):
    kind: Annotated[str, OneOf(StepKind)]
    template_id: int | None = Field(None, description="E-mail steps: the template sent.")
    wait_hours: int | None = Field(None, description="Wait steps: how long.")
    branch_on: Annotated[str, OneOf(BranchOn, blank=True)] = ""
    branch_score: int | None = None
    branch_field: Annotated[str, OneOf(BranchField, blank=True)] = ""
    branch_value: str = ""
    yes_goto: int | None = Field(None, description="Branch: the step (position) when it holds; null: the next.")
    no_goto: int | None = Field(None, description="Branch: the step (position) otherwise; null: the next.")
    target_campaign_id: int | None = Field(None, description="Add-to-campaign steps: the campaign.")
    task_title: str = ""
    task_due_days: int | None = None


class JourneyIn(Schema):
    name: str
    campaign_id: int
    entry: Annotated[str, OneOf(JourneyEntry)] = "segment"
    segment_id: int | None = Field(None, description="Segment entry: whose members enter.")
    entry_lead_source: Annotated[str, OneOf(LeadSource, blank=True)] = ""
    entry_lead_campaign: str = Field("", description="Lead-created entry: the lead's campaign code (blank: any).")
    entry_touch_kind: Annotated[str, OneOf(TouchKind, blank=True)] = ""
    exit_on_qualified: bool = True
    exit_on_converted: bool = True
    exit_on_disqualified: bool = True
    exit_on_unsubscribed: bool = True
    exit_score: int | None = Field(None, description="Leave once the lead's score reaches this.")
    description: str = ""
    steps: list[JourneyStepIn] = []


class JourneyPatch(Schema):
    name: str | None = None
    campaign_id: int | None = None
    entry: Annotated[str, OneOf(JourneyEntry)] | None = None
    segment_id: int | None = None
    entry_lead_source: Annotated[str, OneOf(LeadSource, blank=True)] | None = None
    entry_lead_campaign: str | None = None
    entry_touch_kind: Annotated[str, OneOf(TouchKind, blank=True)] | None = None
    exit_on_qualified: bool | None = None
    exit_on_converted: bool | None = None
    exit_on_disqualified: bool | None = None
    exit_on_unsubscribed: bool | None = None
    exit_score: int | None = None
    description: str | None = None


class JourneyStepsIn(Schema):
    steps: list[JourneyStepIn]


class JourneyRef(Schema):
    id: int
    name: str


class JourneyCampaignRef(Schema):
    id: int
    name: str
    code: str


class JourneyStepOut(Schema):
    position: int
    kind: Annotated[str, OneOf(StepKind)]
    template: JourneyRef | None
    wait_hours: int | None
    branch_on: Annotated[str, OneOf(BranchOn, blank=True)]
    branch_score: int | None
    branch_field: Annotated[str, OneOf(BranchField, blank=True)]
    branch_value: str
    yes_goto: int | None
    no_goto: int | None
    target_campaign: JourneyRef | None
    task_title: str
    task_due_days: int | None


class JourneySummaryOut(Schema):
    id: int
    version: int
    name: str
    status: Annotated[str, OneOf(JourneyStatus)]
    entry: Annotated[str, OneOf(JourneyEntry)]
    campaign: JourneyCampaignRef
    running_count: int = 0
    done_count: int = 0
    created_at: datetime
    updated_at: datetime


class JourneyStepCountOut(Schema):
    position: int
    active: int
    waiting: int
    finished: int
    exited: int


class JourneyOut(Schema):
    id: int
    version: int
    name: str
    status: Annotated[str, OneOf(JourneyStatus)]
    campaign: JourneyCampaignRef
    entry: Annotated[str, OneOf(JourneyEntry)]
    segment: JourneyRef | None
    entry_lead_source: Annotated[str, OneOf(LeadSource, blank=True)]
    entry_lead_campaign: str
    entry_touch_kind: Annotated[str, OneOf(TouchKind, blank=True)]
    exit_on_qualified: bool
    exit_on_converted: bool
    exit_on_disqualified: bool
    exit_on_unsubscribed: bool
    exit_score: int | None
    description: str
    activated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    steps: list[JourneyStepOut]
    counts: list[JourneyStepCountOut] = Field(description="Members per step position and state.")

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps_out)


class JourneyQuery(Schema):
    status: Annotated[str, OneOf(JourneyStatus, blank=True)] = ""
    limit: int = 50
    offset: int = 0


class JourneyMemberQuery(Schema):
    status: Annotated[str, OneOf(MemberState, blank=True)] = ""
    position: int | None = None
    limit: int = 50
    offset: int = 0


class JourneyMemberOut(Schema):
    id: int
    lead_id: int | None
    contact_id: int | None
    name: str
    position: int
    status: Annotated[str, OneOf(MemberState)]
    next_run_at: datetime | None
    entered_at: datetime
    left_at: datetime | None
    exit_reason: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.lead if obj.lead_id else obj.contact)


class JourneyLogOut(Schema):
    position: int | None
    action: Annotated[str, OneOf(LogAction)]
    result: str
    at: datetime


def _readable(request: AuthedRequest, journey_id: int) -> Journey:
    return selectors.journey_get(user=request.user, pk=journey_id)


def _writable(request: AuthedRequest, journey_id: int) -> Journey:
    journey = _readable(request, journey_id)
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators change journeys."))
    return journey


def _campaign(request: AuthedRequest, pk: int, field: str) -> Campaign:
    campaign: Campaign | None = marketing_scope(Campaign.objects.all(), request.user).filter(pk=pk).first()
    if campaign is None:
        raise ValidationError({field: [_("No such campaign.")]})
    return campaign


def _relations(request: AuthedRequest, data: dict[str, Any]) -> dict[str, Any]:
    """campaign_id and segment_id as records, or a field error."""
    from ltc.marketing.services.segments import segment_list

    if "campaign_id" in data:
        pk = data.pop("campaign_id")
        if pk is None:
            raise ValidationError({"campaign_id": [_("Choose a campaign.")]})
        data["campaign"] = _campaign(request, pk, "campaign_id")
    if "segment_id" in data:
        pk = data.pop("segment_id")
        data["segment"] = None
        if pk is not None:
            data["segment"] = segment_list(user=request.user).filter(pk=pk).first()
            if data["segment"] is None:
                raise ValidationError({"segment_id": [_("No such segment.")]})
    return data


def _steps(request: AuthedRequest, steps: list[JourneyStepIn]) -> list[dict[str, Any]]:
    """The steps with their template and campaign as records (one query each for all steps)."""
    from ltc.marketing.models.email import EmailTemplate

    rows = [step.model_dump() for step in steps]
    template_ids = {row["template_id"] for row in rows if row["template_id"] is not None}
    campaign_ids = {row["target_campaign_id"] for row in rows if row["target_campaign_id"] is not None}
    templates = EmailTemplate.objects.in_bulk(template_ids) if template_ids else {}
    campaigns = marketing_scope(Campaign.objects.all(), request.user).in_bulk(campaign_ids) if campaign_ids else {}
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        template_id, campaign_id = row.pop("template_id"), row.pop("target_campaign_id")
        row["template"] = templates.get(template_id) if template_id is not None else None
        row["target_campaign"] = campaigns.get(campaign_id) if campaign_id is not None else None
        if template_id is not None and row["template"] is None:
            errors[f"steps.{index}.template_id"] = [_("No such e-mail template.")]
        if campaign_id is not None and row["target_campaign"] is None:
            errors[f"steps.{index}.target_campaign_id"] = [_("No such campaign.")]
    if errors:
        raise ValidationError(errors)
    return rows


@contextmanager
def _step_ids() -> Iterator[None]:
    """A step's template and campaign named as the API sent them (`steps.0.template_id`)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {
            f"{key}_id" if key.startswith("steps.") and key.rsplit(".", 1)[-1] in REF_FIELDS else key: errors
            for key, errors in exc.message_dict.items()
        }
        raise ValidationError(renamed) from exc


REF_FIELDS = {"template", "target_campaign"}


def _answer(response: HttpResponse, journey: Journey) -> Journey:
    journey.refresh_from_db()
    journey.steps_out = selectors.journey_steps(journey)  # type: ignore[attr-defined]
    counts = services.step_counts(journey)
    journey.counts = [  # type: ignore[attr-defined]
        {"position": position, **{state: by_state.get(state, 0) for state in MemberState.values}}
        for position, by_state in sorted(counts.items())
    ]
    response["ETag"] = etag(journey.version)
    return journey


@router.get("/marketing/journeys", response=Page[JourneySummaryOut])
def journey_list(request: AuthedRequest, query: Query[JourneyQuery]) -> dict[str, Any]:
    """Journeys, newest first, with how many members run and are done (marketing readers)."""
    if not sees_marketing(request.user):
        raise PermissionDenied(_("You may not read journeys."))
    return paginate(
        selectors.journey_list(user=request.user, status=query.status), limit=query.limit, offset=query.offset
    )


@router.post("/marketing/journeys", response={201: JourneyOut})
def journey_create(request: AuthedRequest, payload: JourneyIn, response: HttpResponse) -> Status[Any]:
    """Create a draft journey with its steps (marketing and administrators)."""
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators change journeys."))
    data = payload.model_dump(exclude={"steps"})
    data = _relations(request, data)
    steps = _steps(request, payload.steps)
    with _step_ids():
        journey = services.journey_create(actor=request.user, data=data, steps=steps)
    response["Location"] = f"/api/v1/marketing/journeys/{journey.pk}"
    return Status(201, _answer(response, journey))


@router.get("/marketing/journeys/{journey_id}", response=JourneyOut)
def journey_get(request: AuthedRequest, journey_id: int, response: HttpResponse) -> Journey:
    """A journey with its steps and how many members stand at each."""
    return _answer(response, _readable(request, journey_id))


@router.patch("/marketing/journeys/{journey_id}", response=JourneyOut)
def journey_update(request: AuthedRequest, journey_id: int, payload: JourneyPatch, response: HttpResponse) -> Journey:
    """Change the name, entry or exit criteria (If-Match: its ETag)."""
    journey = _writable(request, journey_id)
    expected = if_match_version(request, journey)
    data = _relations(request, payload.model_dump(exclude_unset=True))
    journey = services.journey_update(actor=request.user, journey=journey, data=data, expected_version=expected)
    return _answer(response, journey)


@router.put("/marketing/journeys/{journey_id}/steps", response=JourneyOut)
def journey_steps_set(
    request: AuthedRequest, journey_id: int, payload: JourneyStepsIn, response: HttpResponse
) -> Journey:
    """Replace the steps of a draft or paused journey (If-Match)."""
    journey = _writable(request, journey_id)
    expected = if_match_version(request, journey)
    steps = _steps(request, payload.steps)
    with _step_ids():
        journey = services.journey_steps_set(
            actor=request.user, journey=journey, steps=steps, expected_version=expected
        )
    return _answer(response, journey)


@router.post("/marketing/journeys/{journey_id}/activate", response=JourneyOut)
def journey_activate(request: AuthedRequest, journey_id: int, response: HttpResponse) -> Journey:
    """Start or resume a journey (If-Match); a segment journey enrols its segment at once."""
    journey = _writable(request, journey_id)
    expected = if_match_version(request, journey)
    journey = services.journey_activate(actor=request.user, journey=journey, expected_version=expected)
    return _answer(response, journey)


@router.post("/marketing/journeys/{journey_id}/pause", response=JourneyOut)
def journey_pause(request: AuthedRequest, journey_id: int, response: HttpResponse) -> Journey:
    """Hold an active journey (If-Match): nobody enters or moves until it is activated again."""
    journey = _writable(request, journey_id)
    expected = if_match_version(request, journey)
    journey = services.journey_pause(actor=request.user, journey=journey, expected_version=expected)
    return _answer(response, journey)


@router.post("/marketing/journeys/{journey_id}/archive", response=JourneyOut)
def journey_archive(request: AuthedRequest, journey_id: int, response: HttpResponse) -> Journey:
    """Close a journey for good (If-Match); its members and history are kept."""
    journey = _writable(request, journey_id)
    expected = if_match_version(request, journey)
    journey = services.journey_archive(actor=request.user, journey=journey, expected_version=expected)
    return _answer(response, journey)


class JourneyMemberPage(Page[JourneyMemberOut]):
    not_shown: int = Field(
        description="Members matching the filters whose lead or contact the caller may not read: counted, not listed."
    )


@router.get("/marketing/journeys/{journey_id}/members", response=JourneyMemberPage)
def journey_member_list(request: AuthedRequest, journey_id: int, query: Query[JourneyMemberQuery]) -> Any:
    """The journey's members whose lead or contact the caller may read, newest first: their step
    and state (filter by both); the others are only counted (`not_shown`)."""
    journey = _readable(request, journey_id)
    members = selectors.journey_members(journey, user=request.user, status=query.status, position=query.position)
    page = paginate(members, limit=query.limit, offset=query.offset)
    page["not_shown"] = selectors.journey_members_not_shown(
        journey, user=request.user, status=query.status, position=query.position
    )
    return page


@router.get("/marketing/journeys/{journey_id}/members/{member_id}/history", response=list[JourneyLogOut])
def journey_member_history(request: AuthedRequest, journey_id: int, member_id: int) -> Any:
    """What the journey did to one member, oldest first."""
    journey = _readable(request, journey_id)
    member = selectors.journey_member_get(journey, member_id, user=request.user)
    return list(selectors.member_history(member)[:500])
