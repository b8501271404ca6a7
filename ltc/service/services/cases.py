"""Cases (服务请求): open, route, time against the SLA, answer, wait on the customer, resolve,
close, reopen and merge. Every write is version-checked where a person edits, lands on the case's
timeline and emits its event (ltc.service.events) in the transaction.

SLA: a case is timed against the targets of its entitlement's policy for its priority (the
entitlement covering the asset's product, else the account's), or of the installation's default
policy when the account has none. Due and warning times are wall-clock moments computed in business
minutes from `opened_at`; the business minutes spent waiting on the customer push them later. The
first reply to the customer stops the response clock, the resolution stops the other.

Staff (ltc.service.access.can_work_service) do everything; a sales reader of the case's account may
add an internal note and nothing else; a customer (portal, e-mail) writes through
`case_create(actor=None)` and `case_customer_message`."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.events import emit
from ltc.core.numbering import NumberSeries, document_number
from ltc.org.choices import RoleCode
from ltc.service.access import account_records_q, can_work_service
from ltc.service.events import CaseCreated, CaseMerged, CaseMessageAdded, CaseStatusChanged
from ltc.service.models import (
    Asset,
    Case,
    CaseCategory,
    CaseChannel,
    CaseMessage,
    CaseStatus,
    Entitlement,
    EntitlementStatus,
    MessageKind,
    Priority,
    SlaPolicy,
    SlaState,
    SlaTarget,
)
from ltc.service.services.clock import Clock, sla_times

DEFAULT_REOPEN_DAYS = 7
SUBJECT_MAX = 200
BODY_MAX = 50000
UPDATE_FIELDS = ("subject", "priority", "category", "asset", "contact")
# Clocks that still run (the sweep may move running → warning → breached).
ACTIVE_SLA = (SlaState.RUNNING, SlaState.WARNING, SlaState.BREACHED)
# Where a staff member may move a case with case_set_status (reopening has its own rules).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.NEW: (CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.CLOSED),
    CaseStatus.IN_PROGRESS: (CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.CLOSED),
    CaseStatus.WAITING: (CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED),
    CaseStatus.RESOLVED: (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS),
    CaseStatus.CLOSED: (CaseStatus.IN_PROGRESS,),
}
SLA_FIELDS = [
    "entitlement_id",
    "first_response_due",
    "response_warn_at",
    "resolution_due",
    "resolution_warn_at",
    "response_sla",
    "resolution_sla",
]


def reopen_days() -> int:
    return int(getattr(settings, "LTC_CASE_REOPEN_DAYS", DEFAULT_REOPEN_DAYS))


def _require_staff(actor: Any) -> None:
    if not can_work_service(actor):
        raise PermissionDenied(_("Only service staff work cases."))


def _reads(actor: Any, case: Case) -> bool:
    return Case.objects.filter(account_records_q(actor), pk=case.pk).exists()


# --- SLA ---------------------------------------------------------------------------------------


def _entitlement_for(account_id: int, asset: Asset | None) -> Entitlement | None:
    """The entitlement a case is timed against today (ltc.service.services.entitlements)."""
    from ltc.service.services.entitlements import case_entitlement

    return case_entitlement(account_id=account_id, asset=asset, on=timezone.localdate())


def _policy_of(case: Case) -> SlaPolicy | None:
    if case.entitlement_id:
        entitlement = case.entitlement
        if entitlement is not None and entitlement.status == EntitlementStatus.ACTIVE:
            return entitlement.policy
    from ltc.service.services.policies import default_policy

    return default_policy()


def _clock(policy: SlaPolicy, cache: dict[int, Clock] | None = None) -> Clock:
    if cache is not None and policy.calendar_id in cache:
        return cache[policy.calendar_id]
    clock = Clock.load(policy.calendar)
    if cache is not None:
        cache[policy.calendar_id] = clock
    return clock


def _restate(state: str, now: datetime, warn: datetime, due: datetime) -> str:
    """A running clock's state after its due time moved (the sweep warns and breaches again)."""
    if state not in ACTIVE_SLA or state == SlaState.BREACHED:
        return state  # once breached a clock stays breached (it can only end missed)
    if now < warn:
        return SlaState.RUNNING
    if now < due:
        return SlaState.WARNING if state == SlaState.WARNING else SlaState.RUNNING
    return state


def _apply_sla(case: Case, *, clock: Clock | None = None, now: datetime | None = None) -> Clock | None:
    """Set the case's due and warning times (and start its clocks) from its policy's target for its
    priority; none when the policy has no target for it. Returns the clock used."""
    now = now or timezone.now()
    policy = _policy_of(case)
    target = SlaTarget.objects.filter(policy=policy, priority=case.priority).first() if policy else None
    if policy is None or target is None:
        case.first_response_due = case.response_warn_at = None
        case.resolution_due = case.resolution_warn_at = None
        case.response_sla = case.response_sla if case.response_sla in (SlaState.MET, SlaState.MISSED) else "none"
        case.resolution_sla = case.resolution_sla if case.resolution_sla in (SlaState.MET, SlaState.MISSED) else "none"
        return clock
    clock = clock or _clock(policy)
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
        if case.response_sla == SlaState.NONE and case.is_open:
            case.response_sla = SlaState.RUNNING
        case.response_sla = _restate(case.response_sla, now, times.response_warn, times.response_due)
    case.resolution_due, case.resolution_warn_at = times.resolution_due, times.resolution_warn
    if case.resolution_sla == SlaState.NONE and case.is_open:
        case.resolution_sla = SlaState.RUNNING
    case.resolution_sla = _restate(case.resolution_sla, now, times.resolution_warn, times.resolution_due)
    return clock


def case_sla_recompute(case: Case, *, clock: Clock | None = None) -> Case:
    """Compute the case's SLA due and warning times again (after its opening time, priority or
    pauses changed) and store them; the states of running clocks follow the new times."""
    _apply_sla(case, clock=clock)
    case.save(update_fields=[*SLA_FIELDS, "updated_at"])
    return case


def _stop_response(case: Case, now: datetime) -> None:
    if case.response_sla in ACTIVE_SLA:
        due = case.first_response_due
        case.response_sla = SlaState.MET if due is None or now <= due else SlaState.MISSED


def _stop_resolution(case: Case, now: datetime) -> None:
    if case.resolution_sla in ACTIVE_SLA:
        due = case.resolution_due
        case.resolution_sla = SlaState.MET if due is None or now <= due else SlaState.MISSED


def _resume(case: Case, now: datetime) -> None:
    """Leave waiting: the business minutes waited push the due times later."""
    if case.paused_at is None:
        return
    policy = _policy_of(case)
    clock = _clock(policy) if policy is not None else None
    if clock is not None:
        case.paused_minutes += clock.between(case.paused_at, now)
    case.paused_at = None
    _apply_sla(case, clock=clock, now=now)


# --- creating ----------------------------------------------------------------------------------


def _check_choices(errors: dict[str, list[str]], **values: tuple[str, list[str]]) -> None:
    for name, (value, allowed) in values.items():
        if value not in allowed:
            errors[name] = [_("Choose a valid value.")]


def _check_subject(subject: Any, errors: dict[str, list[str]]) -> str:
    text = (subject or "").strip() if isinstance(subject, str) else ""
    if not text:
        errors["subject"] = [_("Say what the case is about.")]
    elif len(text) > SUBJECT_MAX:
        errors["subject"] = [_("At most %(n)d characters.") % {"n": SUBJECT_MAX}]
    return text


def _check_links(account_id: int, contact: Any, asset: Any, errors: dict[str, list[str]]) -> None:
    if contact is not None and contact.account_id != account_id:
        errors["contact"] = [_("The contact must belong to the case's account.")]
    elif contact is not None and getattr(contact, "erased_at", None) is not None:
        errors["contact"] = [_("This contact's personal data was erased; choose another contact.")]
    if asset is not None and asset.account_id != account_id:
        errors["asset"] = [_("The asset must belong to the case's account.")]


def case_create(
    *,
    actor: Any,
    account: Any,
    subject: str,
    description: str = "",
    category: str = CaseCategory.QUESTION,
    priority: str = Priority.P3,
    channel: str = CaseChannel.WEB,
    contact: Any = None,
    asset: Asset | None = None,
    from_address: str = "",
    message_id: str = "",
) -> Case:
    """Open a case: numbered, timed against the SLA, routed by the rules (unassigned when none
    matches); the description is the customer's first message. `actor` None: the customer opened
    it (portal, e-mail). An e-mail delivered twice (same `message_id`) returns the first case."""
    if actor is not None:
        _require_staff(actor)
    if message_id:
        known = CaseMessage.objects.filter(message_id=message_id).select_related("case").first()
        if known is not None:
            return known.case
    errors: dict[str, list[str]] = {}
    text = _check_subject(subject, errors)
    _check_choices(
        errors,
        category=(category, CaseCategory.values),
        priority=(priority, Priority.values),
        channel=(channel, CaseChannel.values),
    )
    if description and len(description) > BODY_MAX:
        errors["description"] = [_("At most %(n)d characters.") % {"n": BODY_MAX}]
    _check_links(account.pk, contact, asset, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    case = Case(
        account=account,
        contact=contact,
        asset=asset,
        subject=text,
        description=description or "",
        category=category,
        priority=priority,
        channel=channel,
        opened_at=now,
        created_by=actor,
        thread_key=secrets.token_hex(12),
    )
    case.entitlement = _entitlement_for(account.pk, asset)
    _apply_sla(case, now=now)
    from ltc.service.services.routing import CaseRouter

    with transaction.atomic():
        routed = CaseRouter.load().route(case)
        if routed is not None:
            rule, owner_id = routed
            case.routing_rule = rule
            case.owner_id = owner_id
            case.team_id = _team_of(owner_id, rule.assign_team_id)
        case.number = document_number(NumberSeries.CASE, timezone.localdate(now).year)
        case.search_text = f"{case.number} {text}"[:600]
        case.save()
        timeline.record_created(actor=actor, subject=case)
        emit(
            CaseCreated(
                subject_id=case.pk,
                number=case.number,
                account_id=account.pk,
                channel=channel,
                priority=priority,
                owner_id=case.owner_id,
                contact_id=case.contact_id,
            )
        )
        if case.description.strip():
            kind = MessageKind.CUSTOMER
            _add_message(
                case,
                kind=kind,
                body=case.description,
                channel=channel,
                author=actor,
                contact=contact,
                from_address=from_address,
                message_id=message_id,
                now=now,
            )
    return case


def _team_of(owner_id: int | None, fallback: int | None = None) -> int | None:
    from ltc.org.models import User

    if owner_id is None:
        return fallback
    team_id = User.objects.filter(pk=owner_id).values_list("team_id", flat=True).first()
    return team_id or fallback


def _add_message(
    case: Case,
    *,
    kind: str,
    body: str,
    channel: str,
    author: Any = None,
    contact: Any = None,
    from_address: str = "",
    message_id: str = "",
    now: datetime | None = None,
) -> CaseMessage:
    message = CaseMessage.objects.create(
        case=case,
        kind=kind,
        channel=channel,
        author=author,
        contact=contact,
        from_address=from_address or "",
        body=body,
        message_id=message_id or "",
        created_at=now or timezone.now(),
    )
    # A message is the case's latest update (the portal's "last update"); no version bump: it
    # changes none of the fields a person edits.
    Case.objects.filter(pk=case.pk).update(updated_at=message.created_at)
    case.updated_at = message.created_at
    emit(CaseMessageAdded(subject_id=case.pk, message_id=message.pk, message_kind=kind, channel=channel))
    return message


# --- changing ----------------------------------------------------------------------------------


def case_update(*, actor: Any, case: Case, version: int, data: dict[str, Any]) -> Case:
    """Change subject, priority, category, asset or contact if nobody changed the case since
    `version` (StaleVersionError otherwise); a new priority or asset times the case again."""
    _require_staff(actor)
    unknown = sorted(set(data) - set(UPDATE_FIELDS))
    errors: dict[str, list[str]] = {name: [_("This field cannot be set.")] for name in unknown}
    if "subject" in data:
        data = {**data, "subject": _check_subject(data["subject"], errors)}
    if "priority" in data:
        _check_choices(errors, priority=(data["priority"], Priority.values))
    if "category" in data:
        _check_choices(errors, category=(data["category"], CaseCategory.values))
    _check_links(case.account_id, data.get("contact"), data.get("asset"), errors)
    if errors:
        raise ValidationError(errors)
    before = timeline.snapshot(case, data.keys())
    retime = ("priority" in data and data["priority"] != case.priority) or (
        "asset" in data and getattr(data["asset"], "pk", None) != case.asset_id
    )
    for name, value in data.items():
        setattr(case, name, value)
    columns = [f"{name}_id" if name in ("asset", "contact") else name for name in data]
    if retime:
        if "asset" in data:
            asset = data["asset"]
            case.entitlement = _entitlement_for(case.account_id, asset)
        if case.is_open:
            _apply_sla(case)
        columns += [name for name in SLA_FIELDS if name not in columns]
    if "subject" in data:
        case.search_text = f"{case.number} {case.subject}"[:600]
        columns.append("search_text")
    with transaction.atomic():
        save_if_current(case, expected_version=version, fields=columns)
        timeline.record_changes(actor=actor, subject=case, before=before)
    return case


def case_assign(*, actor: Any, case: Case, owner: Any, version: int | None = None) -> Case:
    """Give the case to an active service user (None: back to the queue); the case joins the
    owner's team queue. With `version`, refused if the case changed since."""
    _require_staff(actor)
    if owner is not None and not (owner.is_active and owner.has_role(RoleCode.SERVICE, RoleCode.ADMIN)):
        raise ValidationError({"owner": [_("Cases go to active users with the service role.")]})
    before = timeline.snapshot(case, ["owner", "team"])
    case.owner = owner
    if owner is not None and owner.team_id:
        case.team_id = owner.team_id
    with transaction.atomic():
        if version is None:
            version = case.version
        save_if_current(case, expected_version=version, fields=["owner_id", "team_id"])
        timeline.record_changes(actor=actor, subject=case, before=before)
    return case


def case_reply(*, actor: Any, case: Case, body: str, internal: bool = False) -> CaseMessage:
    """A reply to the customer (staff; the first one stops the response clock and starts work on
    a new case) or an internal note (staff, and sales readers of the account; never sent)."""
    if internal:
        if not (can_work_service(actor) or (actor is not None and actor.is_authenticated and _reads(actor, case))):
            raise PermissionDenied(_("You may not add notes to this case."))
    else:
        _require_staff(actor)
    text = (body or "").strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": [_("Write a message.")]})
    if len(text) > BODY_MAX:
        raise ValidationError({"body": [_("At most %(n)d characters.") % {"n": BODY_MAX}]})
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if internal:
            message = _add_message(locked, kind=MessageKind.NOTE, body=text, channel=CaseChannel.WEB, author=actor)
            timeline.note_add(actor=actor, subject=locked, text=_("Internal note added to the case."))
        else:
            if locked.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) or locked.merged_into_id:
                raise ValidationError({"body": [_("Reopen the case before replying to the customer.")]})
            message = _add_message(locked, kind=MessageKind.REPLY, body=text, channel=CaseChannel.WEB, author=actor)
            before = timeline.snapshot(locked, ["status", "response_sla"])
            fields: list[str] = []
            if locked.first_response_at is None:
                locked.first_response_at = now
                _stop_response(locked, now)
                fields += ["first_response_at", "response_sla"]
            old = locked.status
            if old == CaseStatus.NEW:
                locked.status = CaseStatus.IN_PROGRESS
                fields.append("status")
            if fields:
                save_if_current(locked, expected_version=locked.version, fields=fields)
                timeline.record_changes(actor=actor, subject=locked, before=before, text=_("Replied to the customer."))
                if old != locked.status:
                    emit(CaseStatusChanged(subject_id=locked.pk, number=locked.number, old=old, new=locked.status))
        _refresh(case, locked)
    return message


def _refresh(case: Case, source: Case) -> None:
    """Carry the stored state back onto the caller's instance."""
    for f in Case._meta.concrete_fields:
        setattr(case, f.attname, getattr(source, f.attname))


def _within_window(case: Case, now: datetime) -> bool:
    return case.resolved_at is not None and now - case.resolved_at <= timedelta(days=reopen_days())


def _set_status(case: Case, status: str, *, now: datetime, resolution: str = "") -> list[str]:
    """Move `case` to `status` in memory; the changed columns."""
    old = case.status
    fields = ["status"]
    if old == CaseStatus.WAITING and status != CaseStatus.WAITING:
        _resume(case, now)
        fields += ["paused_at", "paused_minutes", *SLA_FIELDS]
    case.status = status
    if status == CaseStatus.WAITING:
        case.paused_at = now
        fields.append("paused_at")
    elif status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and old not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        case.resolved_at = now
        case.csat_token = secrets.token_urlsafe(24)
        _stop_response(case, now)
        _stop_resolution(case, now)
        if resolution:
            case.resolution = resolution
        fields += ["resolved_at", "csat_token", "response_sla", "resolution_sla", "resolution"]
    if status == CaseStatus.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
    return list(dict.fromkeys(fields))


def _reopen(case: Case, now: datetime) -> list[str]:
    """Back to in progress: the business minutes it spent resolved do not count against its
    resolution clock (added to the pauses), so the clock runs again from where it stopped."""
    policy = _policy_of(case)
    clock = _clock(policy) if policy is not None else None
    if clock is not None and case.resolved_at is not None:
        case.paused_minutes += clock.between(case.resolved_at, now)
    case.status = CaseStatus.IN_PROGRESS
    case.reopened += 1
    case.resolved_at = None
    case.closed_at = None
    case.csat_token = ""
    if case.resolution_sla in (SlaState.MET, SlaState.MISSED):
        # A clock that stopped in time runs again; one that stopped late stays breached.
        case.resolution_sla = SlaState.RUNNING if case.resolution_sla == SlaState.MET else SlaState.BREACHED
    _apply_sla(case, clock=clock, now=now)
    return list(
        dict.fromkeys(["status", "reopened", "resolved_at", "closed_at", "csat_token", "paused_minutes", *SLA_FIELDS])
    )


def case_set_status(*, actor: Any, case: Case, status: str, version: int, resolution: str = "") -> Case:
    """Move the case (new → in progress → waiting on customer → resolved → closed). Waiting pauses
    the SLA clocks; leaving it adds the business minutes waited to the due times. Resolving (or
    closing an open case) stops the clocks as met or missed and makes the CSAT link. Back to "in
    progress" from resolved or closed is a reopen (case_reopen's window)."""
    _require_staff(actor)
    if status not in CaseStatus.values:
        raise ValidationError({"status": [_("Choose a valid value.")]})
    if case.merged_into_id:
        raise ValidationError({"status": [_("A merged case stays closed; work on the case it was merged into.")]})
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and len(resolution or "") > 10000:
        raise ValidationError({"resolution": [_("At most %(n)d characters.") % {"n": 10000}]})
    if status == CaseStatus.IN_PROGRESS and case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return case_reopen(actor=actor, case=case, version=version)
    if status == case.status:
        raise ValidationError({"status": [_("The case already has this status.")]})
    if status not in TRANSITIONS.get(case.status, ()):
        raise ValidationError({"status": [_("A case cannot go from this status to that one.")]})
    now = timezone.now()
    old = case.status
    before = timeline.snapshot(case, ["status"])
    fields = _set_status(case, status, now=now, resolution=(resolution or "").strip())
    with transaction.atomic():
        save_if_current(case, expected_version=version, fields=fields)
        timeline.record_changes(actor=actor, subject=case, before=before)
        emit(CaseStatusChanged(subject_id=case.pk, number=case.number, old=old, new=status))
    return case


def case_reopen(*, actor: Any, case: Case, version: int) -> Case:
    """Back to "in progress" a case resolved or closed within LTC_CASE_REOPEN_DAYS (default 7)
    of its resolution; its resolution clock runs again (breached if its due time passed)."""
    _require_staff(actor)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED) or case.merged_into_id:
        raise ValidationError({"status": [_("Only a resolved or closed case can be reopened.")]})
    now = timezone.now()
    if not _within_window(case, now):
        raise ValidationError(
            {"status": [_("A case can be reopened within %(n)d days of its resolution.") % {"n": reopen_days()}]}
        )
    old = case.status
    before = timeline.snapshot(case, ["status", "reopened"])
    fields = _reopen(case, now)
    with transaction.atomic():
        save_if_current(case, expected_version=version, fields=fields)
        timeline.record_changes(actor=actor, subject=case, before=before, text=_("Case reopened."))
        emit(CaseStatusChanged(subject_id=case.pk, number=case.number, old=old, new=case.status))
    return case


def case_customer_message(
    *,
    case: Case,
    body: str,
    contact: Any = None,
    from_address: str = "",
    channel: str = CaseChannel.EMAIL,
    message_id: str = "",
) -> CaseMessage:
    """A message from the customer (portal, e-mail). It resumes a case waiting on them and
    reopens one resolved within LTC_CASE_REOPEN_DAYS; on a merged case it lands on the case it
    was merged into; on a case resolved or closed longer ago it opens a new case (same account,
    contact and asset) whose description names the old number. A mail delivered twice (same
    `message_id`) is kept once."""
    text = (body or "").strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": [_("Write a message.")]})
    if len(text) > BODY_MAX:
        raise ValidationError({"body": [_("At most %(n)d characters.") % {"n": BODY_MAX}]})
    if channel not in CaseChannel.values:
        raise ValidationError({"channel": [_("Choose a valid value.")]})
    if message_id:
        known = CaseMessage.objects.filter(message_id=message_id).first()
        if known is not None:
            return known
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        seen = {locked.pk}
        while locked.merged_into_id and locked.merged_into_id not in seen:
            seen.add(locked.merged_into_id)
            locked = Case.objects.select_for_update().get(pk=locked.merged_into_id)
        if locked.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and not _within_window(locked, now):
            follow_up = case_create(
                actor=None,
                account=locked.account,
                subject=locked.subject,
                description=_("Follow-up of case %(number)s:") % {"number": locked.number} + "\n\n" + text,
                category=locked.category,
                priority=locked.priority,
                channel=channel,
                contact=contact or locked.contact,
                asset=locked.asset,
                from_address=from_address,
                message_id=message_id,
            )
            return follow_up.messages.order_by("id").first() or _add_message(
                follow_up, kind=MessageKind.CUSTOMER, body=text, channel=channel, contact=contact
            )
        message = _add_message(
            locked,
            kind=MessageKind.CUSTOMER,
            body=text,
            channel=channel,
            contact=contact,
            from_address=from_address,
            message_id=message_id,
            now=now,
        )
        old = locked.status
        before = timeline.snapshot(locked, ["status", "reopened"])
        fields: list[str] = []
        if old == CaseStatus.WAITING:
            fields = _set_status(locked, CaseStatus.IN_PROGRESS, now=now)
        elif old in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            fields = _reopen(locked, now)
        if fields:
            save_if_current(locked, expected_version=locked.version, fields=fields)
            timeline.record_changes(
                actor=None, subject=locked, before=before, text=_("The customer wrote: the case is worked again.")
            )
            emit(CaseStatusChanged(subject_id=locked.pk, number=locked.number, old=old, new=locked.status))
        if locked.pk == case.pk:
            _refresh(case, locked)
    return message


def case_merge(*, actor: Any, duplicate: Case, into: Case) -> Case:
    """Merge `duplicate` into `into` (same account, open): its messages move there, it is closed
    with `merged_into` set. Refuses a case into itself, into or from a merged case, across accounts,
    into a resolved or closed case."""
    _require_staff(actor)
    if duplicate.pk == into.pk:
        raise ValidationError({"into": [_("A case cannot be merged into itself.")]})
    if into.merged_into_id:
        raise ValidationError({"into": [_("That case was itself merged; merge into the case it went to.")]})
    if duplicate.merged_into_id:
        raise ValidationError({"into": [_("This case was already merged.")]})
    if duplicate.account_id != into.account_id:
        raise ValidationError({"into": [_("Only cases of the same account can be merged.")]})
    now = timezone.now()
    with transaction.atomic():
        # Both rows in one statement, in key order: two merges A→B and B→A cannot deadlock.
        locked = {
            c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
        }
        dup, target = locked[duplicate.pk], locked[into.pk]
        if dup.merged_into_id or target.merged_into_id:
            raise ValidationError({"into": [_("This case was already merged.")]})
        if not target.is_open:
            raise ValidationError({"into": [_("Merge into an open case (reopen it first).")]})
        moved = CaseMessage.objects.filter(case=dup).update(case=target)
        old = dup.status
        before = timeline.snapshot(dup, ["status", "merged_into"])
        fields = _set_status(dup, CaseStatus.CLOSED, now=now) if old != CaseStatus.CLOSED else []
        dup.merged_into = target
        # The duplicate's clocks are the target's now: it is no longer measured (the KPIs skip it).
        dup.response_sla = dup.resolution_sla = SlaState.NONE
        fields = list(dict.fromkeys([*fields, "merged_into_id", "response_sla", "resolution_sla"]))
        save_if_current(dup, expected_version=dup.version, fields=fields)
        timeline.record_changes(
            actor=actor,
            subject=dup,
            before=before,
            text=_("Merged into %(number)s.") % {"number": target.number},
        )
        timeline.note_add(
            actor=actor,
            subject=target,
            text=_("Case %(number)s merged into this one (%(n)d messages moved).") % {"number": dup.number, "n": moved},
        )
        if old != dup.status:
            emit(CaseStatusChanged(subject_id=dup.pk, number=dup.number, old=old, new=dup.status))
        emit(CaseMerged(subject_id=dup.pk, number=dup.number, into_id=target.pk, into_number=target.number))
        _refresh(duplicate, dup)
    return duplicate


__all__ = [
    "StaleVersionError",
    "case_assign",
    "case_create",
    "case_customer_message",
    "case_merge",
    "case_reopen",
    "case_reply",
    "case_set_status",
    "case_sla_recompute",
    "case_update",
    "reopen_days",
]
