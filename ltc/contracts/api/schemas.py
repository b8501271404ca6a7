"""Contracts, versions, reviews, risks, milestones and version differences: the shapes the routes
share."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from ltc.contracts import amendments, selectors
from ltc.contracts.choices import CheckResult, ContractStatus, Level, MilestoneStatus, RiskKind, RiskStatus
from ltc.contracts.models import Contract, ContractLine, ContractRisk, ContractVersion, Milestone
from ltc.core.money import Currency
from ltc.core.panels import ApiLinks, answer_links
from ltc.core.schemas import Money, OneOf, UserRef


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
    decided_for: Annotated[
        UserRef | None,
        Field(
            description="Whose delegated authority (授权委托) the decider used; null when deciding in their own name."
        ),
    ]
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
    links: ApiLinks

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
            obj.reviews.select_related("version", "decider", "decided_by", "decided_for").prefetch_related(
                "checks__checked_by"
            )
        )

    @staticmethod
    def resolve_risks(obj: Contract) -> list[ContractRisk]:
        return list(obj.risks.select_related("owner"))

    @staticmethod
    def resolve_links(obj: Contract, context: dict[str, Any]) -> dict[str, str]:
        return answer_links(obj, context)


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
