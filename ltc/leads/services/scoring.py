"""Lead scoring: configurable rules give 0–100 points with the list of rules that contributed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count

from ltc.core.models import Activity
from ltc.leads.choices import ScoreCriterion
from ltc.leads.models import Lead, ScoringRule


def active_rules() -> list[ScoringRule]:
    return list(ScoringRule.objects.filter(active=True))


def _met(rule: ScoringRule, lead: Any, done_activities: int) -> bool:
    criterion, value = rule.criterion, rule.value
    if criterion == ScoreCriterion.INDUSTRY_IS:
        return bool(lead.industry == value)
    if criterion == ScoreCriterion.REGION_IS:
        return bool(lead.region == value)
    if criterion == ScoreCriterion.SIZE_IS:
        return bool(lead.company_size == value)
    if criterion == ScoreCriterion.SOURCE_IS:
        return bool(lead.source == value)
    if criterion == ScoreCriterion.BUDGET_AT_LEAST:
        try:
            threshold = Decimal(value)
        except InvalidOperation:
            return False
        # Budgets in other currencies are not converted: only CNY budgets count here.
        return lead.budget_amount is not None and lead.budget_currency == "CNY" and lead.budget_amount >= threshold
    if criterion == ScoreCriterion.HAS_NEED:
        return bool(lead.need.strip())
    if criterion == ScoreCriterion.HAS_EMAIL:
        return bool(lead.email)
    if criterion == ScoreCriterion.HAS_MOBILE:
        return bool(lead.mobile)
    if criterion == ScoreCriterion.ACTIVITIES_AT_LEAST:
        return bool(value.isdigit() and done_activities >= int(value))
    return False


def compute_score(
    lead: Any, rules: Iterable[ScoringRule], *, done_activities: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """The score and its explanation: [{"rule", "kind", "points"}] for each rule that applied."""
    applied = tuple((r.name, r.kind, r.points) for r in rules if _met(r, lead, done_activities))
    total = sum(points for _name, _kind, points in applied)
    return max(0, min(100, total)), _details(applied)


_DETAILS: dict[tuple[tuple[str, str, int], ...], list[dict[str, Any]]] = {}


def _details(applied: tuple[tuple[str, str, int], ...]) -> list[dict[str, Any]]:
    """The explanation for a set of applied rules. Leads scored alike share one list (callers
    never mutate it), so bulk writers encode it once."""
    details = _DETAILS.get(applied)
    if details is None:
        details = [{"rule": name, "kind": kind, "points": points} for name, kind, points in applied]
        if len(_DETAILS) < 1024:
            _DETAILS[applied] = details
    return details


def done_activity_counts(lead_ids: Iterable[int]) -> dict[int, int]:
    """Done activities per lead, in one grouped query."""
    ids = list(lead_ids)
    if not ids:
        return {}
    rows = (
        Activity.objects.filter(
            content_type=ContentType.objects.get_for_model(Lead), object_id__any=ids, done_at__isnull=False
        )
        .values("object_id")
        .annotate(n=Count("id"))
    )
    return {row["object_id"]: row["n"] for row in rows}


def lead_rescore(*, lead: Lead, rules: list[ScoringRule] | None = None) -> Lead:
    """Recompute one lead's score (called after it changes or an activity is logged)."""
    rules = active_rules() if rules is None else rules
    done = done_activity_counts([lead.pk]).get(lead.pk, 0) if lead.pk else 0
    lead.score, lead.score_details = compute_score(lead, rules, done_activities=done)
    if lead.pk:
        Lead.objects.filter(pk=lead.pk).update(score=lead.score, score_details=lead.score_details)
    return lead


SCORE_INPUTS = (
    "id",
    "industry",
    "region",
    "company_size",
    "source",
    "budget_amount",
    "budget_currency",
    "need",
    "email",
    "mobile",
)


def leads_rescore(*, lead_ids: list[int], chunk: int = 10_000) -> int:
    """Recompute the score of many leads, set-based: the inputs are read as plain rows, and leads
    that end with the same score and explanation are written by one UPDATE per group.
    """
    rules = active_rules()
    changed = 0
    for start in range(0, len(lead_ids), chunk):
        ids = lead_ids[start : start + chunk]
        counts = done_activity_counts(ids)
        groups: dict[tuple[int, str], list[int]] = {}
        for values in Lead.objects.filter(pk__any=ids).values(*SCORE_INPUTS).iterator(chunk_size=2000):
            row = SimpleNamespace(**values)
            score, details = compute_score(row, rules, done_activities=counts.get(row.id, 0))
            groups.setdefault((score, json.dumps(details, ensure_ascii=False)), []).append(row.id)
        for (score, details_json), pks in groups.items():
            for part in range(0, len(pks), 5000):
                changed += Lead.objects.filter(pk__any=pks[part : part + 5000]).update(
                    score=score, score_details=json.loads(details_json)
                )
    return changed
