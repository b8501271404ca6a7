"""Configuring lead routing and scoring (分发与评分规则) in the app: every change is validated,
version-checked and on the rule's timeline; a rule can be tried on a sample lead before it is saved.

Routing rules are the administrators' (they decide who gets work); scoring rules are also
marketing's, who run nurturing and scoring (DESIGN.md §1, "marketing automation").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.stewardship import ConfigArea, may_configure
from ltc.customers.choices import CompanySize
from ltc.leads.choices import AssignStrategy, CheckItem, LeadSource, ScoreCriterion
from ltc.leads.models import AssignmentRule, Lead, QualificationPolicy, ScoringRule
from ltc.leads.services import routing, scoring
from ltc.org.choices import Industry, Region, RoleCode
from ltc.org.models import User

ASSIGNMENT_FIELDS = (
    "order",
    "name",
    "active",
    "region",
    "industry",
    "source",
    "company_size",
    "min_score",
    "max_score",
    "strategy",
    "assign_user",
    "assign_team",
    "first_contact_hours",
)
SCORING_FIELDS = ("order", "name", "active", "kind", "criterion", "value", "points")
CRITERIA = ("region", "industry", "source", "company_size")
DRY_RUN_SHOWN = 20
# The criteria whose value is one of a list, and that list.
VALUE_CHOICES: dict[str, Any] = {
    ScoreCriterion.INDUSTRY_IS: Industry,
    ScoreCriterion.REGION_IS: Region,
    ScoreCriterion.SIZE_IS: CompanySize,
    ScoreCriterion.SOURCE_IS: LeadSource,
}
NO_VALUE = (ScoreCriterion.HAS_NEED, ScoreCriterion.HAS_EMAIL, ScoreCriterion.HAS_MOBILE)


def can_manage_routing(user: Any, rule: AssignmentRule | None = None) -> bool:
    """Administrators and the steward of routing (ltc.core.stewardship) change every rule; a
    rule's own steward that rule. Without a rule: the rules as a whole (a new one, the order)."""
    return may_configure(user, ConfigArea.ROUTING, None if rule is None else rule.pk)


def can_manage_qualification(user: Any) -> bool:
    return may_configure(user, ConfigArea.QUALIFICATION)


def can_manage_scoring(user: Any) -> bool:
    return has_any_role(user, (RoleCode.MARKETING,)) or may_configure(user, ConfigArea.SCORING)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})


# --- routing rules ---------------------------------------------------------------------------


def _check_assignment(rule: AssignmentRule) -> None:
    """The target fits the strategy, the score range is a range, the user may own leads."""
    rule.name = (rule.name or "").strip()
    errors: dict[str, list[str]] = {}
    if rule.strategy == AssignStrategy.USER:
        if rule.assign_user_id is None:
            errors["assign_user"] = [_("Choose the user who gets the leads.")]
        if rule.assign_team_id is not None:
            errors["assign_team"] = [_("A rule for one user names no team.")]
        user = rule.assign_user if rule.assign_user_id else None
        if user is not None and not (user.is_active and user.has_role(*routing.SELLING_ROLES)):
            errors["assign_user"] = [_("Leads go to an active account manager or sales manager.")]
    elif rule.strategy in (AssignStrategy.ROUND_ROBIN, AssignStrategy.LEAST_LOAD):
        if rule.assign_team_id is None:
            errors["assign_team"] = [_("Choose the team whose members share the leads.")]
        if rule.assign_user_id is not None:
            errors["assign_user"] = [_("A rule for a team names no single user.")]
    for name in ("min_score", "max_score"):
        value = getattr(rule, name)
        if value is not None and not 0 <= value <= 100:
            errors[name] = [_("A score is between 0 and 100.")]
    if rule.min_score is not None and rule.max_score is not None and rule.min_score > rule.max_score:
        errors["max_score"] = [_("The maximum score is below the minimum.")]
    if errors:
        raise ValidationError(errors)
    rule.full_clean(exclude=["last_assigned"])


def assignment_rule_create(*, actor: User, data: dict[str, Any]) -> AssignmentRule:
    """Add a routing rule (administrators). Refuses a target that does not fit the strategy, an
    inverted score range, or a user who may not own leads (422); changes nothing then."""
    _require(can_manage_routing(actor), _("Only administrators change the routing rules."))
    _unknown(data, ASSIGNMENT_FIELDS)
    rule = AssignmentRule(**data)
    _check_assignment(rule)
    with transaction.atomic():
        rule.save()
        timeline.record_created(actor=actor, subject=rule, text=rule.name)
    return rule


def assignment_rule_update(
    *, actor: User, rule: AssignmentRule, data: dict[str, Any], expected_version: int
) -> AssignmentRule:
    """Change a routing rule if `expected_version` is still current (else StaleVersionError);
    the timeline keeps each field's old and new value. Applies to leads routed from now on."""
    _require(can_manage_routing(actor, rule), _("Only administrators change the routing rules."))
    _unknown(data, ASSIGNMENT_FIELDS)
    if rule.version != expected_version:
        raise StaleVersionError(rule.version)
    before = timeline.snapshot(rule, data.keys())
    for name, value in data.items():
        setattr(rule, name, value)
    _check_assignment(rule)
    with transaction.atomic():
        save_if_current(rule, expected_version=expected_version, fields=list(data))
        timeline.record_changes(actor=actor, subject=rule, before=before)
    return rule


def assignment_rule_deactivate(*, actor: User, rule: AssignmentRule, expected_version: int) -> AssignmentRule:
    """Stop using a rule (kept, with the leads it routed). Deactivating twice changes nothing."""
    _require(can_manage_routing(actor, rule), _("Only administrators change the routing rules."))
    if rule.version != expected_version:
        raise StaleVersionError(rule.version)
    if not rule.active:
        return rule
    before = timeline.snapshot(rule, ["active"])
    rule.active = False
    with transaction.atomic():
        save_if_current(rule, expected_version=expected_version, fields=["active"])
        timeline.record_changes(actor=actor, subject=rule, before=before)
    return rule


def assignment_rules_reorder(*, actor: User, rule_ids: list[int]) -> list[AssignmentRule]:
    """Put the active rules in the given order (10, 20, 30 ...). `rule_ids` names every active
    rule once; anything else is refused and nothing moves. Each moved rule gets a new version
    and a timeline entry."""
    _require(can_manage_routing(actor), _("Only administrators change the routing rules."))
    with transaction.atomic():
        rules = {r.pk: r for r in AssignmentRule.objects.select_for_update().filter(active=True)}
        if len(rule_ids) != len(set(rule_ids)) or set(rule_ids) != set(rules):
            raise ValidationError({"rule_ids": [_("List every active rule exactly once.")]})
        now = timezone.now()
        for position, pk in enumerate(rule_ids, start=1):
            rule = rules[pk]
            if rule.order == position * 10:
                continue
            before = timeline.snapshot(rule, ["order"])
            rule.order = position * 10
            AssignmentRule.objects.filter(pk=pk).update(order=rule.order, version=F("version") + 1, updated_at=now)
            rule.version += 1
            timeline.record_changes(actor=actor, subject=rule, before=before)
    return [rules[pk] for pk in rule_ids]


def candidate_rule(data: dict[str, Any], *, rule: AssignmentRule | None = None) -> AssignmentRule:
    """The rule as it would be with `data` applied: a copy of `rule` (never the instance itself,
    never saved) or a new unsaved rule."""
    _unknown(data, ASSIGNMENT_FIELDS)
    if rule is None:
        candidate = AssignmentRule(**data)
    else:
        candidate = AssignmentRule(
            **{f.attname: getattr(rule, f.attname) for f in AssignmentRule._meta.concrete_fields}
        )
        candidate._state.adding = False  # the saved rule itself: its id is no clash
        for name, value in data.items():
            setattr(candidate, name, value)
    _check_assignment(candidate)
    return candidate


@dataclass
class Preview:
    """What routing would do with a sample lead today, the rule under test in its place."""

    score: int
    score_details: list[dict[str, Any]]
    matches: bool
    mismatches: list[str]  # the criteria of the rule the sample does not meet
    winner: AssignmentRule | None  # the first rule that matches and finds someone
    rule_wins: bool
    assignee: User | None
    first_contact_due_hours: int | None
    sample: dict[str, Any] = field(default_factory=dict)


SAMPLE_FIELDS = ("region", "industry", "source", "company_size")


def sample_from_lead(lead: Lead) -> SimpleNamespace:
    """A lead's routing and scoring inputs (the caller fetched it through the lead selector)."""
    row = SimpleNamespace(**{name: getattr(lead, name) for name in scoring.SCORE_INPUTS})
    row.done_activities = scoring.done_activity_counts([lead.pk]).get(lead.pk, 0)
    row.score = None
    return row


def sample_from_values(values: dict[str, Any]) -> SimpleNamespace:
    """A typed sample: region, industry, source, company size and, optionally, a score (else it
    is scored by the scoring rules)."""
    errors: dict[str, list[str]] = {}
    choices = {"region": Region, "industry": Industry, "source": LeadSource, "company_size": CompanySize}
    row = SimpleNamespace(
        id=None, budget_amount=None, budget_currency="CNY", need="", email="", mobile="", done_activities=0
    )
    for name in SAMPLE_FIELDS:
        value = values.get(name) or ""
        if value and value not in choices[name].values:
            errors[name] = [_("Choose one of the offered values.")]
        setattr(row, name, value)
    score = values.get("score")
    if score is not None and not (isinstance(score, int) and 0 <= score <= 100):
        errors["score"] = [_("A score is between 0 and 100.")]
    if errors:
        raise ValidationError(errors)
    row.score = score
    return row


def assignment_rule_preview(
    *, rule_data: dict[str, Any], sample: SimpleNamespace, rule: AssignmentRule | None = None
) -> Preview:
    """Try a rule (saved `rule` changed by `rule_data`, or a new one) on a sample lead: whether it
    matches, which rule would win among the active ones in order, and whom it would assign.
    Reads only: no round-robin position, load, score or version changes."""
    candidate = candidate_rule(rule_data, rule=rule)
    scoring_rules = scoring.active_rules()
    score, details = scoring.compute_score(sample, scoring_rules, done_activities=sample.done_activities)
    if sample.score is not None:  # a typed score stands for the lead's score
        score = sample.score
    probe = SimpleNamespace(**{**vars(sample), "score": score})
    mismatches = [
        name for name in CRITERIA if getattr(candidate, name) and getattr(probe, name) != getattr(candidate, name)
    ]
    if candidate.min_score is not None and score < candidate.min_score:
        mismatches.append("min_score")
    if candidate.max_score is not None and score > candidate.max_score:
        mismatches.append("max_score")
    others = [r for r in AssignmentRule.objects.filter(active=True) if rule is None or r.pk != rule.pk]
    ordered = others + ([candidate] if candidate.active else [])
    # A rule not yet saved comes after saved rules of the same order, as it would once saved.
    ordered.sort(key=lambda r: (r.order, r.pk is None, r.pk or 0))
    router = routing.Router.load(ordered)
    assignment = router.route(probe, now=timezone.now())
    assignee = User.objects.filter(pk=assignment.owner_id).first() if assignment else None
    return Preview(
        score=score,
        score_details=details,
        matches=not mismatches,
        mismatches=mismatches,
        winner=assignment.rule if assignment else None,
        rule_wins=assignment is not None and assignment.rule is candidate,
        assignee=assignee,
        first_contact_due_hours=assignment.rule.first_contact_hours if assignment else None,
        sample={name: getattr(probe, name) for name in SAMPLE_FIELDS},
    )


def _catches(rule: AssignmentRule) -> Q:
    condition = Q()
    for name in CRITERIA:
        if value := getattr(rule, name):
            condition &= Q(**{name: value})
    if rule.min_score is not None:
        condition &= Q(score__gte=rule.min_score)
    if rule.max_score is not None:
        condition &= Q(score__lte=rule.max_score)
    return condition


def assignment_rule_dry_run(
    *, rule_data: dict[str, Any], rule: AssignmentRule | None = None
) -> tuple[int, QuerySet[Lead]]:
    """How many open, unassigned leads the rule as changed would catch (by their stored score),
    and the first of them, newest first. Reads only."""
    candidate = candidate_rule(rule_data, rule=rule)
    leads = Lead.objects.open().unassigned().filter(merged_into__isnull=True).filter(_catches(candidate))
    return leads.count(), leads.order_by("-created_at", "-id")[:DRY_RUN_SHOWN]


# --- scoring rules ---------------------------------------------------------------------------


def _check_scoring(rule: ScoringRule) -> None:
    """The value fits the criterion: one of its list, a non-negative amount, a whole number of
    activities, or nothing for "given" criteria."""
    rule.name = (rule.name or "").strip()
    rule.value = (rule.value or "").strip()
    errors: dict[str, list[str]] = {}
    criterion = rule.criterion
    if criterion in VALUE_CHOICES:
        if rule.value not in VALUE_CHOICES[criterion].values:
            errors["value"] = [_("Choose one of the offered values.")]
    elif criterion == ScoreCriterion.BUDGET_AT_LEAST:
        try:
            amount = Decimal(rule.value)
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount < 0:
            errors["value"] = [_("Give an amount of 0 or more.")]
    elif criterion == ScoreCriterion.ACTIVITIES_AT_LEAST:
        if not (rule.value.isascii() and rule.value.isdigit()):
            errors["value"] = [_("Give a whole number of activities.")]
    elif criterion in NO_VALUE:
        rule.value = ""
    if errors:
        raise ValidationError(errors)
    rule.full_clean()


def scoring_rule_create(*, actor: User, data: dict[str, Any]) -> ScoringRule:
    """Add a scoring rule (administrators and marketing). New scores follow it from the next
    rescoring; existing scores are not rewritten by the change itself."""
    _require(can_manage_scoring(actor), _("Only administrators and marketing change the scoring rules."))
    _unknown(data, SCORING_FIELDS)
    rule = ScoringRule(**data)
    _check_scoring(rule)
    with transaction.atomic():
        rule.save()
        timeline.record_created(actor=actor, subject=rule, text=rule.name)
    return rule


def scoring_rule_update(*, actor: User, rule: ScoringRule, data: dict[str, Any], expected_version: int) -> ScoringRule:
    """Change a scoring rule if `expected_version` is still current; old → new on its timeline."""
    _require(can_manage_scoring(actor), _("Only administrators and marketing change the scoring rules."))
    _unknown(data, SCORING_FIELDS)
    if rule.version != expected_version:
        raise StaleVersionError(rule.version)
    before = timeline.snapshot(rule, data.keys())
    for name, value in data.items():
        setattr(rule, name, value)
    _check_scoring(rule)
    with transaction.atomic():
        save_if_current(rule, expected_version=expected_version, fields=list({*data, "value"}))
        timeline.record_changes(actor=actor, subject=rule, before=before)
    return rule


def scoring_rule_deactivate(*, actor: User, rule: ScoringRule, expected_version: int) -> ScoringRule:
    """Stop counting a rule (kept). Deactivating twice changes nothing."""
    _require(can_manage_scoring(actor), _("Only administrators and marketing change the scoring rules."))
    if rule.version != expected_version:
        raise StaleVersionError(rule.version)
    if not rule.active:
        return rule
    before = timeline.snapshot(rule, ["active"])
    rule.active = False
    with transaction.atomic():
        save_if_current(rule, expected_version=expected_version, fields=["active"])
        timeline.record_changes(actor=actor, subject=rule, before=before)
    return rule


# --- reading ---------------------------------------------------------------------------------


def assignment_rule_list() -> QuerySet[AssignmentRule]:
    """Every routing rule in the order they are tried (inactive ones last); any signed-in user
    may read them: they say how leads reach people."""
    return AssignmentRule.objects.select_related("assign_user", "assign_team").order_by("-active", "order", "id")


def scoring_rule_list() -> QuerySet[ScoringRule]:
    return ScoringRule.objects.order_by("-active", "order", "id")


# --- the qualification policy ----------------------------------------------------------------


def qualification_policy_update(
    *, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> QualificationPolicy:
    """Set which checklist items `qualify` requires (administrators), the change on the policy's
    timeline. Refuses an unknown field, an item that is not on the checklist or one listed twice
    (422), and a policy another writer changed since it was read (`expected_version`: the
    version read, a stale one is refused; without it, a compare-and-set on the value read);
    changes nothing then."""
    _require(can_manage_qualification(actor), _("Only administrators change the qualification policy."))
    _unknown(data, ("required_items",))
    items = data.get("required_items", [])
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ValidationError({"required_items": [_("Give a list of checklist items.")]})
    unknown = [item for item in items if item not in CheckItem.values]
    if unknown:
        raise ValidationError(
            {"required_items": [_("Not a checklist item: %(items)s.") % {"items": ", ".join(unknown)}]}
        )
    if len(set(items)) != len(items):
        raise ValidationError({"required_items": [_("A checklist item is listed twice.")]})
    required = [CheckItem(item).value for item in items]
    with transaction.atomic():
        policy = QualificationPolicy.objects.order_by("pk").first()
        if policy is None:
            policy = QualificationPolicy.objects.create(required_items=required)
            timeline.record_created(actor=actor, subject=policy)
            return policy
        if expected_version is not None and policy.version != expected_version:
            raise StaleVersionError(policy.version)
        if list(policy.required_items) == required:
            return policy
        before = timeline.snapshot(policy, ["required_items"])
        now = timezone.now()
        written = QualificationPolicy.objects.filter(
            pk=policy.pk, required_items=policy.required_items, updated_at=policy.updated_at, version=policy.version
        ).update(required_items=required, updated_at=now, version=F("version") + 1)
        if not written:
            if expected_version is not None:
                raise StaleVersionError(
                    QualificationPolicy.objects.filter(pk=policy.pk).values_list("version", flat=True).first() or 0
                )
            raise ValidationError(
                {"required_items": [_("The policy was changed by someone else. Reload and try again.")]}
            )
        policy.required_items, policy.updated_at, policy.version = required, now, policy.version + 1
        timeline.record_changes(actor=actor, subject=policy, before=before)
    return policy
