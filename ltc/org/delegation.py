"""Delegation of authority while away (授权委托): writes and reads.

A principal (away from `starts_on` to `ends_on`, company dates, inclusive) names a delegate who
decides in their name what their authority covers, for some subjects or all of them. Decisions
so taken keep the delegate as the decider and name the principal (see ltc.org.authority and the
decision services). A delegation is never deleted: it is cancelled."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.access import fetch_or_404, has_any_role
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.core.timeline import NOTE_MAX_LENGTH
from ltc.org.choices import AuthoritySubject, RoleCode
from ltc.org.models import Delegation, User

REASON_MAX = 200
ALL_SUBJECTS = "*"  # how the timeline keeps "every subject"


def is_admin(user: Any) -> bool:
    return has_any_role(user, (RoleCode.ADMIN,))


def _overlapping(subjects: list[str], other: list[str]) -> bool:
    return not subjects or not other or bool(set(subjects) & set(other))


def _clash(queryset: QuerySet[Delegation], starts_on: date, ends_on: date, subjects: list[str]) -> Delegation | None:
    """The first not-cancelled delegation of `queryset` sharing a day and a subject."""
    running = queryset.filter(cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on)
    return next((d for d in running.order_by("starts_on", "pk") if _overlapping(subjects, d.subjects)), None)


def _period(delegation: Delegation) -> dict[str, str]:
    return {"from": delegation.starts_on.isoformat(), "until": delegation.ends_on.isoformat()}


def _clean_subjects(raw: Any, errors: dict[str, list[str]]) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    subjects = [str(code) for code in raw if str(code)]
    if any(code not in AuthoritySubject.values for code in subjects):
        errors["subjects"] = [_("Choose among the subjects of the authority matrix.")]
        return []
    return sorted(set(subjects), key=AuthoritySubject.values.index)


def delegation_create(
    *,
    actor: User,
    principal: User | None,
    delegate: User | None,
    starts_on: date | None,
    ends_on: date | None,
    subjects: Any = None,
    reason: str = "",
) -> Delegation:
    """Let `delegate` decide in `principal`'s name from `starts_on` to `ends_on` (inclusive).

    Refuses, each as a field error and changing nothing: delegating someone else's authority
    unless administrator; an inactive delegate or the principal themself; dates out of order or
    already past; a second delegation of the principal sharing a day and a subject; and chains —
    a principal who decides for someone else on those days, or a delegate who is away then."""
    errors: dict[str, list[str]] = {}
    if principal is None:
        errors["principal"] = [_("Choose whose authority is delegated.")]
    elif principal.pk != actor.pk and not is_admin(actor):
        errors["principal"] = [_("You may only delegate your own authority.")]
    if delegate is None or not delegate.is_active:
        errors["delegate"] = [_("Choose an active user to decide for you.")]
    elif principal is not None and delegate.pk == principal.pk:
        errors["delegate"] = [_("Delegate to someone else.")]
    if starts_on is None:
        errors["starts_on"] = [_("Give the first day.")]
    if ends_on is None:
        errors["ends_on"] = [_("Give the last day.")]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The last day is on or after the first.")]
    elif ends_on < timezone.localdate():
        errors["ends_on"] = [_("The last day is today or later.")]
    chosen = _clean_subjects(subjects, errors)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": REASON_MAX}]
    if not errors and principal is not None and delegate is not None and starts_on and ends_on:
        clash = _clash(principal.delegations_given.all(), starts_on, ends_on, chosen)
        if clash is not None:
            errors["starts_on"] = [
                _("%(user)s already delegates these decisions from %(from)s to %(until)s.")
                % {"user": principal, **_period(clash)}
            ]
        held = _clash(principal.delegations_received.all(), starts_on, ends_on, chosen)
        if held is not None:
            errors["principal"] = [
                _("%(user)s decides for %(other)s on these days: a delegate may not pass that on.")
                % {"user": principal, "other": held.principal}
            ]
        away = _clash(delegate.delegations_given.all(), starts_on, ends_on, chosen)
        if away is not None:
            errors["delegate"] = [
                _("%(user)s is away on these days (delegating to %(other)s): delegations do not chain.")
                % {"user": delegate, "other": away.delegate}
            ]
    if errors or principal is None or delegate is None or starts_on is None or ends_on is None:
        raise ValidationError(errors)
    with transaction.atomic():
        delegation = Delegation.objects.create(
            principal=principal,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            subjects=chosen,
            reason=reason,
            created_by=actor,
        )
        _event(actor=actor, delegation=delegation, kind=TimelineKind.CREATED, changes=_created_changes(delegation))
    return delegation


def can_cancel(user: Any, delegation: Delegation) -> bool:
    """The principal, the delegate (handing it back) and administrators cancel a delegation
    that has not ended."""
    return (
        delegation.cancelled_at is None
        and delegation.ends_on >= timezone.localdate()
        and (user.pk in (delegation.principal_id, delegation.delegate_id) or is_admin(user))
    )


def delegation_cancel(*, actor: User, delegation: Delegation) -> Delegation:
    """End a delegation now (kept for the record). Refuses someone else's, a cancelled or an
    ended one; decisions already taken under it stay as they are."""
    if actor.pk not in (delegation.principal_id, delegation.delegate_id) and not is_admin(actor):
        raise ValidationError({"delegation": [_("Only the people it names or an administrator cancel it.")]})
    if delegation.cancelled_at is not None:
        raise ValidationError({"delegation": [_("This delegation is already cancelled.")]})
    if delegation.ends_on < timezone.localdate():
        raise ValidationError({"delegation": [_("This delegation has ended.")]})
    now = timezone.now()
    with transaction.atomic():
        done = Delegation.objects.filter(pk=delegation.pk, cancelled_at__isnull=True).update(
            cancelled_at=now, cancelled_by=actor
        )
        if not done:
            raise ValidationError({"delegation": [_("This delegation is already cancelled.")]})
        delegation.cancelled_at, delegation.cancelled_by = now, actor
        _event(
            actor=actor,
            delegation=delegation,
            kind=TimelineKind.CHANGED,
            changes=[{"field": "cancelled_at", "old": "", "new": now.isoformat()}],
        )
    return delegation


def _created_changes(delegation: Delegation) -> list[dict[str, str]]:
    values = {
        "principal": str(delegation.principal),
        "delegate": str(delegation.delegate),
        "starts_on": delegation.starts_on.isoformat(),
        "ends_on": delegation.ends_on.isoformat(),
        "subjects": ",".join(delegation.subjects) or ALL_SUBJECTS,
        "reason": delegation.reason,
    }
    return [{"field": name, "old": "", "new": value} for name, value in values.items() if value]


def _event(*, actor: User, delegation: Delegation, kind: str, changes: list[dict[str, str]]) -> None:
    TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Delegation),
        object_id=delegation.pk,
        kind=kind,
        actor=actor,
        changes=changes,
    )


def record_on_behalf(
    *, actor: User, subject: models.Model, via: str, delegation: Delegation, text: str = ""
) -> TimelineEvent:
    """The decision's timeline entry naming both people: the actor decided (`text`, the
    decision as the service words it), on behalf of the principal, under this delegation. `via` names the decision from `subject` ("reviews",
    "changes", "versions.approvals") so the label reads in each reader's language."""
    period = f"{delegation.starts_on.isoformat()} – {delegation.ends_on.isoformat()}"
    return TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=TimelineKind.DECISION,
        actor=actor,
        text=text[:NOTE_MAX_LENGTH],
        changes=[{"field": f"{via}.decided_for", "old": "", "new": f"{delegation.principal} ({period})"}],
    )


# --- reads ------------------------------------------------------------------------------------


def delegation_list(*, user: User, everyone: bool = False) -> QuerySet[Delegation]:
    """Delegations the user gave or received; all of them for an administrator asking `everyone`."""
    rows = Delegation.objects.select_related("principal", "delegate", "cancelled_by")
    if not (everyone and is_admin(user)):
        rows = rows.filter(Q(principal=user) | Q(delegate=user))
    return rows.order_by("-starts_on", "-pk")


def delegation_get(*, user: User, pk: Any) -> Delegation:
    """One delegation the user may see (else 404)."""
    return fetch_or_404(delegation_list(user=user, everyone=True), pk=pk)
