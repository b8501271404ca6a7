"""/api/v1/assignment-rules and /api/v1/scoring-rules: routing and scoring configured through the
leads services (version checked, on each rule's timeline), and the "test this rule on a sample
lead" preview. Any signed-in user reads the rules; administrators change routing, administrators
and marketing change scoring."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.core.access import fetch_or_404
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf, UserRef
from ltc.customers.choices import CompanySize
from ltc.leads import selectors
from ltc.leads.choices import AssignStrategy, CheckItem, LeadSource, ScoreCriterion, ScoreKind
from ltc.leads.models import AssignmentRule, QualificationPolicy, ScoringRule
from ltc.leads.services import rules
from ltc.org.choices import Industry, Region
from ltc.org.models import Team, User
from ltc.org.types import AuthedRequest

router = Router(tags=["routing and scoring rules"])


class RoutingTeamRef(Schema):
    id: int
    name: str


class AssignmentRuleIn(Schema):
    name: str
    order: int = Field(100, ge=0, le=1_000_000)
    active: bool = True
    region: Annotated[str, OneOf(Region, blank=True)] = ""
    industry: Annotated[str, OneOf(Industry, blank=True)] = ""
    source: Annotated[str, OneOf(LeadSource, blank=True)] = ""
    company_size: Annotated[str, OneOf(CompanySize, blank=True)] = ""
    min_score: int | None = Field(None, ge=0, le=100)
    max_score: int | None = Field(None, ge=0, le=100)
    strategy: Annotated[str, OneOf(AssignStrategy)] = "user"
    assign_user_id: int | None = Field(None, description="The user who gets the leads (strategy `user`).")
    assign_team_id: int | None = Field(None, description="The team whose members share them (team strategies).")
    first_contact_hours: int = Field(24, ge=1, le=10_000)


class AssignmentRulePatch(Schema):
    name: str | None = None
    order: int | None = Field(None, ge=0, le=1_000_000)
    active: bool | None = None
    region: Annotated[str, OneOf(Region, blank=True)] | None = None
    industry: Annotated[str, OneOf(Industry, blank=True)] | None = None
    source: Annotated[str, OneOf(LeadSource, blank=True)] | None = None
    company_size: Annotated[str, OneOf(CompanySize, blank=True)] | None = None
    min_score: int | None = Field(None, ge=0, le=100)
    max_score: int | None = Field(None, ge=0, le=100)
    strategy: Annotated[str, OneOf(AssignStrategy)] | None = None
    assign_user_id: int | None = None
    assign_team_id: int | None = None
    first_contact_hours: int | None = Field(None, ge=1, le=10_000)


class AssignmentRuleOut(Schema):
    id: int
    version: int
    order: int
    name: str
    active: bool
    region: Annotated[str, OneOf(Region, blank=True)]
    industry: Annotated[str, OneOf(Industry, blank=True)]
    source: Annotated[str, OneOf(LeadSource, blank=True)]
    company_size: Annotated[str, OneOf(CompanySize, blank=True)]
    min_score: int | None
    max_score: int | None
    strategy: Annotated[str, OneOf(AssignStrategy)]
    assign_user: UserRef | None
    assign_team: RoutingTeamRef | None
    first_contact_hours: int
    updated_at: datetime


class RoutingRuleListQuery(Schema):
    limit: int = 50
    offset: int = 0


class RoutingRuleReorderIn(Schema):
    rule_ids: list[int] = Field(description="Every active rule's id once, in the order they are to be tried.")


class RoutingSampleIn(Schema):
    """A sample lead: an existing lead you may see (`lead_id`), or typed values."""

    lead_id: int | None = None
    region: Annotated[str, OneOf(Region, blank=True)] = ""
    industry: Annotated[str, OneOf(Industry, blank=True)] = ""
    source: Annotated[str, OneOf(LeadSource, blank=True)] = ""
    company_size: Annotated[str, OneOf(CompanySize, blank=True)] = ""
    score: int | None = Field(None, ge=0, le=100, description="Blank: scored by the active scoring rules.")


class RoutingPreviewIn(Schema):
    rule_id: int | None = Field(None, description="A saved rule to try with `rule`'s changes; blank: a new rule.")
    rule: AssignmentRulePatch
    sample: RoutingSampleIn


class RoutingScoreLineOut(Schema):
    rule: str
    kind: str
    points: int


class RoutingWinnerOut(Schema):
    id: int | None = Field(description="null: the rule under test, not saved yet.")
    name: str
    order: int


class RoutingCaughtLeadOut(Schema):
    id: int
    company_name: str
    score: int


class RoutingPreviewOut(Schema):
    matches: bool = Field(description="Whether the rule under test matches the sample.")
    mismatches: list[str] = Field(description="The rule's criteria the sample does not meet.")
    rule_wins: bool = Field(description="Whether it is the rule that would route the sample today.")
    winner: RoutingWinnerOut | None = Field(description="The rule that would route the sample (first in order).")
    assignee: UserRef | None
    first_contact_due_hours: int | None
    score: int
    score_details: list[RoutingScoreLineOut]
    would_catch: int = Field(description="Open, unassigned leads the rule as tried would catch.")
    would_catch_leads: list[RoutingCaughtLeadOut] = Field(description="The first 20 of them, newest first.")


class ScoringRuleIn(Schema):
    name: str
    order: int = Field(100, ge=0, le=1_000_000)
    active: bool = True
    kind: Annotated[str, OneOf(ScoreKind)] = "fit"
    criterion: Annotated[str, OneOf(ScoreCriterion)]
    value: str = ""
    points: int = Field(ge=-100, le=100)


class ScoringRulePatch(Schema):
    name: str | None = None
    order: int | None = Field(None, ge=0, le=1_000_000)
    active: bool | None = None
    kind: Annotated[str, OneOf(ScoreKind)] | None = None
    criterion: Annotated[str, OneOf(ScoreCriterion)] | None = None
    value: str | None = None
    points: int | None = Field(None, ge=-100, le=100)


class ScoringRuleOut(Schema):
    id: int
    version: int
    order: int
    name: str
    active: bool
    kind: Annotated[str, OneOf(ScoreKind)]
    criterion: Annotated[str, OneOf(ScoreCriterion)]
    value: str
    points: int
    updated_at: datetime


def _refs(data: dict[str, Any]) -> dict[str, Any]:
    """assign_user_id / assign_team_id as the records they name (users and teams are a directory
    every signed-in user reads)."""
    if "assign_user_id" in data:
        pk = data.pop("assign_user_id")
        data["assign_user"] = None if pk is None else User.objects.filter(pk=pk).first()
        if pk is not None and data["assign_user"] is None:
            raise ValidationError({"assign_user_id": [_("No such user.")]})
    if "assign_team_id" in data:
        pk = data.pop("assign_team_id")
        data["assign_team"] = None if pk is None else Team.objects.filter(pk=pk).first()
        if pk is not None and data["assign_team"] is None:
            raise ValidationError({"assign_team_id": [_("No such team.")]})
    return data


def _assignment_rule(rule_id: int) -> AssignmentRule:
    return fetch_or_404(rules.assignment_rule_list(), pk=rule_id)


def _scoring_rule(rule_id: int) -> ScoringRule:
    return fetch_or_404(rules.scoring_rule_list(), pk=rule_id)


def _tagged(response: HttpResponse, record: Any) -> Any:
    response["ETag"] = etag(record.version)
    return record


# --- routing ---------------------------------------------------------------------------------


@router.get("/assignment-rules", response=Page[AssignmentRuleOut])
def assignment_rule_list(request: AuthedRequest, query: Query[RoutingRuleListQuery]) -> dict[str, Any]:
    """The routing rules in the order they are tried (inactive ones last)."""
    return paginate(rules.assignment_rule_list(), limit=query.limit, offset=query.offset)


@router.post("/assignment-rules", response={201: AssignmentRuleOut})
def assignment_rule_create(request: AuthedRequest, payload: AssignmentRuleIn, response: HttpResponse) -> Any:
    """Add a routing rule (administrators); it routes leads from now on."""
    if not rules.can_manage_routing(request.user):
        raise PermissionDenied(_("Only administrators change the routing rules."))
    rule = rules.assignment_rule_create(actor=request.user, data=_refs(payload.model_dump()))
    response["Location"] = f"/api/v1/assignment-rules/{rule.pk}"
    return Status(201, _tagged(response, rule))


@router.post("/assignment-rules/preview", response=RoutingPreviewOut)
def assignment_rule_preview(request: AuthedRequest, payload: RoutingPreviewIn) -> dict[str, Any]:
    """Test a rule on a sample lead without saving anything: whether it matches, which rule would
    route the sample today and to whom, the sample's score under the scoring rules, and the open,
    unassigned leads the rule would catch. Administrators."""
    if not rules.can_manage_routing(request.user):
        raise PermissionDenied(_("Only administrators change the routing rules."))
    saved = None
    if payload.rule_id is not None:
        saved = rules.assignment_rule_list().filter(pk=payload.rule_id).first()
        if saved is None:
            raise ValidationError({"rule_id": [_("No such rule.")]})
    data = _refs(payload.rule.model_dump(exclude_unset=True))
    sample_in = payload.sample
    if sample_in.lead_id is not None:
        try:
            lead = selectors.lead_get(user=request.user, pk=sample_in.lead_id)
        except Http404 as exc:
            raise ValidationError({"sample.lead_id": [_("No such lead.")]}) from exc
        sample = rules.sample_from_lead(lead)
    else:
        sample = rules.sample_from_values(sample_in.model_dump(exclude={"lead_id"}))
    preview = rules.assignment_rule_preview(rule_data=data, sample=sample, rule=saved)
    count, caught = rules.assignment_rule_dry_run(rule_data=data, rule=saved)
    winner = preview.winner
    return {
        "matches": preview.matches,
        "mismatches": preview.mismatches,
        "rule_wins": preview.rule_wins,
        "winner": {"id": winner.pk, "name": winner.name, "order": winner.order} if winner else None,
        "assignee": preview.assignee,
        "first_contact_due_hours": preview.first_contact_due_hours,
        "score": preview.score,
        "score_details": preview.score_details,
        "would_catch": count,
        "would_catch_leads": list(caught),
    }


@router.post("/assignment-rules/reorder", response=list[AssignmentRuleOut])
def assignment_rules_reorder(request: AuthedRequest, payload: RoutingRuleReorderIn) -> Any:
    """Put the active rules in a new order (every active rule once)."""
    return rules.assignment_rules_reorder(actor=request.user, rule_ids=payload.rule_ids)


@router.get("/assignment-rules/{rule_id}", response=AssignmentRuleOut)
def assignment_rule_get(request: AuthedRequest, rule_id: int, response: HttpResponse) -> Any:
    return _tagged(response, _assignment_rule(rule_id))


@router.patch("/assignment-rules/{rule_id}", response=AssignmentRuleOut)
def assignment_rule_update(
    request: AuthedRequest, rule_id: int, payload: AssignmentRulePatch, response: HttpResponse
) -> Any:
    """Change a routing rule (If-Match: its ETag); the change is on the rule's timeline."""
    rule = _assignment_rule(rule_id)
    if not rules.can_manage_routing(request.user, rule):
        raise PermissionDenied(_("Only administrators change the routing rules."))
    expected = if_match_version(request, rule)
    data = _refs(payload.model_dump(exclude_unset=True))
    rule = rules.assignment_rule_update(actor=request.user, rule=rule, data=data, expected_version=expected)
    return _tagged(response, rule)


@router.post("/assignment-rules/{rule_id}/deactivate", response=AssignmentRuleOut)
def assignment_rule_deactivate(request: AuthedRequest, rule_id: int, response: HttpResponse) -> Any:
    """Stop using a rule (If-Match); it is kept with the leads it routed."""
    rule = _assignment_rule(rule_id)
    if not rules.can_manage_routing(request.user, rule):
        raise PermissionDenied(_("Only administrators change the routing rules."))
    expected = if_match_version(request, rule)
    rule = rules.assignment_rule_deactivate(actor=request.user, rule=rule, expected_version=expected)
    return _tagged(response, rule)


# --- scoring ---------------------------------------------------------------------------------


@router.get("/scoring-rules", response=Page[ScoringRuleOut])
def scoring_rule_list(request: AuthedRequest, query: Query[RoutingRuleListQuery]) -> dict[str, Any]:
    """The scoring rules (inactive ones last); a lead's score is the sum of the points of the
    rules it meets, clipped to 0–100."""
    return paginate(rules.scoring_rule_list(), limit=query.limit, offset=query.offset)


@router.post("/scoring-rules", response={201: ScoringRuleOut})
def scoring_rule_create(request: AuthedRequest, payload: ScoringRuleIn, response: HttpResponse) -> Any:
    """Add a scoring rule (administrators and marketing)."""
    if not rules.can_manage_scoring(request.user):
        raise PermissionDenied(_("Only administrators and marketing change the scoring rules."))
    rule = rules.scoring_rule_create(actor=request.user, data=payload.model_dump())
    response["Location"] = f"/api/v1/scoring-rules/{rule.pk}"
    return Status(201, _tagged(response, rule))


@router.get("/scoring-rules/{rule_id}", response=ScoringRuleOut)
def scoring_rule_get(request: AuthedRequest, rule_id: int, response: HttpResponse) -> Any:
    return _tagged(response, _scoring_rule(rule_id))


@router.patch("/scoring-rules/{rule_id}", response=ScoringRuleOut)
def scoring_rule_update(request: AuthedRequest, rule_id: int, payload: ScoringRulePatch, response: HttpResponse) -> Any:
    """Change a scoring rule (If-Match: its ETag)."""
    rule = _scoring_rule(rule_id)
    if not rules.can_manage_scoring(request.user):
        raise PermissionDenied(_("Only administrators and marketing change the scoring rules."))
    expected = if_match_version(request, rule)
    rule = rules.scoring_rule_update(
        actor=request.user, rule=rule, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _tagged(response, rule)


@router.post("/scoring-rules/{rule_id}/deactivate", response=ScoringRuleOut)
def scoring_rule_deactivate(request: AuthedRequest, rule_id: int, response: HttpResponse) -> Any:
    """Stop counting a scoring rule (If-Match)."""
    rule = _scoring_rule(rule_id)
    if not rules.can_manage_scoring(request.user):
        raise PermissionDenied(_("Only administrators and marketing change the scoring rules."))
    expected = if_match_version(request, rule)
    rule = rules.scoring_rule_deactivate(actor=request.user, rule=rule, expected_version=expected)
    return _tagged(response, rule)


# --- qualification policy --------------------------------------------------------------------


class QualificationItemOut(Schema):
    code: Annotated[str, OneOf(CheckItem)]
    label: str
    required: bool


class QualificationPolicyOut(Schema):
    version: int
    updated_at: datetime
    required_items: list[Annotated[str, OneOf(CheckItem)]]
    items: list[QualificationItemOut] = Field(description="Every checklist item, and whether qualifying needs it.")

    @staticmethod
    def resolve_items(obj: QualificationPolicy) -> list[dict[str, Any]]:
        required = set(obj.required_items)
        return [{"code": code, "label": str(label), "required": code in required} for code, label in CheckItem.choices]


class QualificationPolicyIn(Schema):
    required_items: list[str] = Field(description="The checklist items a lead needs before it may be qualified.")


@router.get("/config/qualification-policy", response=QualificationPolicyOut)
def qualification_policy_get(request: AuthedRequest, response: HttpResponse) -> Any:
    """Which checklist items a lead needs before it may be qualified (ETag: the policy's version)."""
    return _tagged(response, QualificationPolicy.current())


@router.put("/config/qualification-policy", response=QualificationPolicyOut)
def qualification_policy_put(request: AuthedRequest, payload: QualificationPolicyIn, response: HttpResponse) -> Any:
    """Set the items qualifying needs (administrators; If-Match: the policy's ETag). An item not
    on the checklist or listed twice answers 422 and changes nothing."""
    if not rules.can_manage_qualification(request.user):
        raise PermissionDenied(_("Only administrators change the qualification policy."))
    policy = QualificationPolicy.current()
    expected = if_match_version(request, policy)
    policy = rules.qualification_policy_update(actor=request.user, data=payload.model_dump(), expected_version=expected)
    return _tagged(response, policy)
