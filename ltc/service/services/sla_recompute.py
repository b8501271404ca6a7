"""The open cases' SLA due and warning times computed again after what they were timed on changed:
a business calendar's working hours or days, or an SLA policy's targets or warning share. Called by
the configuration writes in their own transaction, so a change and its effect on the cases are
committed together."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from ltc.service.models import Case, Entitlement, EntitlementStatus, SlaPolicy, SlaTarget
from ltc.service.models.cases import OPEN_CASE_STATUSES, SlaState
from ltc.service.services.clock import Clock, sla_times

CHUNK = 500
FIELDS = [
    "first_response_due",
    "response_warn_at",
    "resolution_due",
    "resolution_warn_at",
    "response_sla",
    "resolution_sla",
    "version",
    "updated_at",
]


def _restate(state: str, now: datetime, warn: datetime, due: datetime) -> str:
    """A running clock follows its new times (the sweep warns and breaches again); a breached one
    stays breached, a stopped one stays as it stopped."""
    if state not in (SlaState.RUNNING, SlaState.WARNING):
        return state
    if now < warn:
        return SlaState.RUNNING
    return state


def open_cases_recompute(
    *, calendar_id: int | None = None, policy_id: int | None = None, entitlement_id: int | None = None
) -> int:
    """Recompute the due and warning times of the open cases (new, in progress, waiting) timed on
    the calendar `calendar_id` or the policy `policy_id`, or given the entitlement
    `entitlement_id`: a case is timed on its active entitlement's policy, or on the standard
    policy without one. The business minutes already waited are kept; a breached clock stays
    breached. Each case written gets a new version, so an edit made from the old version is
    refused rather than silently overwriting this. Returns how many cases were written."""
    standard_pk = SlaPolicy.objects.filter(is_default=True).values_list("pk", flat=True).first()
    active = Q(entitlement__status=EntitlementStatus.ACTIVE)
    if entitlement_id is not None:
        timed = Q(entitlement_id=entitlement_id)
        scope = Q(pk__in=Entitlement.objects.filter(pk=entitlement_id).values("policy_id")) | Q(pk=standard_pk)
    else:
        scope = Q()
        if calendar_id is not None:
            scope &= Q(calendar_id=calendar_id)
        if policy_id is not None:
            scope &= Q(pk=policy_id)
        policy_ids = list(SlaPolicy.objects.filter(scope).values_list("pk", flat=True))
        timed = Q(active, entitlement__policy_id__in=policy_ids)
        if standard_pk in policy_ids:
            timed |= Q(entitlement__isnull=True) | ~active
    policies = {p.pk: p for p in SlaPolicy.objects.filter(scope).select_related("calendar")}
    if not policies:
        return 0
    targets = {(t.policy_id, t.priority): t for t in SlaTarget.objects.filter(policy_id__in=list(policies))}
    clocks: dict[int, Clock] = {}
    ids = list(Case.objects.filter(timed, status__in=OPEN_CASE_STATUSES).order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = (
            Case.objects.filter(pk__in=ids[start : start + CHUNK])
            .select_for_update(of=("self",))
            .select_related("entitlement")
            .order_by("pk")
        )
        changed: list[Case] = []
        for case in chunk:
            entitlement = case.entitlement
            active_entitlement = entitlement is not None and entitlement.status == EntitlementStatus.ACTIVE
            policy_pk = entitlement.policy_id if entitlement is not None and active_entitlement else standard_pk
            policy = policies.get(policy_pk) if policy_pk is not None else None
            target = targets.get((policy_pk, case.priority)) if policy_pk is not None else None
            if policy is None or target is None:
                continue
            clock = clocks.get(policy.calendar_id)
            if clock is None:
                clock = clocks[policy.calendar_id] = Clock.load(policy.calendar)
            times = sla_times(
                clock,
                opened_at=case.opened_at,
                first_response_minutes=target.first_response_minutes,
                resolution_minutes=target.resolution_minutes,
                warn_at_pct=policy.warn_at_pct,
                paused_minutes=case.paused_minutes,
            )
            if case.first_response_at is None:
                case.first_response_due, case.response_warn_at = times.response_due, times.response_warn
                case.response_sla = _restate(case.response_sla, now, times.response_warn, times.response_due)
            case.resolution_due, case.resolution_warn_at = times.resolution_due, times.resolution_warn
            case.resolution_sla = _restate(case.resolution_sla, now, times.resolution_warn, times.resolution_due)
            case.version = F("version") + 1
            case.updated_at = now
            changed.append(case)
        Case.objects.bulk_update(changed, FIELDS)
        written += len(changed)
    return written
