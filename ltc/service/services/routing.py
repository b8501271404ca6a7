"""Case routing (工单分发): ordered rules matching category, priority, channel, product and the
account's region assign a case to a user, or to a team's service members by round-robin or lowest
open load — the lead routing strategies (ltc.core.routing). A case no rule matches stays
unassigned in the queue. Rules are configured by administrators and service team managers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from ltc.core import routing as core_routing
from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.core.routing import TeamPicker
from ltc.leads.choices import AssignStrategy
from ltc.org.choices import Region, RoleCode
from ltc.org.models import Team, User
from ltc.service.access import can_configure_service
from ltc.service.models import OPEN_CASE_STATUSES, Case, CaseRoutingRule

# The lead routing's strategies, same codes and labels.
STRATEGY_CHOICES = AssignStrategy.choices
RULE_FIELDS = (
    "order",
    "name",
    "active",
    "category",
    "priority",
    "channel",
    "region",
    "product",
    "strategy",
    "assign_user",
    "assign_team",
)
SERVICE_ROLES = (RoleCode.SERVICE,)


def rule_matches(rule: CaseRoutingRule, case: Case, *, product_id: int | None, region: str) -> bool:
    """Every criterion the rule sets equals the case's (an empty criterion matches anything)."""
    for name in ("category", "priority", "channel"):
        wanted = getattr(rule, name)
        if wanted and getattr(case, name) != wanted:
            return False
    if rule.region and region != rule.region:
        return False
    return not (rule.product_id and product_id != rule.product_id)


def service_members(team_ids: set[int]) -> list[tuple[int, int]]:
    """(user id, team id) of the active users with the service role in those teams."""
    return list(
        User.objects.filter(team_id__in=team_ids, is_active=True, roles__code__in=SERVICE_ROLES)
        .distinct()
        .order_by("id")
        .values_list("id", "team_id")
    )


@dataclass
class CaseRouter:
    """Routes cases like the lead Router, reading only what the matched rule needs: its team's
    members, their open loads (least load), its round-robin position (row locked)."""

    rules: list[CaseRoutingRule] = field(default_factory=list)
    picker: TeamPicker = field(default_factory=TeamPicker)

    @classmethod
    def load(cls) -> CaseRouter:
        """The active rules; members and open loads are read when a rule needs them (`route`)."""
        return cls(list(CaseRoutingRule.objects.filter(active=True).order_by("order", "id")))

    def _prepare(self, rule: CaseRoutingRule) -> None:
        """Load the members of the rule's team (once per team), and their open loads for a
        least-load rule, with the round-robin position from the locked rule row."""
        team_id = rule.assign_team_id
        if rule.strategy == core_routing.USER or team_id is None:
            return
        if team_id not in self.picker.members:
            ids = [uid for uid, _team in service_members({team_id})]
            self.picker.members[team_id] = ids
        if rule.strategy == core_routing.LEAST_LOAD:
            missing = [uid for uid in self.picker.members[team_id] if uid not in self.picker.loads]
            if missing:
                counted = dict(
                    Case.objects.filter(owner_id__in=missing, status__in=OPEN_CASE_STATUSES)
                    .values_list("owner_id")
                    .annotate(n=Count("id"))
                    .values_list("owner_id", "n")
                )
                self.picker.loads.update({uid: counted.get(uid, 0) for uid in missing})
        elif rule.pk not in self.picker.positions:
            # Two cases opened at once must not both take the member after the same position.
            rule.last_assigned_id = (
                CaseRoutingRule.objects.select_for_update()
                .filter(pk=rule.pk)
                .values_list("last_assigned_id", flat=True)
                .first()
            )
            self.picker.positions[rule.pk] = rule.last_assigned_id

    def route(self, case: Case) -> tuple[CaseRoutingRule, int] | None:
        """The first matching rule that yields an owner, and that owner (None: unassigned). Call
        inside a transaction: a round-robin rule's row stays locked until it commits."""
        product_id = case.asset.product_id if case.asset_id and case.asset else None
        region = case.account.region if case.account_id else ""
        for rule in self.rules:
            if not rule_matches(rule, case, product_id=product_id, region=region):
                continue
            self._prepare(rule)
            owner_id = self.picker.pick(
                rule_id=rule.pk, strategy=rule.strategy, user_id=rule.assign_user_id, team_id=rule.assign_team_id
            )
            if owner_id is None:
                continue
            self.picker.taken(owner_id)
            if rule.strategy == core_routing.ROUND_ROBIN and owner_id != rule.last_assigned_id:
                CaseRoutingRule.objects.filter(pk=rule.pk).update(last_assigned_id=owner_id)
                rule.last_assigned_id = owner_id
            return rule, owner_id
        return None


# --- configuring rules -----------------------------------------------------------------------


def _require_configurer(actor: Any) -> None:
    if not can_configure_service(actor):
        raise PermissionDenied(_("Only administrators and service team managers configure case routing."))


def _validate(rule: CaseRoutingRule) -> None:
    errors: dict[str, list[str]] = {}
    try:
        rule.full_clean(exclude=["last_assigned"])
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if rule.strategy not in core_routing.STRATEGIES:
        errors["strategy"] = [_("Choose a valid strategy.")]
    elif rule.strategy == core_routing.USER:
        user = rule.assign_user
        if user is None:
            errors["assign_user"] = [_("Choose the user who takes the cases.")]
        elif not (user.is_active and user.has_role(*SERVICE_ROLES)):
            errors["assign_user"] = [_("Cases go to active users with the service role.")]
    elif rule.assign_team_id is None:
        errors["assign_team"] = [_("Choose the team whose members take the cases.")]
    if rule.region and rule.region not in Region.values:
        errors["region"] = [_("Choose a valid region.")]
    if errors:
        raise ValidationError(errors)


def _unknown(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def routing_rule_create(*, actor: Any, data: dict[str, Any]) -> CaseRoutingRule:
    """A new rule (403 for others than configurers; 422 for a rule that names nobody to assign)."""
    _require_configurer(actor)
    _unknown(data)
    rule = CaseRoutingRule(**data)
    _validate(rule)
    with transaction.atomic():
        rule.save()
        timeline.record_created(actor=actor, subject=rule)
    return rule


def routing_rule_update(
    *, actor: Any, rule: CaseRoutingRule, data: dict[str, Any], expected_version: int
) -> CaseRoutingRule:
    """Change a rule if nobody changed it since `expected_version` (StaleVersionError otherwise)."""
    _require_configurer(actor)
    _unknown(data)
    before = timeline.snapshot(rule, data.keys())
    for name, value in data.items():
        setattr(rule, name, value)
    _validate(rule)
    columns = [f"{name}_id" if name in ("product", "assign_user", "assign_team") else name for name in data]
    with transaction.atomic():
        save_if_current(rule, expected_version=expected_version, fields=columns)
        timeline.record_changes(actor=actor, subject=rule, before=before)
    return rule


def routing_rule_deactivate(*, actor: Any, rule: CaseRoutingRule, expected_version: int) -> CaseRoutingRule:
    """Stop a rule (kept: the cases it routed still name it)."""
    return routing_rule_update(actor=actor, rule=rule, data={"active": False}, expected_version=expected_version)


def team_choices() -> list[Team]:
    return list(Team.objects.order_by("name", "id"))


def member_choices() -> list[User]:
    return list(User.objects.filter(is_active=True, roles__code__in=SERVICE_ROLES).distinct().order_by("username"))
