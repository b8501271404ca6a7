"""/api/v1/pipelines and /api/v1/opportunities: thin over opportunities.services and .selectors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ltc.core.activities import activities_for
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.models import Activity
from ltc.core.money import Currency
from ltc.core.schemas import ActivityIn, ActivityOut, CompleteIn, Money, NoteIn, OneOf, TimelineEventOut, UserRef
from ltc.core.timeline import timeline_for
from ltc.customers import selectors as customer_selectors
from ltc.customers.models import Contact
from ltc.leads import selectors as lead_selectors
from ltc.opportunities import selectors, services
from ltc.opportunities.choices import (
    CRITERIA,
    AssessorRole,
    Attitude,
    BidSectionKind,
    BidStatus,
    Decision,
    DecisionRole,
    ForecastCategory,
    Level,
    OpportunityStatus,
    ReviewStatus,
    ReviewType,
    SubmissionMethod,
)
from ltc.opportunities.models import (
    Bid,
    BidDocument,
    BidDocumentVersion,
    BidSection,
    DecisionReview,
    Opportunity,
    Pipeline,
    ReviewAssessment,
    Stage,
    StageRequirement,
    Stakeholder,
)
from ltc.org.models import User
from ltc.org.types import AuthedRequest

router = Router(tags=["opportunities"])


class RequirementOut(Schema):
    id: int
    label: str
    kind: str
    activity_kind: str
    field_name: str
    review_type: str


class StageOut(Schema):
    id: int
    order: int
    name: str
    category: str
    probability: int
    needs_fr: bool
    guidance: str
    requirements: list[RequirementOut]

    @staticmethod
    def resolve_requirements(obj: Stage) -> list[StageRequirement]:
        return list(obj.requirements.all())


class PipelineOut(Schema):
    id: int
    name: str
    description: str
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Pipeline) -> list[Stage]:
        return list(obj.stages.all())


class OpportunityIn(Schema):
    name: str
    account_id: int
    pipeline_id: int
    stage_id: int | None = None
    amount: Decimal = Decimal("0.00")
    currency: Annotated[str, OneOf(Currency)] = "CNY"
    expected_close_date: date | None = None
    probability: int | None = None
    forecast_category: Annotated[str, OneOf(ForecastCategory)] = "pipeline"
    campaign: str = ""
    competitors: str = ""
    products_of_interest: str = ""
    description: str = ""
    owner_id: int | None = None
    sr_id: int | None = None
    fr_id: int | None = None
    sponsor_id: int | None = None
    contact_ids: list[int] = []


class OpportunityPatch(Schema):
    name: str | None = None
    account_id: int | None = None
    amount: Decimal | None = None
    currency: Annotated[str, OneOf(Currency)] | None = None
    expected_close_date: date | None = None
    probability: int | None = None
    forecast_category: Annotated[str, OneOf(ForecastCategory)] | None = None
    campaign: str | None = None
    competitors: str | None = None
    products_of_interest: str | None = None
    description: str | None = None
    owner_id: int | None = None
    sr_id: int | None = None
    fr_id: int | None = None
    sponsor_id: int | None = None
    contact_ids: list[int] | None = None


class ContactRef(Schema):
    id: int
    name: str


class OpportunityOut(Schema):
    id: int
    version: int
    name: str
    account_id: int
    account_name: str
    pipeline_id: int
    stage_id: int
    stage_name: str
    stage_entered_at: datetime | None
    status: Annotated[str, OneOf(OpportunityStatus)]
    amount: Money
    currency: Annotated[str, OneOf(Currency)]
    probability: int
    weighted_amount: Money
    forecast_category: Annotated[str, OneOf(ForecastCategory)]
    expected_close_date: date | None
    owner: UserRef
    sr: UserRef | None
    fr: UserRef | None
    sponsor: UserRef | None
    contacts: list[ContactRef]
    source_lead_id: int | None
    campaign: str
    competitors: str
    products_of_interest: str
    description: str
    close_reason: str
    close_note: str
    lost_to: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_name(obj: Opportunity) -> str:
        return obj.account.name

    @staticmethod
    def resolve_stage_name(obj: Opportunity) -> str:
        return obj.stage.name

    @staticmethod
    def resolve_contacts(obj: Opportunity) -> list[Contact]:
        return list(obj.contacts.all())


class OpportunityQuery(Schema):
    q: str = ""
    pipeline: int | None = None
    stage: int | None = None
    status: Annotated[str, OneOf(OpportunityStatus, blank=True)] = ""
    mine: str = ""
    owner: int | None = None
    sort: str = "-updated"
    limit: int = 50
    offset: int = 0


class ChecklistItemOut(Schema):
    requirement_id: int
    label: str
    kind: str
    done: bool

    @staticmethod
    def resolve_requirement_id(obj: services.ChecklistItem) -> int:
        return obj.requirement.pk

    @staticmethod
    def resolve_kind(obj: services.ChecklistItem) -> str:
        return obj.requirement.kind


class ChecklistOut(Schema):
    stage_id: int
    items: list[ChecklistItemOut]
    next_stage_id: int | None
    missing_to_advance: list[str]


class OpportunityCheckIn(Schema):
    done: bool = True


class AdvanceIn(Schema):
    stage_id: int | None = None
    override_reason: str = ""


class WinIn(Schema):
    reason: str
    note: str = ""
    override_reason: str = ""


class LoseIn(Schema):
    reason: str
    competitor: str = ""
    note: str = ""


class FromLeadIn(Schema):
    lead_id: int
    pipeline_id: int
    stage_id: int | None = None
    name: str = ""
    amount: Decimal | None = None
    expected_close_date: date | None = None


class BoardCardOut(Schema):
    id: int
    version: int
    name: str
    account_name: str
    amount: Money
    currency: str
    owner: UserRef
    expected_close_date: date | None

    @staticmethod
    def resolve_account_name(obj: Opportunity) -> str:
        return obj.account.name


class MoneyOut(Schema):
    currency: str
    amount: Money


class BoardColumnOut(Schema):
    stage_id: int
    stage_name: str
    category: str
    probability: int
    count: int
    amounts: list[MoneyOut]
    weighted: list[MoneyOut]
    cards: list[BoardCardOut]


def _opportunity(request: AuthedRequest, opportunity_id: int) -> Opportunity:
    return selectors.opportunity_get(user=request.user, pk=opportunity_id)


def _answer(response: HttpResponse, opportunity: Opportunity) -> Opportunity:
    response["ETag"] = etag(opportunity.version)
    return opportunity


def _pipeline(pk: int, field: str = "pipeline_id") -> Pipeline:
    try:
        return selectors.pipeline_get(pk=pk)
    except Http404 as exc:
        raise ValidationError({field: [_("No such pipeline.")]}) from exc


def _stage(pipeline: Pipeline, pk: int | None, field: str = "stage_id") -> Stage | None:
    if pk is None:
        return None
    stage = next((s for s in pipeline.stages.all() if s.pk == pk), None)
    if stage is None:
        raise ValidationError({field: [_("No such stage in this pipeline.")]})
    return stage


def _resolve(request: AuthedRequest, data: dict[str, Any], *, account_id: int | None = None) -> dict[str, Any]:
    """Turn *_id fields into records the requester may use; unknown ones are field errors. Contacts
    are looked up among the deal's account's (`account_id` for an existing deal), so a contact of
    another customer reads exactly like one that does not exist."""
    for field in ("owner", "sr", "fr", "sponsor"):
        if f"{field}_id" in data:
            pk = data.pop(f"{field}_id")
            if pk is None and field == "owner":
                continue
            user = None if pk is None else User.objects.filter(pk=pk).first()
            if pk is not None and user is None:
                raise ValidationError({f"{field}_id": [_("No such user.")]})
            data[field] = user
    if "account_id" in data:
        pk = data.pop("account_id")
        if pk is not None:
            try:
                data["account"] = customer_selectors.account_get(user=request.user, pk=pk)
            except Http404 as exc:
                raise ValidationError({"account_id": [_("No such account.")]}) from exc
    if "contact_ids" in data:
        ids = data.pop("contact_ids")
        if ids is not None:
            account = data.get("account")
            owner_account = account.pk if account is not None else account_id
            candidates = (
                Contact.objects.none() if owner_account is None else Contact.objects.filter(account_id=owner_account)
            )
            contacts = list(candidates.filter(pk__in=ids))
            if len(contacts) != len(set(ids)):
                raise ValidationError({"contact_ids": [_("No such contact of the deal's account.")]})
            data["contacts"] = contacts
    return data


# --- pipelines -------------------------------------------------------------------------------


@router.get("/pipelines", response=list[PipelineOut])
def pipeline_list(request: AuthedRequest) -> Any:
    return list(selectors.pipelines())


@router.get("/pipelines/{pipeline_id}", response=PipelineOut)
def pipeline_get(request: AuthedRequest, pipeline_id: int) -> Pipeline:
    return selectors.pipeline_get(pk=pipeline_id)


@router.get("/pipelines/{pipeline_id}/board", response=list[BoardColumnOut])
def pipeline_board(request: AuthedRequest, pipeline_id: int, mine: str = "") -> Any:
    """Per stage: count, amounts per currency, weighted amounts, and the 20 largest deals."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    return [
        {
            "stage_id": c.stage.pk,
            "stage_name": c.stage.name,
            "category": c.stage.category,
            "probability": c.stage.probability,
            "count": c.count,
            "amounts": [{"currency": k, "amount": v} for k, v in c.amounts.items()],
            "weighted": [{"currency": k, "amount": v} for k, v in c.weighted.items()],
            "cards": c.cards,
        }
        for c in selectors.board(user=request.user, pipeline=pipeline, mine=mine)
    ]


# --- opportunities ---------------------------------------------------------------------------


@router.get("/opportunities", response=Page[OpportunityOut])
def opportunity_list(request: AuthedRequest, query: Query[OpportunityQuery]) -> dict[str, Any]:
    filters = selectors.OpportunityFilters(**query.model_dump(exclude={"limit", "offset"}))
    qs = selectors.opportunity_list(user=request.user, filters=filters).prefetch_related("contacts")
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/opportunities", response={201: OpportunityOut})
def opportunity_create(request: AuthedRequest, payload: OpportunityIn, response: HttpResponse) -> Status[Any]:
    services.require_writer(request.user)  # roles first: a non-seller learns nothing from the body
    data = payload.model_dump()
    pipeline = _pipeline(data.pop("pipeline_id"))
    data["stage"] = _stage(pipeline, data.pop("stage_id"))
    data["pipeline"] = pipeline
    if data["probability"] is None:
        data.pop("probability")
    opportunity = services.opportunity_create(actor=request.user, data=_resolve(request, data))
    response["Location"] = f"/api/v1/opportunities/{opportunity.pk}"
    return Status(201, _answer(response, opportunity))


@router.post("/opportunities/from-lead", response={201: OpportunityOut})
def opportunity_from_lead(request: AuthedRequest, payload: FromLeadIn, response: HttpResponse) -> Status[Any]:
    """Convert a qualified lead and open a deal for it in a pipeline, at a chosen stage."""
    services.require_writer(request.user)
    try:
        lead = lead_selectors.lead_get(user=request.user, pk=payload.lead_id)
    except Http404 as exc:
        raise ValidationError({"lead_id": [_("No such lead.")]}) from exc
    pipeline = _pipeline(payload.pipeline_id)
    opportunity = services.opportunity_from_lead(
        actor=request.user,
        lead=lead,
        pipeline=pipeline,
        stage=_stage(pipeline, payload.stage_id),
        name=payload.name,
        amount=payload.amount,
        expected_close_date=payload.expected_close_date,  # type: ignore[arg-type]
    )
    response["Location"] = f"/api/v1/opportunities/{opportunity.pk}"
    return Status(201, _answer(response, opportunity))


class OpportunityDetailOut(OpportunityOut):
    """A deal with the documents later stages made for it (read through the reverse relations:
    deals do not import quotes or contracts); the `*_url` links are the filtered API lists."""

    quote_ids: list[int]
    contract_ids: list[int]
    quotes_url: str
    contracts_url: str

    @staticmethod
    def resolve_quote_ids(obj: Opportunity) -> list[int]:
        return sorted(obj.quotes.values_list("pk", flat=True))

    @staticmethod
    def resolve_contract_ids(obj: Opportunity) -> list[int]:
        return sorted(obj.contracts.values_list("pk", flat=True))

    @staticmethod
    def resolve_quotes_url(obj: Opportunity) -> str:
        return f"/api/v1/quotes?opportunity={obj.pk}"

    @staticmethod
    def resolve_contracts_url(obj: Opportunity) -> str:
        return f"/api/v1/contracts?opportunity={obj.pk}"


@router.get("/opportunities/{opportunity_id}", response=OpportunityDetailOut)
def opportunity_get(request: AuthedRequest, opportunity_id: int, response: HttpResponse) -> Opportunity:
    return _answer(response, _opportunity(request, opportunity_id))


@router.patch("/opportunities/{opportunity_id}", response=OpportunityOut)
def opportunity_update(
    request: AuthedRequest, opportunity_id: int, payload: OpportunityPatch, response: HttpResponse
) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    expected = if_match_version(request, opportunity)
    data = _resolve(request, payload.model_dump(exclude_unset=True), account_id=opportunity.account_id)
    opportunity = services.opportunity_update(
        actor=request.user, opportunity=opportunity, data=data, expected_version=expected
    )
    return _answer(response, opportunity)


@router.get("/opportunities/{opportunity_id}/checklist", response=ChecklistOut)
def opportunity_checklist(request: AuthedRequest, opportunity_id: int) -> dict[str, Any]:
    opportunity = _opportunity(request, opportunity_id)
    following = services.next_stage(opportunity) if opportunity.is_open else None
    return {
        "stage_id": opportunity.stage_id,
        "items": services.checklist(opportunity),
        "next_stage_id": following.pk if following else None,
        "missing_to_advance": services.missing_to_move(opportunity, following) if following else [],
    }


@router.post("/opportunities/{opportunity_id}/checklist/{requirement_id}", response=ChecklistOut)
def opportunity_check(
    request: AuthedRequest, opportunity_id: int, requirement_id: int, payload: OpportunityCheckIn
) -> dict[str, Any]:
    """Confirm (done=true) or withdraw (done=false) a "check" item of the deal's pipeline."""
    opportunity = _opportunity(request, opportunity_id)
    requirement = get_object_or_404(StageRequirement.objects.select_related("stage"), pk=requirement_id)
    services.opportunity_check(actor=request.user, opportunity=opportunity, requirement=requirement, done=payload.done)
    return opportunity_checklist(request, opportunity_id)


@router.post("/opportunities/{opportunity_id}/advance", response=OpportunityOut)
def opportunity_advance(
    request: AuthedRequest, opportunity_id: int, payload: AdvanceIn, response: HttpResponse
) -> Opportunity:
    """Move to `stage_id` (default: the next stage); If-Match required. A gate refuses with the
    missing items (422); a manager passes it with `override_reason`."""
    opportunity = _opportunity(request, opportunity_id)
    expected = if_match_version(request, opportunity)
    opportunity = services.opportunity_advance(
        actor=request.user,
        opportunity=opportunity,
        expected_version=expected,
        to_stage=_stage(opportunity.pipeline, payload.stage_id),
        override_reason=payload.override_reason,
    )
    return _answer(response, opportunity)


@router.post("/opportunities/{opportunity_id}/win", response=OpportunityOut)
def opportunity_win(request: AuthedRequest, opportunity_id: int, payload: WinIn, response: HttpResponse) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    opportunity = services.opportunity_win(
        actor=request.user,
        opportunity=opportunity,
        expected_version=if_match_version(request, opportunity),
        **payload.model_dump(),
    )
    return _answer(response, opportunity)


@router.post("/opportunities/{opportunity_id}/lose", response=OpportunityOut)
def opportunity_lose(
    request: AuthedRequest, opportunity_id: int, payload: LoseIn, response: HttpResponse
) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    opportunity = services.opportunity_lose(
        actor=request.user,
        opportunity=opportunity,
        expected_version=if_match_version(request, opportunity),
        **payload.model_dump(),
    )
    return _answer(response, opportunity)


@router.post("/opportunities/{opportunity_id}/reopen", response=OpportunityOut)
def opportunity_reopen(request: AuthedRequest, opportunity_id: int, response: HttpResponse) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    opportunity = services.opportunity_reopen(
        actor=request.user, opportunity=opportunity, expected_version=if_match_version(request, opportunity)
    )
    return _answer(response, opportunity)


@router.get("/opportunities/{opportunity_id}/timeline", response=list[TimelineEventOut])
def opportunity_timeline(request: AuthedRequest, opportunity_id: int) -> Any:
    return timeline_for(_opportunity(request, opportunity_id))


@router.post("/opportunities/{opportunity_id}/notes", response={201: TimelineEventOut})
def opportunity_note_add(request: AuthedRequest, opportunity_id: int, payload: NoteIn) -> Status[Any]:
    opportunity = _opportunity(request, opportunity_id)
    return Status(201, services.opportunity_note_add(actor=request.user, opportunity=opportunity, text=payload.text))


@router.get("/opportunities/{opportunity_id}/activities", response=list[ActivityOut])
def opportunity_activities(request: AuthedRequest, opportunity_id: int) -> Any:
    return activities_for(_opportunity(request, opportunity_id))


@router.post("/opportunities/{opportunity_id}/activities", response={201: ActivityOut})
def opportunity_activity_log(request: AuthedRequest, opportunity_id: int, payload: ActivityIn) -> Status[Any]:
    opportunity = _opportunity(request, opportunity_id)
    activity = services.opportunity_activity_log(actor=request.user, opportunity=opportunity, **payload.model_dump())
    return Status(201, activity)


@router.post("/opportunities/{opportunity_id}/activities/{activity_id}/complete", response=ActivityOut)
def opportunity_activity_complete(
    request: AuthedRequest, opportunity_id: int, activity_id: int, payload: CompleteIn
) -> Activity:
    opportunity = _opportunity(request, opportunity_id)
    activity = get_object_or_404(activities_for(opportunity), pk=activity_id)
    return services.opportunity_activity_complete(
        actor=request.user, opportunity=opportunity, activity=activity, outcome=payload.outcome
    )


# --- decision reviews ------------------------------------------------------------------------


class CriterionOut(Schema):
    code: str
    label: str
    score: int


class OpportunityAssessmentOut(Schema):
    role: str
    assessor: UserRef
    criteria: list[CriterionOut]
    average: Decimal
    comments: str
    submitted_at: datetime

    @staticmethod
    def resolve_criteria(obj: ReviewAssessment) -> list[dict[str, Any]]:
        return [
            {"code": code, "label": str(label), "score": int(obj.scores.get(code, 0))}
            for code, label in CRITERIA[obj.role]
        ]


class OpportunityReviewOut(Schema):
    id: int
    opportunity_id: int
    opportunity_name: str
    review_type: Annotated[str, OneOf(ReviewType)]
    status: Annotated[str, OneOf(ReviewStatus)]
    amount: Money
    currency: Annotated[str, OneOf(Currency)]
    opened_by: UserRef
    opened_at: datetime
    decider: UserRef | None
    passed_over: list[str]
    escalation: str
    decision: Annotated[str, OneOf(Decision, blank=True)]
    decision_note: str
    conditions: str
    decided_by: UserRef | None
    decided_at: datetime | None
    assessments: list[OpportunityAssessmentOut]

    @staticmethod
    def resolve_opportunity_name(obj: DecisionReview) -> str:
        return obj.opportunity.name

    @staticmethod
    def resolve_escalation(obj: DecisionReview) -> str:
        return obj.escalation_text()

    @staticmethod
    def resolve_assessments(obj: DecisionReview) -> list[ReviewAssessment]:
        return list(obj.assessments.all())


class ReviewQuery(Schema):
    opportunity: int | None = None
    status: Annotated[str, OneOf(ReviewStatus, blank=True)] = ""
    to_decide: bool = False
    limit: int = 50
    offset: int = 0


class ReviewIn(Schema):
    opportunity_id: int
    review_type: Annotated[str, OneOf(ReviewType)]


class OpportunityAssessIn(Schema):
    role: Annotated[str, OneOf(AssessorRole)]
    scores: dict[str, int]
    comments: str = ""


class OpportunityDecideIn(Schema):
    decision: Annotated[str, OneOf(Decision)]
    note: str = ""
    conditions: str = ""


@router.get("/decision-reviews", response=Page[OpportunityReviewOut])
def review_list(request: AuthedRequest, query: Query[ReviewQuery]) -> dict[str, Any]:
    qs = selectors.review_list(
        user=request.user, opportunity=query.opportunity, status=query.status, to_decide=query.to_decide
    ).prefetch_related("assessments__assessor")
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/decision-reviews", response={201: OpportunityReviewOut})
def review_open(request: AuthedRequest, payload: ReviewIn, response: HttpResponse) -> Status[Any]:
    try:
        opportunity = selectors.opportunity_get(user=request.user, pk=payload.opportunity_id)
    except Http404 as exc:
        raise ValidationError({"opportunity_id": [_("No such opportunity.")]}) from exc
    review = services.review_open(actor=request.user, opportunity=opportunity, review_type=payload.review_type)
    response["Location"] = f"/api/v1/decision-reviews/{review.pk}"
    return Status(201, review)


@router.get("/decision-reviews/{review_id}", response=OpportunityReviewOut)
def review_get(request: AuthedRequest, review_id: int) -> DecisionReview:
    return selectors.review_get(user=request.user, pk=review_id)


@router.post("/decision-reviews/{review_id}/assess", response=OpportunityReviewOut)
def review_assess(request: AuthedRequest, review_id: int, payload: OpportunityAssessIn) -> DecisionReview:
    """The deal's AR, SR or FR scores each criterion of their role from 1 to 5."""
    review = selectors.review_get(user=request.user, pk=review_id)
    services.review_assess(actor=request.user, review=review, **payload.model_dump())
    return selectors.review_get(user=request.user, pk=review_id)


@router.post("/decision-reviews/{review_id}/decide", response=OpportunityReviewOut)
def review_decide(request: AuthedRequest, review_id: int, payload: OpportunityDecideIn) -> DecisionReview:
    """Go / go_conditions / no_go / hold, by a user whose authority covers the amount."""
    review = selectors.review_get(user=request.user, pk=review_id)
    services.review_decide(actor=request.user, review=review, **payload.model_dump())
    return selectors.review_get(user=request.user, pk=review_id)


# --- decision chain --------------------------------------------------------------------------


class StakeholderOut(Schema):
    id: int
    contact: ContactRef
    title: str
    role: str
    attitude: str
    influence: str
    relationship: int
    last_contact_on: date | None
    notes: str

    @staticmethod
    def resolve_title(obj: Stakeholder) -> str:
        return obj.contact.title


class WarningOut(Schema):
    code: str
    message: str


class ChainOut(Schema):
    stakeholders: list[StakeholderOut]
    warnings: list[WarningOut]


class StakeholderIn(Schema):
    contact_id: int
    role: Annotated[str, OneOf(DecisionRole)]
    attitude: Annotated[str, OneOf(Attitude)] = "neutral"
    influence: Annotated[str, OneOf(Level)] = "medium"
    relationship: int = 3
    last_contact_on: date | None = None
    notes: str = ""


def _chain(opportunity: Opportunity) -> dict[str, Any]:
    stakeholders = list(opportunity.stakeholders.select_related("contact"))
    return {"stakeholders": stakeholders, "warnings": services.chain_warnings(stakeholders)}


@router.get("/opportunities/{opportunity_id}/decision-chain", response=ChainOut)
def decision_chain(request: AuthedRequest, opportunity_id: int) -> dict[str, Any]:
    """The customer's people on the deal, and warnings (no decision maker, stale contact, ...)."""
    return _chain(_opportunity(request, opportunity_id))


@router.post("/opportunities/{opportunity_id}/decision-chain", response=ChainOut)
def decision_chain_set(request: AuthedRequest, opportunity_id: int, payload: StakeholderIn) -> dict[str, Any]:
    """Add a contact to the chain, or update how they stand (one entry per contact)."""
    opportunity = _opportunity(request, opportunity_id)
    data = payload.model_dump()
    contact = Contact.objects.filter(pk=data.pop("contact_id"), account_id=opportunity.account_id).first()
    if contact is None:
        raise ValidationError({"contact_id": [_("No such contact of the deal's account.")]})
    services.stakeholder_set(actor=request.user, opportunity=opportunity, contact=contact, data=data)
    return _chain(opportunity)


@router.delete("/opportunities/{opportunity_id}/decision-chain/{stakeholder_id}", response={204: None})
def decision_chain_remove(request: AuthedRequest, opportunity_id: int, stakeholder_id: int) -> Status[None]:
    opportunity = _opportunity(request, opportunity_id)
    stakeholder = get_object_or_404(opportunity.stakeholders.select_related("contact"), pk=stakeholder_id)
    services.stakeholder_remove(actor=request.user, stakeholder=stakeholder)
    return Status(204, None)


# --- funnel and forecast ---------------------------------------------------------------------


class FunnelStageOut(Schema):
    stage_id: int
    stage_name: str
    count: int
    amounts: list[MoneyOut]
    reached: int
    conversion: Decimal | None


class FunnelOut(Schema):
    pipeline_id: int
    stages: list[FunnelStageOut]
    won: int
    lost: int
    win_rate: Decimal | None


class ForecastRowOut(Schema):
    key: str
    label: str
    pipeline: Money
    best_case: Money
    commit: Money
    closed: Money
    total: Money
    weighted: Money


class ForecastQuery(Schema):
    start: date | None = None
    months: int = 6
    group: str = "month"
    currency: Annotated[str, OneOf(Currency)] = "CNY"


@router.get("/pipelines/{pipeline_id}/funnel", response=FunnelOut)
def pipeline_funnel(request: AuthedRequest, pipeline_id: int) -> dict[str, Any]:
    """Open deals per stage now, deals that ever reached each stage, and stage-to-stage conversion."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    result = selectors.funnel(user=request.user, pipeline=pipeline)
    return {
        "pipeline_id": pipeline.pk,
        "stages": [
            {
                "stage_id": s.stage.pk,
                "stage_name": s.stage.name,
                "count": s.count,
                "amounts": [{"currency": k, "amount": v} for k, v in s.amounts.items()],
                "reached": s.reached,
                "conversion": s.conversion,
            }
            for s in result.stages
        ],
        "won": result.won,
        "lost": result.lost,
        "win_rate": result.win_rate,
    }


@router.get("/forecast", response=list[ForecastRowOut])
def forecast(request: AuthedRequest, query: Query[ForecastQuery]) -> list[dict[str, Any]]:
    """Amounts per forecast category and the weighted pipeline, by close month, owner or team."""
    errors: dict[str, list[str]] = {}
    if not 1 <= query.months <= 24:
        errors["months"] = [_("Between 1 and 24 months.")]
    if query.group not in selectors.FORECAST_GROUPS:
        errors["group"] = [_("Group by month, owner or team.")]
    if errors:
        raise ValidationError(errors)
    start = (query.start or timezone.localdate()).replace(day=1)
    rows = selectors.forecast(
        user=request.user, start=start, months=query.months, group=query.group, currency=query.currency
    )
    return [
        {
            "key": str(r.key),
            "label": r.label,
            **{c: r.by_category.get(c, Decimal("0.00")) for c in ("pipeline", "best_case", "commit", "closed")},
            "total": r.total,
            "weighted": r.weighted,
        }
        for r in rows
    ]


# --- bids ------------------------------------------------------------------------------------


class BidSectionOut(Schema):
    id: int
    kind: str
    owner: UserRef
    due_at: datetime
    done_at: datetime | None


class BidVersionOut(Schema):
    id: int
    number: int
    original_name: str
    size: int
    uploaded_by: UserRef
    uploaded_at: datetime


class BidDocumentOut(Schema):
    id: int
    title: str
    required: bool
    versions: list[BidVersionOut]

    @staticmethod
    def resolve_versions(obj: BidDocument) -> list[BidDocumentVersion]:
        return list(obj.versions.all())


class BidOut(Schema):
    id: int
    version: int
    opportunity_id: int
    tender_number: str
    issuer: str
    submission_deadline: datetime
    submission_method: Annotated[str, OneOf(SubmissionMethod)]
    status: Annotated[str, OneOf(BidStatus)]
    quote_reference: str
    submitted_at: datetime | None
    result_price: Money | None
    winning_competitor: str
    result_note: str
    sections: list[BidSectionOut]
    documents: list[BidDocumentOut]
    missing_to_submit: list[str]

    @staticmethod
    def resolve_sections(obj: Bid) -> list[BidSection]:
        return list(obj.sections.all())

    @staticmethod
    def resolve_documents(obj: Bid) -> list[BidDocument]:
        return list(obj.documents.all())

    @staticmethod
    def resolve_missing_to_submit(obj: Bid) -> list[str]:
        return services.missing_to_submit(obj) if obj.is_preparing else []


class BidIn(Schema):
    opportunity_id: int
    tender_number: str
    issuer: str
    submission_deadline: datetime
    submission_method: Annotated[str, OneOf(SubmissionMethod)] = "portal"
    quote_reference: str = ""


class BidPatch(Schema):
    tender_number: str | None = None
    issuer: str | None = None
    submission_deadline: datetime | None = None
    submission_method: Annotated[str, OneOf(SubmissionMethod)] | None = None
    quote_reference: str | None = None


class SectionIn(Schema):
    kind: Annotated[str, OneOf(BidSectionKind)]
    owner_id: int
    due_at: datetime


class DocumentIn(Schema):
    title: str
    required: bool = True


class ResultIn(Schema):
    result: Annotated[
        str,
        OneOf(
            BidStatus,
            only=(
                BidStatus.WON,
                BidStatus.LOST,
                BidStatus.CANCELLED,
            ),
        ),
    ]
    price: Decimal | None = None
    competitor: str = ""
    note: str = ""


def _bid(request: AuthedRequest, bid_id: int) -> Bid:
    return selectors.bid_get(user=request.user, pk=bid_id)


def _bid_answer(request: AuthedRequest, response: HttpResponse, bid_id: int) -> Bid:
    bid = _bid(request, bid_id)
    response["ETag"] = etag(bid.version)
    return bid


@router.get("/bids", response=Page[BidOut])
def bid_list(request: AuthedRequest, opportunity: int | None = None, limit: int = 50, offset: int = 0) -> Any:
    qs = selectors.bid_list(user=request.user, opportunity=opportunity).prefetch_related(
        "sections__owner", "documents__versions__uploaded_by"
    )
    return paginate(qs, limit=limit, offset=offset)


@router.post("/bids", response={201: BidOut})
def bid_create(request: AuthedRequest, payload: BidIn, response: HttpResponse) -> Status[Any]:
    data = payload.model_dump()
    try:
        opportunity = selectors.opportunity_get(user=request.user, pk=data.pop("opportunity_id"))
    except Http404 as exc:
        raise ValidationError({"opportunity_id": [_("No such opportunity.")]}) from exc
    bid = services.bid_create(actor=request.user, opportunity=opportunity, data=data)
    response["Location"] = f"/api/v1/bids/{bid.pk}"
    return Status(201, _bid_answer(request, response, bid.pk))


@router.get("/bids/{bid_id}", response=BidOut)
def bid_get(request: AuthedRequest, bid_id: int, response: HttpResponse) -> Bid:
    return _bid_answer(request, response, bid_id)


@router.patch("/bids/{bid_id}", response=BidOut)
def bid_update(request: AuthedRequest, bid_id: int, payload: BidPatch, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    expected = if_match_version(request, bid)
    services.bid_update(
        actor=request.user, bid=bid, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/sections", response=BidOut)
def bid_section_set(request: AuthedRequest, bid_id: int, payload: SectionIn, response: HttpResponse) -> Bid:
    """Give a section an owner and a due date (the owner gets a task with a reminder)."""
    bid = _bid(request, bid_id)
    owner = User.objects.filter(pk=payload.owner_id).first()
    services.bid_section_set(actor=request.user, bid=bid, kind=payload.kind, owner=owner, due_at=payload.due_at)
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/sections/{section_id}/done", response=BidOut)
def bid_section_done(request: AuthedRequest, bid_id: int, section_id: int, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    section = get_object_or_404(bid.sections.select_related("task", "bid__opportunity"), pk=section_id)
    services.bid_section_done(actor=request.user, section=section)
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/documents", response=BidOut)
def bid_document_add(request: AuthedRequest, bid_id: int, payload: DocumentIn, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    services.bid_document_add(actor=request.user, bid=bid, title=payload.title, required=payload.required)
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/documents/{document_id}/versions", response=BidOut)
def bid_document_upload(
    request: AuthedRequest, bid_id: int, document_id: int, response: HttpResponse, file: File[UploadedFile]
) -> Bid:
    """Upload a new version of a checklist document (multipart, field `file`)."""
    bid = _bid(request, bid_id)
    document = get_object_or_404(bid.documents.all(), pk=document_id)
    services.bid_document_upload(actor=request.user, document=document, upload=file)
    return _bid_answer(request, response, bid_id)


@router.get("/bids/{bid_id}/documents/{document_id}/versions/{version_id}/file")
def bid_document_file(request: AuthedRequest, bid_id: int, document_id: int, version_id: int) -> FileResponse:
    bid = _bid(request, bid_id)
    version = get_object_or_404(
        BidDocumentVersion.objects.filter(document__bid=bid, document_id=document_id), pk=version_id
    )
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.original_name)


@router.post("/bids/{bid_id}/submit", response=BidOut)
def bid_submit(request: AuthedRequest, bid_id: int, response: HttpResponse) -> Bid:
    """Record the submission (If-Match): refused after the deadline or with items missing."""
    bid = _bid(request, bid_id)
    services.bid_submit(actor=request.user, bid=bid, expected_version=if_match_version(request, bid))
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/result", response=BidOut)
def bid_result(request: AuthedRequest, bid_id: int, payload: ResultIn, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    services.bid_record_result(
        actor=request.user, bid=bid, expected_version=if_match_version(request, bid), **payload.model_dump()
    )
    return _bid_answer(request, response, bid_id)


# --- deal documents --------------------------------------------------------------------------


class DealDocumentOut(Schema):
    id: int
    title: str
    requirement_id: int | None
    original_name: str
    size: int
    uploaded_by: UserRef
    uploaded_at: datetime


@router.get("/opportunities/{opportunity_id}/documents", response=list[DealDocumentOut])
def opportunity_documents(request: AuthedRequest, opportunity_id: int) -> Any:
    return list(_opportunity(request, opportunity_id).documents.select_related("uploaded_by"))


@router.post("/opportunities/{opportunity_id}/documents", response={201: DealDocumentOut})
def opportunity_document_add(
    request: AuthedRequest,
    opportunity_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
    requirement_id: Form[int | None] = None,
) -> Status[Any]:
    """Attach a file (multipart `file`), optionally for the checklist item that asks for it."""
    opportunity = _opportunity(request, opportunity_id)
    requirement = None
    if requirement_id is not None:
        requirement = StageRequirement.objects.select_related("stage").filter(pk=requirement_id).first()
        if requirement is None:
            raise ValidationError({"requirement_id": [_("No such checklist item.")]})
    document = services.opportunity_document_add(
        actor=request.user, opportunity=opportunity, upload=file, title=title, requirement=requirement
    )
    return Status(201, document)


@router.get("/opportunities/{opportunity_id}/documents/{document_id}/file")
def opportunity_document_file(request: AuthedRequest, opportunity_id: int, document_id: int) -> FileResponse:
    document = get_object_or_404(_opportunity(request, opportunity_id).documents.all(), pk=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)
