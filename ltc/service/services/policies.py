"""SLA policies (服务水平协议): per priority, the first-response and resolution targets in business
minutes of a calendar, and the share of a target after which a case is warned about. Configured
by administrators and service team managers; read by service staff, who give them to accounts as
entitlements. The installation's standard policy (标准服务) is what a signed contract's
entitlement gets (`default_policy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.core.models import TIMELINE_ENTRIES
from ltc.service.access import can_configure_service, can_work_service
from ltc.service.models import BusinessCalendar, Priority, SlaPolicy, SlaTarget
from ltc.service.services.clock import default_calendar
from ltc.service.services.sla_recompute import open_cases_recompute

# The standard policy's name when it is made (in the active language); it is known by
# `is_default`, never by its name, which its administrators may change.
DEFAULT_POLICY_NAME = gettext_lazy("Standard support")
# Business minutes: (first response, resolution) per priority of the standard policy.
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    Priority.P1: (60, 240),
    Priority.P2: (240, 960),
    Priority.P3: (480, 2400),
    Priority.P4: (960, 4800),
}
POLICY_FIELDS = ("name", "calendar", "warn_at_pct", "active", "targets")
MAX_TARGET_MINUTES = 525_600  # a year of minutes: beyond that a target means nothing

TIMELINE_ENTRIES.setdefault("sla_targets", gettext_lazy("targets"))


@dataclass(frozen=True)
class Target:
    priority: str
    first_response_minutes: int
    resolution_minutes: int


def first_field(priority: str) -> str:
    return f"{priority}_first_response_minutes"


def resolution_field(priority: str) -> str:
    return f"{priority}_resolution_minutes"


def hours_text(minutes: int) -> str:
    """Business minutes as hours and minutes ("4 h", "1 h 30 min", "45 min")."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": rest}


# --- reads ---------------------------------------------------------------------------------------


def _require_reader(user: Any) -> None:
    if not (can_work_service(user) or can_configure_service(user)):
        raise PermissionDenied(_("Only service staff read SLA policies."))


def _require_configurer(user: Any) -> None:
    if not can_configure_service(user):
        raise PermissionDenied(_("Only administrators and service team managers configure service."))


def _with_targets(queryset: QuerySet[SlaPolicy]) -> QuerySet[SlaPolicy]:
    return queryset.select_related("calendar").prefetch_related(
        Prefetch("targets", queryset=SlaTarget.objects.order_by("priority"))
    )


def policy_list(*, user: Any, active: bool | None = None) -> QuerySet[SlaPolicy]:
    _require_reader(user)
    policies = _with_targets(SlaPolicy.objects.order_by("-active", "name", "id"))
    return policies if active is None else policies.filter(active=active)


def policy_get(*, user: Any, pk: Any) -> SlaPolicy:
    _require_reader(user)
    policy = _with_targets(SlaPolicy.objects.filter(pk=pk)).first() if is_id(pk) else None
    if policy is None:
        raise Http404
    return policy


def policy_targets(policy: SlaPolicy) -> dict[str, SlaTarget]:
    return {target.priority: target for target in policy.targets.all()}


# --- the standard policy -------------------------------------------------------------------------


def _targets_text(targets: dict[str, Target]) -> str:
    return "; ".join(
        f"{p.upper()} {t.first_response_minutes}/{t.resolution_minutes}" for p, t in sorted(targets.items())
    )


def _store_targets(policy: SlaPolicy, targets: dict[str, Target]) -> None:
    SlaTarget.objects.filter(policy=policy).delete()
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=t.priority,
            first_response_minutes=t.first_response_minutes,
            resolution_minutes=t.resolution_minutes,
        )
        for t in targets.values()
    )


def default_policy() -> SlaPolicy:
    """The installation's standard policy (`is_default`; named 标准服务 / "Standard support" in
    the language active when made, on the default calendar), made when missing: P1 60/240, P2
    240/960, P3 480/2400, P4 960/4800 business minutes, warned at 80 %. Safe when two callers
    race: one standard policy stays (unique constraint), the loser reads it."""
    policy = SlaPolicy.objects.filter(is_default=True).first()
    if policy is not None:
        return policy
    targets = {p: Target(p, first, resolution) for p, (first, resolution) in DEFAULT_TARGETS.items()}
    calendar = default_calendar()
    try:
        with transaction.atomic():
            policy = SlaPolicy.objects.create(
                name=str(DEFAULT_POLICY_NAME), calendar=calendar, warn_at_pct=80, is_default=True
            )
            _store_targets(policy, targets)
            timeline.record_created(actor=None, subject=policy, text=_targets_text(targets))
    except IntegrityError:
        return SlaPolicy.objects.get(is_default=True)
    return policy


# --- writes --------------------------------------------------------------------------------------


def _minutes(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    raw = str(value if value is not None else "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def parse_targets(raw: Any) -> dict[str, Target]:
    """The four priorities' targets from {priority: (first response, resolution)} or a list of
    {"priority", "first_response_minutes", "resolution_minutes"}; each error on its own field
    ("p2_resolution_minutes"): every priority needs both, whole positive minutes, the first
    response no later than the resolution."""
    pairs: dict[str, tuple[Any, Any]] = {}
    errors: dict[str, list[str]] = {}
    if isinstance(raw, dict):
        pairs = {str(k): tuple(v) if isinstance(v, (tuple, list)) else (None, None) for k, v in raw.items()}
    elif isinstance(raw, (list, tuple)):
        for item in raw:
            item = item if isinstance(item, dict) else {}
            priority = str(item.get("priority", ""))
            if priority in pairs:
                errors["targets"] = [_("Each priority once.")]
            pairs[priority] = (item.get("first_response_minutes"), item.get("resolution_minutes"))
    unknown = sorted(set(pairs) - set(Priority.values))
    if unknown:
        errors["targets"] = [_("Unknown priority: %(p)s.") % {"p": ", ".join(unknown)}]
    targets: dict[str, Target] = {}
    for priority in Priority.values:
        first_raw, resolution_raw = pairs.get(priority, (None, None))
        first, resolution = _minutes(first_raw), _minutes(resolution_raw)
        for name, value in ((first_field(priority), first), (resolution_field(priority), resolution)):
            if value is None or value <= 0:
                errors[name] = [_("Enter a whole number of minutes above zero.")]
            elif value > MAX_TARGET_MINUTES:
                errors[name] = [_("At most %(n)d minutes.") % {"n": MAX_TARGET_MINUTES}]
        if first and resolution and first > 0 and resolution > 0 and first > resolution:
            errors.setdefault(resolution_field(priority), []).append(
                _("The resolution target cannot be shorter than the first response target.")
            )
        if first is not None and resolution is not None:
            targets[priority] = Target(priority, first, resolution)
    if errors:
        raise ValidationError(errors)
    return targets


def _check(policy: SlaPolicy) -> None:
    errors: dict[str, list[str]] = {}
    policy.name = (policy.name or "").strip()
    try:
        policy.full_clean(exclude=["calendar"])
    except ValidationError as exc:
        errors = exc.message_dict
    if policy.calendar_id is None:
        errors["calendar"] = [_("Choose a business calendar.")]
    if errors:
        raise ValidationError(errors)


def _calendar(value: Any) -> BusinessCalendar | None:
    if isinstance(value, BusinessCalendar) or value is None:
        return value
    if not is_id(value):
        raise ValidationError({"calendar": [_("No such calendar.")]})
    calendar = BusinessCalendar.objects.filter(pk=value).first()
    if calendar is None:
        raise ValidationError({"calendar": [_("No such calendar.")]})
    return calendar


def _validate_all(policy: SlaPolicy, raw_targets: Any) -> dict[str, Target] | None:
    errors: dict[str, list[str]] = {}
    targets = None
    try:
        _check(policy)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if raw_targets is not None:
        try:
            targets = parse_targets(raw_targets)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return targets


def _unknown(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(POLICY_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def policy_create(*, actor: Any, data: dict[str, Any]) -> SlaPolicy:
    """A new policy: name, calendar (the default one when not given), warn_at_pct (1–99, default
    80), active, and `targets` for all four priorities (see `parse_targets`). Refuses
    non-configurers (403) and any invalid field (422, each on its field)."""
    _require_configurer(actor)
    _unknown(data)
    values = dict(data)
    raw_targets = values.pop("targets", None)
    calendar = _calendar(values.pop("calendar", None)) or default_calendar()
    policy = SlaPolicy(calendar=calendar, **values)
    targets = _validate_all(policy, raw_targets if raw_targets is not None else {}) or {}
    with transaction.atomic():
        policy.save()
        _store_targets(policy, targets)
        timeline.record_created(actor=actor, subject=policy, text=_targets_text(targets))
    return policy


def policy_update(*, actor: Any, policy: SlaPolicy, data: dict[str, Any], expected_version: int) -> SlaPolicy:
    """Change a policy's fields and targets (all four when given) if nobody changed it since
    `expected_version`. The standard policy stays active: signed contracts' entitlements are
    given it. The open cases timed on the policy follow new targets, warning share or calendar
    in the same transaction."""
    _require_configurer(actor)
    _unknown(data)
    values = dict(data)
    raw_targets = values.pop("targets", None)
    if "calendar" in values:
        values["calendar"] = _calendar(values["calendar"])
    is_standard = policy.is_default
    errors: dict[str, list[str]] = {}
    if is_standard and values.get("active") is False:
        errors["active"] = [_("The standard policy stays active: signed contracts' entitlements are given it.")]
    if errors:
        raise ValidationError(errors)
    names = [f"{name}_id" if name == "calendar" else name for name in values]
    before = timeline.snapshot(policy, names)
    old_targets = {
        t.priority: Target(t.priority, t.first_response_minutes, t.resolution_minutes) for t in policy.targets.all()
    }
    timing = (policy.calendar_id, policy.warn_at_pct)
    for name, value in values.items():
        setattr(policy, name, value)
    targets = _validate_all(policy, raw_targets)
    with transaction.atomic():
        save_if_current(policy, expected_version=expected_version, fields=names)
        timeline.record_changes(actor=actor, subject=policy, before=before)
        if targets is not None and targets != old_targets:
            _store_targets(policy, targets)
            timeline.record_field_changes(
                actor=actor,
                subject=policy,
                changes=[{"field": "sla_targets", "old": _targets_text(old_targets), "new": _targets_text(targets)}],
            )
        if timing != (policy.calendar_id, policy.warn_at_pct) or (targets is not None and targets != old_targets):
            open_cases_recompute(policy_id=policy.pk)
    if targets is not None:
        policy = SlaPolicy.objects.prefetch_related("targets").select_related("calendar").get(pk=policy.pk)
    return policy
