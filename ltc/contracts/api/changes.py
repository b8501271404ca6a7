"""/api/v1/change-requests: contract changes, their assessments and decisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from pydantic import ConfigDict

from ltc.contracts import amendments, selectors, services
from ltc.contracts.api.common import _contract, router
from ltc.contracts.api.schemas import DiffOut, _diff_out
from ltc.contracts.choices import ChangeOrigin, ChangeRole, ChangeStatus, Verdict
from ltc.contracts.models import ChangeRequest
from ltc.core.api import Page, paginate
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.org.types import AuthedRequest
from ltc.quotes.choices import TermTrigger


class ChangeAssessmentOut(Schema):
    role: str
    assessor: UserRef
    verdict: str
    comment: str
    cost_impact: Money | None
    schedule_days: int | None
    submitted_at: datetime


class ChangeRequestOut(Schema):
    id: int
    contract_id: int
    number: int
    origin: Annotated[str, OneOf(ChangeOrigin)]
    title: str
    reason: str
    proposal: Annotated[dict[str, Any], Field(description="The proposal as raised, in the shape of `Proposal`.")]
    status: Annotated[str, OneOf(ChangeStatus)]
    total_before: Money
    total_after: Money
    decider: UserRef
    passed_over: list[str]
    decision_note: str
    decided_by: UserRef | None
    decided_for: Annotated[
        UserRef | None,
        Field(
            description="Whose delegated authority (授权委托) the decider used; null when deciding in their own name."
        ),
    ]
    decided_at: datetime | None
    result_version: int | None
    assessments: list[ChangeAssessmentOut]
    created_at: datetime

    @staticmethod
    def resolve_result_version(obj: ChangeRequest) -> int | None:
        return obj.result_version.number if obj.result_version else None

    @staticmethod
    def resolve_assessments(obj: ChangeRequest) -> list[Any]:
        return list(obj.assessments.all())


class ChangeDetailOut(ChangeRequestOut):
    diff: DiffOut


# Amounts and quantities as the service reads them: a decimal as a string (or a JSON number).
DecimalText = Annotated[str | int | float, Field(description='A decimal number, e.g. "12.50".')]


class ProposalLine(Schema):
    """A line to change (`key` of a current line: new `quantity`, `unit_price`, `discount_pct`,
    or `remove`), or a new line (`product_id`, `quantity`, `unit_price`)."""

    model_config = ConfigDict(extra="forbid")
    key: int | None = None
    product_id: int | None = None
    quantity: DecimalText | None = None
    unit_price: DecimalText | None = None
    discount_pct: DecimalText | None = None
    remove: bool = False


class ProposalMilestone(Schema):
    """A milestone to move (`id`, `planned_date` and texts) or a new one (`name`, `planned_date`)."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = None
    name: str | None = None
    planned_date: date | None = None
    deliverables: str | None = None
    acceptance_criteria: str | None = None


class ProposalTerm(Schema):
    """A payment term of the new list: `percent` of the total due on `trigger` (its `milestone`
    position, `days` after, or the `due_date`)."""

    model_config = ConfigDict(extra="forbid")
    label: str
    percent: DecimalText
    trigger: Annotated[str, OneOf(TermTrigger)]
    days: int = 0
    milestone: int | None = None
    due_date: date | None = None


class Proposal(Schema):
    """What the change proposes; only the parts given change (`terms` replaces the whole list)."""

    model_config = ConfigDict(extra="forbid")
    lines: list[ProposalLine] = []
    milestones: list[ProposalMilestone] = []
    terms: list[ProposalTerm] | None = None
    end_date: date | None = None
    delivery_terms: str | None = None
    penalty_clause: str | None = None
    warranty_months: int | None = None
    other_terms: str | None = None


class ChangeIn(Schema):
    contract_id: int
    origin: Annotated[str, OneOf(ChangeOrigin)]
    title: str
    reason: str
    proposal: Proposal


class ChangeAssessIn(Schema):
    role: Annotated[str, OneOf(ChangeRole)]
    verdict: Annotated[str, OneOf(Verdict)]
    comment: str = ""
    cost_impact: Decimal | None = None
    schedule_days: int | None = None


class ChangeDecideIn(Schema):
    approve: bool
    note: str = ""


def _change(request: AuthedRequest, change_id: int) -> ChangeRequest:
    return selectors.change_get(user=request.user, pk=change_id)


def _change_detail(change: ChangeRequest) -> ChangeRequest:
    base = amendments.snapshot_of(change.base_version)
    if change.result_version is not None:
        after = amendments.snapshot_of(change.result_version)
    else:
        try:
            _base, after = services.change_preview(change.contract, change.proposal)
        except ValidationError:
            after = base  # no longer applicable (the contract moved on): nothing to show
    change.diff = _diff_out(amendments.diff(base, after))  # type: ignore[attr-defined]
    return change


@router.get("/change-requests", response=Page[ChangeRequestOut])
def change_list(
    request: AuthedRequest, contract: int | None = None, status: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    qs = selectors.change_list(user=request.user, contract=contract, status=status).select_related("result_version")
    return paginate(qs.prefetch_related("assessments__assessor"), limit=limit, offset=offset)


@router.post("/change-requests", response={201: ChangeDetailOut})
def change_create(request: AuthedRequest, payload: ChangeIn) -> Status[Any]:
    """Raise a change: `proposal` holds `lines` ({key, quantity, unit_price, discount_pct, remove} or a
    new {product_id, quantity, unit_price}), `milestones` ({id, planned_date, ...} or a new {name,
    planned_date}), `terms` (the full new list), `end_date`, `delivery_terms`, ..."""
    try:
        contract = _contract(request, payload.contract_id)
    except Http404 as exc:
        raise ValidationError({"contract_id": [_("No such contract.")]}) from exc
    change = services.change_create(
        actor=request.user,
        contract=contract,
        origin=payload.origin,
        title=payload.title,
        reason=payload.reason,
        proposal=payload.proposal.model_dump(mode="json", exclude_unset=True),
    )
    return Status(201, _change_detail(_change(request, change.pk)))


@router.get("/change-requests/{change_id}", response=ChangeDetailOut)
def change_get(request: AuthedRequest, change_id: int) -> ChangeRequest:
    return _change_detail(_change(request, change_id))


@router.post("/change-requests/{change_id}/assess", response=ChangeDetailOut)
def change_assess(request: AuthedRequest, change_id: int, payload: ChangeAssessIn) -> ChangeRequest:
    change = _change(request, change_id)
    services.change_assess(actor=request.user, change=change, **payload.model_dump())
    return _change_detail(_change(request, change_id))


@router.post("/change-requests/{change_id}/decide", response=ChangeDetailOut)
def change_decide(request: AuthedRequest, change_id: int, payload: ChangeDecideIn) -> ChangeRequest:
    """Approve (a new contract version) or reject (with the reason), within authority."""
    change = _change(request, change_id)
    services.change_decide(actor=request.user, change=change, approve=payload.approve, note=payload.note)
    return _change_detail(_change(request, change_id))
