"""/api/v1/milestones: delivery, customer acceptance and refusal of contract milestones."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import FileResponse
from ninja import File, Form, Schema
from ninja.files import UploadedFile

from ltc.contracts import selectors, services
from ltc.contracts.api.common import router
from ltc.contracts.api.schemas import ContractNoteIn, MilestoneIn, MilestoneOut
from ltc.contracts.files import stored_file
from ltc.contracts.models import Milestone
from ltc.core.api import Page, paginate
from ltc.org.types import AuthedRequest


class DeliverIn(Schema):
    delivered_on: date | None = None


def _milestone(request: AuthedRequest, milestone_id: int) -> Milestone:
    return selectors.milestone_get(user=request.user, pk=milestone_id)


@router.get("/milestones", response=Page[MilestoneOut])
def milestone_list(
    request: AuthedRequest, contract: int | None = None, late: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    return paginate(
        selectors.milestone_list(user=request.user, contract=contract, late=late), limit=limit, offset=offset
    )


@router.get("/milestones/{milestone_id}", response=MilestoneOut)
def milestone_get(request: AuthedRequest, milestone_id: int) -> Milestone:
    return _milestone(request, milestone_id)


@router.patch("/milestones/{milestone_id}", response=MilestoneOut)
def milestone_update(request: AuthedRequest, milestone_id: int, payload: MilestoneIn) -> Milestone:
    """Edit a milestone of a draft's plan (after signing, dates change through a change request)."""
    milestone = _milestone(request, milestone_id)
    current = {
        "name": milestone.name,
        "planned_date": milestone.planned_date,
        "deliverables": milestone.deliverables,
        "acceptance_criteria": milestone.acceptance_criteria,
    }
    data = {**current, **payload.model_dump(exclude_unset=True)}
    return services.milestone_save(actor=request.user, contract=milestone.contract, data=data, milestone=milestone)


@router.post("/milestones/{milestone_id}/deliver", response=MilestoneOut)
def milestone_deliver(request: AuthedRequest, milestone_id: int, payload: DeliverIn) -> Milestone:
    milestone = _milestone(request, milestone_id)
    return services.milestone_deliver(actor=request.user, milestone=milestone, delivered_on=payload.delivered_on)


@router.post("/milestones/{milestone_id}/accept", response=MilestoneOut)
def milestone_accept(
    request: AuthedRequest,
    milestone_id: int,
    accepted_on: Form[date | None] = None,
    accepted_by_name: Form[str] = "",
    note: Form[str] = "",
    acceptance_document: File[UploadedFile | None] = None,
) -> Milestone:
    """Record the customer's acceptance (multipart: the acceptance document, PDF or image)."""
    milestone = _milestone(request, milestone_id)
    return services.milestone_accept(
        actor=request.user,
        milestone=milestone,
        accepted_on=accepted_on,
        accepted_by_name=accepted_by_name,
        document=acceptance_document,
        note=note,
    )


@router.post("/milestones/{milestone_id}/refuse", response=MilestoneOut)
def milestone_refuse(request: AuthedRequest, milestone_id: int, payload: ContractNoteIn) -> Milestone:
    milestone = _milestone(request, milestone_id)
    return services.milestone_refuse(actor=request.user, milestone=milestone, note=payload.note)


@router.get("/milestones/{milestone_id}/acceptance-document")
def milestone_document(request: AuthedRequest, milestone_id: int) -> FileResponse:
    milestone = _milestone(request, milestone_id)
    return stored_file(milestone.acceptance_document)
