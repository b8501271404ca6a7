"""/api/v1 contracts, change requests, orders, deliveries, milestones and evaluations: thin over
contracts.services and .selectors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ltc.contracts import amendments, selectors, services
from ltc.contracts.choices import (
    ChangeOrigin,
    ChangeRole,
    ChangeStatus,
    CheckResult,
    ContractStatus,
    DeliveryKind,
    Level,
    MilestoneStatus,
    OrderStatus,
    RiskKind,
    RiskStatus,
    Verdict,
)
from ltc.contracts.files import stored_file
from ltc.contracts.models import (
    ChangeRequest,
    Contract,
    ContractLine,
    ContractRisk,
    ContractVersion,
    Delivery,
    Milestone,
    Order,
)
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf, TimelineEventOut, UserRef
from ltc.core.timeline import timeline_for
from ltc.org.types import AuthedRequest
from ltc.quotes import selectors as quote_selectors

router = Router(tags=["contracts"])


# --- schemas ---------------------------------------------------------------------------------


class ContractOut(Schema):
    id: int
    version: int
    number: str
    title: str
    status: Annotated[str, OneOf(ContractStatus)]
    opportunity_id: int
    account_id: int
    account_name: str
    quote_id: int
    quote_version_id: int
    currency: Annotated[str, OneOf(Currency)]
    total: Money
    owner: UserRef
    sr: UserRef | None
    fr: UserRef | None
    sponsor: UserRef | None
    signed_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_account_name(obj: Contract) -> str:
        return obj.account.name


class ContractLineOut(Schema):
    key: int
    parent_key: int | None
    product_id: int
    source_quote_line_id: int | None
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    net_amount: Money
    tax_rate: int
    tax_amount: Money
    total: Money
    cost_amount: Money

    @staticmethod
    def resolve_source_quote_line_id(obj: ContractLine) -> int | None:
        return obj.source_id


class ContractTermOut(Schema):
    position: int
    label: str
    percent: Decimal
    trigger: str
    days: int
    due_date: date | None
    milestone_id: int | None
    amount: Money


class ContractVersionOut(Schema):
    number: int
    kind: str
    change_request_id: int | None
    summary: str
    start_date: date | None
    end_date: date | None
    delivery_terms: str
    penalty_clause: str
    ip_clause: str
    warranty_months: int
    other_terms: str
    net_total: Money
    tax_total: Money
    grand_total: Money
    cost_total: Money
    margin_pct: Decimal | None
    milestone_plan: list[dict[str, str]]
    frozen_at: datetime | None
    created_at: datetime
    lines: list[ContractLineOut]
    terms: list[ContractTermOut]


class ContractVersionSummaryOut(Schema):
    number: int
    kind: str
    summary: str
    grand_total: Money
    frozen_at: datetime | None
    created_at: datetime


class MilestoneOut(Schema):
    id: int
    contract_id: int
    position: int
    name: str
    planned_date: date
    deliverables: str
    acceptance_criteria: str
    status: Annotated[str, OneOf(MilestoneStatus)]
    late: bool
    delivered_on: date | None
    accepted_on: date | None
    accepted_by_name: str
    has_acceptance_document: bool
    refusals: int
    delay_flagged_on: date | None

    @staticmethod
    def resolve_late(obj: Milestone) -> bool:
        return obj.is_late()

    @staticmethod
    def resolve_has_acceptance_document(obj: Milestone) -> bool:
        return bool(obj.acceptance_document)


class CheckOut(Schema):
    area: str
    item: str
    result: str
    comment: str
    checked_by: UserRef | None
    checked_at: datetime | None


class ContractReviewOut(Schema):
    id: int
    version: int
    serves_as_atc: bool
    decider: UserRef
    passed_over: list[str]
    decision: str
    decision_note: str
    decided_by: UserRef | None
    decided_at: datetime | None
    checks: list[CheckOut]

    @staticmethod
    def resolve_version(obj: Any) -> int:
        return int(obj.version.number)

    @staticmethod
    def resolve_checks(obj: Any) -> list[Any]:
        return list(obj.checks.all())


class RiskOut(Schema):
    id: int
    kind: str
    title: str
    owner: UserRef
    probability: str
    impact: str
    mitigation: str
    status: str
    created_at: datetime


class ContractDetailOut(ContractOut):
    quote_version: int
    current_version: int | None
    current: ContractVersionOut
    milestones: list[MilestoneOut]
    reviews: list[ContractReviewOut]
    risks: list[RiskOut]
    customer_signatory: str
    our_signatory: str
    termination_reason: str

    @staticmethod
    def resolve_quote_version(obj: Contract) -> int:
        return int(obj.quote_version.number)

    @staticmethod
    def resolve_current_version(obj: Contract) -> int | None:
        return obj.current.number if obj.current else None

    @staticmethod
    def resolve_current(obj: Contract) -> ContractVersion:
        return selectors.version_get(obj)

    @staticmethod
    def resolve_milestones(obj: Contract) -> list[Milestone]:
        return selectors.milestones_of(obj)

    @staticmethod
    def resolve_reviews(obj: Contract) -> list[Any]:
        return list(
            obj.reviews.select_related("version", "decider", "decided_by").prefetch_related("checks__checked_by")
        )

    @staticmethod
    def resolve_risks(obj: Contract) -> list[ContractRisk]:
        return list(obj.risks.select_related("owner"))


class ContractQuery(Schema):
    q: str = ""
    status: Annotated[str, OneOf(ContractStatus, blank=True)] = ""
    account: int | None = None
    opportunity: int | None = None
    mine: bool = False
    sort: str = "-created"
    limit: int = 50
    offset: int = 0


class ContractIn(Schema):
    quote_id: int


class ContractPatch(Schema):
    title: str | None = None
    sr_id: int | None = None
    fr_id: int | None = None
    sponsor_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    delivery_terms: str | None = None
    penalty_clause: str | None = None
    ip_clause: str | None = None
    warranty_months: int | None = None
    other_terms: str | None = None


class ContractCheckIn(Schema):
    item: str
    result: Annotated[
        str,
        OneOf(
            CheckResult,
            only=(
                CheckResult.OK,
                CheckResult.CONCERN,
            ),
        ),
    ]
    comment: str = ""


class ContractNoteIn(Schema):
    note: str = ""


class AcceptIn(Schema):
    scope_confirmed: bool = False
    deliverables_confirmed: bool = False
    meeting_on: date | None = None
    ar_present: bool = False
    sr_present: bool = False
    minutes: str = ""
    open_questions: str = ""


class CloseIn(Schema):
    satisfaction: int | None = None
    lessons: str = ""


class TerminateIn(Schema):
    reason: str = ""


class ProblemsOut(Schema):
    problems: list[str]


class MilestoneIn(Schema):
    name: str = ""
    planned_date: date | None = None
    deliverables: str = ""
    acceptance_criteria: str = ""
    term: int | None = None


class RiskIn(Schema):
    kind: Annotated[str, OneOf(RiskKind)] = "risk"
    title: str = ""
    owner_id: int | None = None
    probability: Annotated[str, OneOf(Level)] = "medium"
    impact: Annotated[str, OneOf(Level)] = "medium"
    mitigation: str = ""


class RiskPatch(Schema):
    kind: Annotated[str, OneOf(RiskKind)] | None = None
    title: str | None = None
    owner_id: int | None = None
    probability: Annotated[str, OneOf(Level)] | None = None
    impact: Annotated[str, OneOf(Level)] | None = None
    mitigation: str | None = None
    status: Annotated[str, OneOf(RiskStatus)] | None = None


class DiffChangeOut(Schema):
    label: str
    old: str
    new: str


class DiffLineOut(Schema):
    kind: str
    code: str
    name: str
    changes: list[DiffChangeOut]


class DiffOut(Schema):
    changed: bool
    header: list[DiffChangeOut]
    lines: list[DiffLineOut]
    plan: list[DiffLineOut]
    totals: list[DiffChangeOut]
    terms_before: list[str] | None
    terms_after: list[str] | None


def _diff_out(diff: dict[str, Any]) -> dict[str, Any]:
    def changes(items: list[tuple[str, str, str]]) -> list[dict[str, str]]:
        return [{"label": lb, "old": o, "new": n} for lb, o, n in items]

    def rows(items: list[amendments.LineChange]) -> list[dict[str, Any]]:
        return [{"kind": c.kind, "code": c.code, "name": c.name, "changes": changes(c.changes)} for c in items]

    terms = diff["terms"] or (None, None)
    return {
        "changed": diff["changed"],
        "header": changes(diff["header"]),
        "lines": rows(diff["lines"]),
        "plan": rows(diff["plan"]),
        "totals": changes(diff["totals"]),
        "terms_before": terms[0],
        "terms_after": terms[1],
    }


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
    proposal: dict[str, Any]
    status: Annotated[str, OneOf(ChangeStatus)]
    total_before: Money
    total_after: Money
    decider: UserRef
    passed_over: list[str]
    decision_note: str
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


class ChangeIn(Schema):
    contract_id: int
    origin: Annotated[str, OneOf(ChangeOrigin)]
    title: str
    reason: str
    proposal: dict[str, Any]


class ChangeAssessIn(Schema):
    role: Annotated[str, OneOf(ChangeRole)]
    verdict: Annotated[str, OneOf(Verdict)]
    comment: str = ""
    cost_impact: Decimal | None = None
    schedule_days: int | None = None


class ChangeDecideIn(Schema):
    approve: bool
    note: str = ""


class OrderLineOut(Schema):
    id: int
    line_key: int
    contract_line_id: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    delivered_quantity: Decimal
    status: str


class OrderOut(Schema):
    id: int
    version: int
    number: str
    contract_id: int
    milestone_id: int | None
    title: str
    status: Annotated[str, OneOf(OrderStatus)]
    planned_date: date | None
    erp_reference: str
    created_at: datetime
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        return list(obj.lines.all())


class OrderIn(Schema):
    contract_id: int
    milestone_id: int | None = None
    title: str = ""
    planned_date: date | None = None
    lines: dict[str, Decimal] | None = None


class OrderPatch(Schema):
    erp_reference: str


class DeliveryLineOut(Schema):
    order_line_id: int
    code: str
    quantity: Decimal

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.order_line.code)


class DeliveryOut(Schema):
    id: int
    number: str
    order_id: int
    kind: str
    delivered_on: date
    cost: Money | None
    note: str
    recorded_by: UserRef
    lines: list[DeliveryLineOut]

    @staticmethod
    def resolve_lines(obj: Delivery) -> list[Any]:
        return list(obj.lines.all())


class DeliveryIn(Schema):
    order_id: int
    kind: Annotated[str, OneOf(DeliveryKind)]
    delivered_on: date | None = None
    cost: Decimal | None = None
    note: str = ""
    lines: dict[str, Decimal]


class DeliverIn(Schema):
    delivered_on: date | None = None


class EvaluationOut(Schema):
    contract_id: int
    contract_number: str
    planned_margin_pct: Decimal | None
    actual_margin_pct: Decimal | None
    upfront_pct: Decimal
    signing_score: Decimal
    on_time_pct: Decimal
    average_delay_days: Decimal
    cost_variance_pct: Decimal | None
    acceptance_refusals: int
    satisfaction: int
    fulfilment_score: Decimal
    lessons: str
    evaluated_at: datetime

    @staticmethod
    def resolve_contract_number(obj: Any) -> str:
        return str(obj.contract.number)


# --- contracts -------------------------------------------------------------------------------


def _contract(request: AuthedRequest, contract_id: int) -> Contract:
    return selectors.contract_get(user=request.user, pk=contract_id)


def _fresh(request: AuthedRequest, contract: Contract, response: HttpResponse) -> Contract:
    fresh = _contract(request, contract.pk)
    response["ETag"] = etag(fresh.version)
    return fresh


@router.get("/contracts", response=Page[ContractOut])
def contract_list(request: AuthedRequest, query: Query[ContractQuery]) -> dict[str, Any]:
    filters = selectors.ContractFilters(**query.model_dump(exclude={"limit", "offset"}))
    # sr and sponsor by primary key: more joins make PostgreSQL plan this page slowly.
    qs = selectors.contract_list(user=request.user, filters=filters).prefetch_related("sr", "sponsor")
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/contracts", response={201: ContractDetailOut})
def contract_create(request: AuthedRequest, payload: ContractIn, response: HttpResponse) -> Status[Any]:
    """Make the contract from a quote whose current version the customer accepted."""
    try:
        quote = quote_selectors.quote_get(user=request.user, pk=payload.quote_id)
    except Http404 as exc:
        raise ValidationError({"quote_id": [_("No such quote.")]}) from exc
    contract = services.contract_create(actor=request.user, quote=quote)
    response["Location"] = f"/api/v1/contracts/{contract.pk}"
    return Status(201, _fresh(request, contract, response))


@router.get("/contracts/{contract_id}", response=ContractDetailOut)
def contract_get(request: AuthedRequest, contract_id: int, response: HttpResponse) -> Contract:
    contract = _contract(request, contract_id)
    response["ETag"] = etag(contract.version)
    return contract


@router.patch("/contracts/{contract_id}", response=ContractDetailOut)
def contract_update(
    request: AuthedRequest, contract_id: int, payload: ContractPatch, response: HttpResponse
) -> Contract:
    """Edit the draft (subject, iron triangle, dates, clauses); needs If-Match."""
    contract = _contract(request, contract_id)
    expected = if_match_version(request, contract)
    data = payload.model_dump(exclude_unset=True)
    for name in ("sr", "fr", "sponsor"):
        if f"{name}_id" in data:
            data[name] = data.pop(f"{name}_id") or None
    services.contract_update(actor=request.user, contract=contract, expected_version=expected, data=data)
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/versions", response=list[ContractVersionSummaryOut])
def contract_versions(request: AuthedRequest, contract_id: int) -> list[ContractVersion]:
    return selectors.versions_of(_contract(request, contract_id))


@router.get("/contracts/{contract_id}/versions/{number}", response=ContractVersionOut)
def contract_version(request: AuthedRequest, contract_id: int, number: int) -> ContractVersion:
    return selectors.version_get(_contract(request, contract_id), number)


@router.get("/contracts/{contract_id}/compare", response=DiffOut)
def contract_compare(request: AuthedRequest, contract_id: int, a: int, b: int) -> dict[str, Any]:
    """What changed from version a to version b: header, lines, payment terms, delivery plan."""
    contract = _contract(request, contract_id)
    old, new = selectors.version_get(contract, a), selectors.version_get(contract, b)
    return _diff_out(amendments.diff(amendments.snapshot_of(old), amendments.snapshot_of(new)))


@router.post("/contracts/{contract_id}/submit-review", response=ContractDetailOut)
def contract_submit_review(request: AuthedRequest, contract_id: int, response: HttpResponse) -> Contract:
    """Freeze the draft and open its review (checklist + decider by authority); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_submit_review(
        actor=request.user, contract=contract, expected_version=if_match_version(request, contract)
    )
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/review/checks", response=ContractDetailOut)
def contract_review_check(
    request: AuthedRequest, contract_id: int, payload: ContractCheckIn, response: HttpResponse
) -> Contract:
    """Check one item of the open review (finance, legal or delivery)."""
    contract = _contract(request, contract_id)
    services.review_check(actor=request.user, contract=contract, **payload.model_dump())
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/approve", response=ContractDetailOut)
def contract_approve(
    request: AuthedRequest, contract_id: int, payload: ContractNoteIn, response: HttpResponse
) -> Contract:
    """Approve the reviewed contract (every item checked), within the ATC authority."""
    contract = _contract(request, contract_id)
    services.review_decide(actor=request.user, contract=contract, decision="approve", note=payload.note)
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/reject", response=ContractDetailOut)
def contract_reject(
    request: AuthedRequest, contract_id: int, payload: ContractNoteIn, response: HttpResponse
) -> Contract:
    """Send the contract back with the reason: a new draft version follows."""
    contract = _contract(request, contract_id)
    services.review_decide(actor=request.user, contract=contract, decision="reject", note=payload.note)
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/sign", response=ContractDetailOut)
def contract_sign(
    request: AuthedRequest,
    contract_id: int,
    response: HttpResponse,
    signed_on: Form[date | None] = None,
    customer_signatory: Form[str] = "",
    our_signatory: Form[str] = "",
    signed_copy: File[UploadedFile | None] = None,
) -> Contract:
    """Record the signature (multipart: the signed copy as a PDF, PNG or JPEG ≤ 20 MB); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_sign(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        signed_on=signed_on,
        customer_signatory=customer_signatory,
        our_signatory=our_signatory,
        signed_copy=signed_copy,
    )
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/signed-copy")
def contract_signed_copy(request: AuthedRequest, contract_id: int) -> FileResponse:
    contract = _contract(request, contract_id)
    return stored_file(contract.signed_copy)


@router.post("/contracts/{contract_id}/accept", response=ContractDetailOut)
def contract_accept(request: AuthedRequest, contract_id: int, payload: AcceptIn, response: HttpResponse) -> Contract:
    """The FR accepts the signed contract for delivery (hand-over); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_accept(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        data=payload.model_dump(),
    )
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/complete", response=ContractDetailOut)
def contract_complete(request: AuthedRequest, contract_id: int, response: HttpResponse) -> Contract:
    contract = _contract(request, contract_id)
    services.contract_complete(
        actor=request.user, contract=contract, expected_version=if_match_version(request, contract)
    )
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/close-check", response=ProblemsOut)
def contract_close_check(request: AuthedRequest, contract_id: int) -> dict[str, Any]:
    """What still stands in the way of closing (empty when it may close)."""
    return {"problems": services.close_problems(_contract(request, contract_id))}


@router.post("/contracts/{contract_id}/close", response=ContractDetailOut)
def contract_close(request: AuthedRequest, contract_id: int, payload: CloseIn, response: HttpResponse) -> Contract:
    """Close and evaluate (satisfaction 1–5, lessons learned); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_close(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        satisfaction=payload.satisfaction,
        lessons=payload.lessons,
    )
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/terminate", response=ContractDetailOut)
def contract_terminate(
    request: AuthedRequest, contract_id: int, payload: TerminateIn, response: HttpResponse
) -> Contract:
    contract = _contract(request, contract_id)
    services.contract_terminate(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        reason=payload.reason,
    )
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/timeline", response=list[TimelineEventOut])
def contract_timeline(request: AuthedRequest, contract_id: int) -> list[Any]:
    return timeline_for(_contract(request, contract_id))


@router.post("/contracts/{contract_id}/milestones", response={201: MilestoneOut})
def contract_milestone_add(request: AuthedRequest, contract_id: int, payload: MilestoneIn) -> Status[Any]:
    """Add a milestone to the draft's delivery plan (`term`: the payment term position it triggers)."""
    contract = _contract(request, contract_id)
    return Status(201, services.milestone_save(actor=request.user, contract=contract, data=payload.model_dump()))


@router.post("/contracts/{contract_id}/risks", response={201: RiskOut})
def contract_risk_add(request: AuthedRequest, contract_id: int, payload: RiskIn) -> Status[Any]:
    contract = _contract(request, contract_id)
    data = payload.model_dump()
    owner = data.pop("owner_id")
    if owner is not None:
        data["owner"] = owner
    return Status(201, services.risk_add(actor=request.user, contract=contract, data=data))


@router.patch("/risks/{risk_id}", response=RiskOut)
def risk_update(request: AuthedRequest, risk_id: int, payload: RiskPatch) -> ContractRisk:
    risk = ContractRisk.objects.select_related("contract").filter(pk=risk_id).first()
    if risk is None:
        raise Http404
    risk.contract = _contract(request, risk.contract_id)
    data = payload.model_dump(exclude_unset=True)
    if "owner_id" in data:
        data["owner"] = data.pop("owner_id")
    return services.risk_update(actor=request.user, risk=risk, data=data)


class EvaluationQuery(Schema):
    q: str = Field("", description="Part of the contract number or the account name.")
    account_id: int | None = None
    limit: int = 50
    offset: int = 0


@router.get("/evaluations", response=Page[EvaluationOut])
def evaluation_list(request: AuthedRequest, query: Query[EvaluationQuery]) -> dict[str, Any]:
    """Closing evaluations across the contracts the user sees, newest first."""
    evaluations = selectors.evaluation_list(user=request.user, q=query.q, account_id=query.account_id)
    return paginate(evaluations, limit=query.limit, offset=query.offset)


# --- change requests -------------------------------------------------------------------------


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
        proposal=payload.proposal,
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


# --- orders and deliveries -------------------------------------------------------------------


@router.get("/orders", response=Page[OrderOut])
def order_list(
    request: AuthedRequest, contract: int | None = None, status: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    qs = selectors.order_list(user=request.user, contract=contract, status=status).prefetch_related("lines")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/orders", response={201: OrderOut})
def order_create(request: AuthedRequest, payload: OrderIn, response: HttpResponse) -> Status[Any]:
    """Generate an order from a contract: `lines` maps contract line keys to quantities (one
    delivery batch); without `lines`, everything not yet ordered."""
    try:
        contract = _contract(request, payload.contract_id)
    except Http404 as exc:
        raise ValidationError({"contract_id": [_("No such contract.")]}) from exc
    milestone = None
    if payload.milestone_id is not None:
        milestone = contract.milestones.filter(pk=payload.milestone_id, removed=False).first()
        if milestone is None:
            raise ValidationError({"milestone_id": [_("Choose a milestone of this contract.")]})
    order = services.order_generate(
        actor=request.user,
        contract=contract,
        title=payload.title,
        quantities=payload.lines,
        milestone=milestone,
        planned_date=payload.planned_date,
    )
    response["ETag"] = etag(order.version)
    return Status(201, selectors.order_get(user=request.user, pk=order.pk))


@router.get("/orders/{order_id}", response=OrderOut)
def order_get(request: AuthedRequest, order_id: int, response: HttpResponse) -> Order:
    order = selectors.order_get(user=request.user, pk=order_id)
    response["ETag"] = etag(order.version)
    return order


@router.patch("/orders/{order_id}", response=OrderOut)
def order_update(request: AuthedRequest, order_id: int, payload: OrderPatch, response: HttpResponse) -> Order:
    """Record the ERP's reference for the order; needs If-Match."""
    order = selectors.order_get(user=request.user, pk=order_id)
    services.order_update(
        actor=request.user,
        order=order,
        expected_version=if_match_version(request, order),
        erp_reference=payload.erp_reference,
    )
    response["ETag"] = etag(order.version)
    return order


@router.get("/deliveries", response=Page[DeliveryOut])
def delivery_list(
    request: AuthedRequest, order: int | None = None, contract: int | None = None, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    qs = selectors.delivery_list(user=request.user, order=order, contract=contract)
    return paginate(qs, limit=limit, offset=offset)


@router.post("/deliveries", response={201: DeliveryOut})
def delivery_create(request: AuthedRequest, payload: DeliveryIn) -> Status[Any]:
    """Record goods shipped or services performed: `lines` maps order line ids to quantities."""
    try:
        order = selectors.order_get(user=request.user, pk=payload.order_id)
    except Http404 as exc:
        raise ValidationError({"order_id": [_("No such order.")]}) from exc
    delivery = services.delivery_record(
        actor=request.user,
        order=order,
        kind=payload.kind,
        delivered_on=payload.delivered_on,
        quantities=payload.lines,
        cost=payload.cost,
        note=payload.note,
    )
    return Status(201, selectors.delivery_list(user=request.user).get(pk=delivery.pk))


# --- milestones ------------------------------------------------------------------------------


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
