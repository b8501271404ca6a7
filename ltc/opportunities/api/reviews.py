"""/api/v1/decision-reviews: ATI, ATB and ATC reviews of a deal, assessments and decisions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from ltc.core.api import Page, paginate
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.opportunities import selectors, services
from ltc.opportunities.api.common import router
from ltc.opportunities.choices import AssessorRole, Decision, ReviewStatus, ReviewType
from ltc.opportunities.models import DecisionReview, ReviewAssessment, attach_criteria
from ltc.org.types import AuthedRequest


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
        return [{"code": code, "label": label, "score": score} for code, label, score in obj.scored()]


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
    decided_for: Annotated[
        UserRef | None,
        Field(
            description="Whose delegated authority (授权委托) the decider used; null when deciding in their own name."
        ),
    ]
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
        assessments = list(obj.assessments.all())
        if any("_criteria" not in a.__dict__ for a in assessments):
            attach_criteria(assessments)
        return assessments


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
    page = paginate(qs, limit=query.limit, offset=query.offset)
    attach_criteria([a for review in page["items"] for a in review.assessments.all()])  # one query a page
    return page


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
    """The deal's AR, SR or FR scores each criterion of their role from 1 to 5: the criteria
    active for the review's type and role when submitted (GET /config/review-criteria)."""
    review = selectors.review_get(user=request.user, pk=review_id)
    services.review_assess(actor=request.user, review=review, **payload.model_dump())
    return selectors.review_get(user=request.user, pk=review_id)


@router.post("/decision-reviews/{review_id}/decide", response=OpportunityReviewOut)
def review_decide(request: AuthedRequest, review_id: int, payload: OpportunityDecideIn) -> DecisionReview:
    """Go / go_conditions / no_go / hold, by a user whose authority covers the amount."""
    review = selectors.review_get(user=request.user, pk=review_id)
    services.review_decide(actor=request.user, review=review, **payload.model_dump())
    return selectors.review_get(user=request.user, pk=review_id)
