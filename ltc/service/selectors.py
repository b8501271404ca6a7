"""Reads of service cases, access applied (ltc.service.access): agents and managers work queues
("mine", "team", "unassigned"), readers see the cases of the accounts they may read."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from ltc.core.access import fetch_or_404
from ltc.service.access import service_scope
from ltc.service.models import OPEN_CASE_STATUSES, Case, CaseRoutingRule, CaseStatus, Priority, SlaState

CASE_VIEWS = ("mine", "team", "unassigned", "all")
# The SLA filter: "breached" and "warning" look at either clock; "met"/"missed" at the resolution.
SLA_FILTERS = ("running", "warning", "breached", "met", "missed", "none")


def _sla_q(sla: str) -> Q:
    if sla in (SlaState.WARNING, SlaState.BREACHED):
        return Q(response_sla=sla) | Q(resolution_sla=sla)
    return Q(resolution_sla=sla)


def case_list(
    user: Any,
    *,
    view: str = "all",
    status: str = "",
    priority: str = "",
    sla: str = "",
    account_id: int | None = None,
    q: str = "",
) -> QuerySet[Case]:
    """The cases `user` may read in `view`: "mine" (the user's open cases), "team" (the open
    cases of the user's team and of the teams they manage), "unassigned" (open, no owner), "all"
    (everything in scope, any status). Filters narrow it; unknown filter values match nothing.
    The work queues are ordered by resolution due (soonest first, none last), then opened; "all"
    newest first (the index svc_case_opened: a million cases, no sort)."""
    qs = service_scope(Case.objects.all(), user)
    if view == "mine":
        qs = qs.filter(owner_id=user.pk, status__in=OPEN_CASE_STATUSES)
    elif view == "team":
        teams = set(user.managed_team_ids())
        if getattr(user, "team_id", None):
            teams.add(user.team_id)
        qs = qs.filter(team_id__in=sorted(teams), status__in=OPEN_CASE_STATUSES)
    elif view == "unassigned":
        qs = qs.filter(owner__isnull=True, status__in=OPEN_CASE_STATUSES)
    elif view != "all":
        return qs.none()
    if status:
        qs = qs.filter(status=status) if status in CaseStatus.values else qs.none()
    if priority:
        qs = qs.filter(priority=priority) if priority in Priority.values else qs.none()
    if sla:
        qs = qs.filter(_sla_q(sla)) if sla in SLA_FILTERS else qs.none()
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    term = (q or "").strip()
    if term:
        qs = qs.filter(Q(number__icontains=term) | Q(subject__icontains=term))
    qs = qs.select_related("account", "owner", "team", "contact")
    if view == "all":
        return qs.order_by("-opened_at", "-id")
    return qs.order_by(F("resolution_due").asc(nulls_last=True), "opened_at", "id")


def case_get(user: Any, pk: Any) -> Case:
    """One case `user` may read, or 404 (outside their scope, missing, or not an id)."""
    qs = service_scope(Case.objects.all(), user).select_related(
        "account", "owner", "team", "contact", "asset", "entitlement", "merged_into", "escalated_to"
    )
    case: Case = fetch_or_404(qs, pk=pk)
    return case


def case_messages(user: Any, case: Case) -> QuerySet[Any]:
    """The messages of a case as staff and sales readers see them: all, internal notes included."""
    return case.messages.select_related("author", "contact").order_by("created_at", "id")


def routing_rule_list() -> QuerySet[CaseRoutingRule]:
    return CaseRoutingRule.objects.select_related("assign_user", "assign_team", "product").order_by("order", "id")
