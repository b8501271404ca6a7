"""Lead routing (分发): ordered assignment rules → a user, or a team by round-robin or lowest load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count

from ltc.core.routing import TeamPicker
from ltc.leads.choices import OPEN_STATUSES, AssignStrategy
from ltc.leads.models import AssignmentRule, Lead
from ltc.org.models import User

DEFAULT_FIRST_CONTACT = timedelta(hours=24)
# Team members who take leads: account managers and sales managers (not SR/FR colleagues).
SELLING_ROLES = ("ar", "sales_manager")


@dataclass
class Assignment:
    owner_id: int
    rule: AssignmentRule
    due_at: datetime


@dataclass
class Router:
    """Decides owners for many leads with a fixed number of queries, whatever their count.

    Round-robin positions and open loads are kept in memory (ltc.core.routing.TeamPicker) while a
    batch is routed and the round-robin position is saved back on the rule by `save_positions()`.
    """

    rules: list[AssignmentRule] = field(default_factory=list)
    picker: TeamPicker = field(default_factory=TeamPicker)

    @property
    def members(self) -> dict[int, list[int]]:
        return self.picker.members

    @property
    def loads(self) -> dict[int, int]:
        return self.picker.loads

    @property
    def positions(self) -> dict[int, int | None]:
        return self.picker.positions

    @classmethod
    def load(cls, rules: list[AssignmentRule] | None = None) -> Router:
        """The active rules in order (or the given ones, e.g. a rule tried before it is saved)."""
        if rules is None:
            rules = list(AssignmentRule.objects.filter(active=True).order_by("order", "id"))
        team_ids = {r.assign_team_id for r in rules if r.assign_team_id}
        memberships = list(
            User.objects.filter(team_id__in=team_ids, is_active=True, roles__code__in=SELLING_ROLES)
            .distinct()
            .order_by("id")
            .values_list("id", "team_id")
        )
        member_ids = [uid for uid, _team in memberships]
        loads = dict(
            Lead.objects.filter(owner_id__in=member_ids, status__in=OPEN_STATUSES)
            .values_list("owner_id")
            .annotate(n=Count("id"))
            .values_list("owner_id", "n")
        )
        positions = {r.pk: r.last_assigned_id for r in rules}
        return cls(rules, TeamPicker.build(memberships, loads, positions))

    def route(self, lead: Any, *, now: datetime) -> Assignment | None:
        for rule in self.rules:
            if not rule.matches(lead):
                continue
            owner_id = self.picker.pick(
                rule_id=rule.pk, strategy=rule.strategy, user_id=rule.assign_user_id, team_id=rule.assign_team_id
            )
            if owner_id is None:
                continue
            self.picker.taken(owner_id)
            return Assignment(owner_id, rule, now + timedelta(hours=rule.first_contact_hours))
        return None

    def save_positions(self) -> None:
        for rule in self.rules:
            if rule.strategy == AssignStrategy.ROUND_ROBIN and self.positions.get(rule.pk) != rule.last_assigned_id:
                AssignmentRule.objects.filter(pk=rule.pk).update(last_assigned_id=self.positions[rule.pk])
                rule.last_assigned_id = self.positions[rule.pk]


def apply(router: Router, leads: Iterable[Any], *, now: datetime) -> list[Any]:
    """Set owner, rule and first-contact deadline on the leads a rule matches (no saving)."""
    routed = []
    for lead in leads:
        assignment = router.route(lead, now=now)
        if assignment is not None:
            lead.owner_id = assignment.owner_id
            lead.assignment_rule = assignment.rule
            lead.assigned_at = now
            lead.first_contact_due_at = assignment.due_at
            routed.append(lead)
    return routed
