"""/api/v1/config/review-criteria: what each role of the iron triangle scores in a decision review,
per review type (administrators change them; everyone signed in reads them). Thin over
services/criteria.py."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Query, Schema, Status

from ltc.core.access import fetch_or_404
from ltc.core.api import etag, if_match_version
from ltc.core.schemas import OneOf
from ltc.opportunities.api.common import router
from ltc.opportunities.choices import AssessorRole, ReviewType
from ltc.opportunities.models import ReviewCriterion
from ltc.opportunities.services import criteria as services
from ltc.org.types import AuthedRequest


class ReviewCriterionOut(Schema):
    id: int
    review_type: Annotated[str, OneOf(ReviewType)]
    role: Annotated[str, OneOf(AssessorRole)]
    code: str
    label: str
    label_zh: str
    label_en: str
    help: str
    order: int
    active: bool
    version: int


class ReviewCriterionQuery(Schema):
    review_type: Annotated[str, OneOf(ReviewType, blank=True)] = ""
    role: Annotated[str, OneOf(AssessorRole, blank=True)] = ""
    include_inactive: bool = False


class ReviewCriterionIn(Schema):
    review_type: Annotated[str, OneOf(ReviewType)]
    role: Annotated[str, OneOf(AssessorRole)]
    code: str
    label_zh: str
    label_en: str
    help: str = ""
    order: int | None = None


class ReviewCriterionPatch(Schema):
    label_zh: str | None = None
    label_en: str | None = None
    help: str | None = None
    order: int | None = None
    active: bool | None = None


class ReviewCriterionRemovedOut(Schema):
    id: int
    outcome: Annotated[str, OneOf(services.CriterionRemoval)]


def _criterion(criterion_id: int) -> ReviewCriterion:
    return fetch_or_404(ReviewCriterion.objects.all(), pk=criterion_id)


def _with_etag(response: HttpResponse, criterion: ReviewCriterion) -> ReviewCriterion:
    response["ETag"] = etag(criterion.version)
    return criterion


@router.get("/config/review-criteria", response=list[ReviewCriterionOut])
def criterion_list(request: AuthedRequest, query: Query[ReviewCriterionQuery]) -> Any:
    """The criteria per review type and role, in order (`include_inactive`: also those removed
    but kept for the assessments that scored them). An assessment scores the active ones."""
    qs = ReviewCriterion.objects.order_by("review_type", "role", "order", "id")
    if query.review_type:
        qs = qs.filter(review_type=query.review_type)
    if query.role:
        qs = qs.filter(role=query.role)
    if not query.include_inactive:
        qs = qs.active()
    return list(qs)


@router.post("/config/review-criteria", response={201: ReviewCriterionOut})
def criterion_add(
    request: AuthedRequest, payload: ReviewCriterionIn, response: HttpResponse
) -> Status[ReviewCriterion]:
    """A new criterion of a review type and role (administrators); after its last one unless
    `order` is given. Open reviews score it from their next assessment on."""
    data = payload.model_dump()
    if data["order"] is None:
        data.pop("order")
    criterion = services.criterion_add(actor=request.user, data=data)
    return Status(201, _with_etag(response, criterion))


@router.get("/config/review-criteria/{criterion_id}", response=ReviewCriterionOut)
def criterion_get(request: AuthedRequest, criterion_id: int, response: HttpResponse) -> ReviewCriterion:
    """One criterion; its ETag is the version a PATCH or DELETE names in If-Match."""
    return _with_etag(response, _criterion(criterion_id))


@router.patch("/config/review-criteria/{criterion_id}", response=ReviewCriterionOut)
def criterion_update(
    request: AuthedRequest, criterion_id: int, payload: ReviewCriterionPatch, response: HttpResponse
) -> ReviewCriterion:
    """Change labels, help, order or `active` (If-Match); review type, role and code stay."""
    criterion = _criterion(criterion_id)
    expected = if_match_version(request, criterion)
    criterion = services.criterion_update(
        actor=request.user,
        criterion=criterion,
        data=payload.model_dump(exclude_unset=True),
        expected_version=expected,
    )
    return _with_etag(response, criterion)


@router.delete("/config/review-criteria/{criterion_id}", response=ReviewCriterionRemovedOut)
def criterion_remove(request: AuthedRequest, criterion_id: int) -> dict[str, Any]:
    """Stop scoring a criterion (If-Match): deleted, or deactivated when assessments scored it
    (they keep its label); `outcome` says which. The last active one of its review and role stays."""
    criterion = _criterion(criterion_id)
    outcome = services.criterion_remove(
        actor=request.user, criterion=criterion, expected_version=if_match_version(request, criterion)
    )
    return {"id": criterion_id, "outcome": outcome}
