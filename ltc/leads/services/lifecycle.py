"""Verify, qualify, disqualify, recycle, assign, nurture, merge and convert leads."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import activities, timeline
from ltc.core.access import get_visible_or_404
from ltc.core.bulk import bulk_insert
from ltc.core.events import emit, emit_many
from ltc.core.models import Activity, ActivityKind, NotificationKind, TimelineEvent, TimelineKind
from ltc.core.notifications import notify
from ltc.customers import services as customer_services
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account, Contact
from ltc.leads.access import can_change_lead
from ltc.leads.choices import OPEN_STATUSES, CheckItem, DisqualifyReason, LeadStatus
from ltc.leads.events import LeadAssigned, LeadConverted, LeadDisqualified, LeadMerged, LeadQualified
from ltc.leads.models import Lead, QualificationPolicy
from ltc.leads.services import routing, scoring
from ltc.leads.services.capture import CAPTURE_FIELDS, check_owner, require_router
from ltc.org.models import User

ROUTE_CHUNK = 5000
CONTACT_KINDS = (ActivityKind.CALL, ActivityKind.VISIT, ActivityKind.MEETING, ActivityKind.EMAIL)


def _require_change(actor: User, lead: Lead) -> None:
    if not can_change_lead(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))


def _require_open(lead: Lead) -> None:
    if lead.status not in OPEN_STATUSES:
        raise ValidationError(
            {"status": [_("This lead is %(status)s.") % {"status": lead.get_status_display()}]}, code="closed"
        )


def _set(lead: Lead, actor: User | None, **values: Any) -> None:
    """Change fields of a lead, bump its version and record old → new on the timeline."""
    before = timeline.snapshot(lead, values.keys())
    for name, value in values.items():
        setattr(lead, name, value)
    lead.version += 1
    lead.updated_at = timezone.now()
    lead.save(update_fields=[*values.keys(), "version", "updated_at"])
    timeline.record_changes(actor=actor, subject=lead, before=before)


def missing_for_qualification(lead: Lead) -> list[str]:
    """Labels of the required checklist items this lead lacks."""
    done = lead.checklist()
    return [str(CheckItem(item).label) for item in QualificationPolicy.current().required_items if not done.get(item)]


def lead_qualify(*, actor: User, lead: Lead, override_reason: str = "") -> Lead:
    """Mark a verified lead qualified.

    Refused with the list of missing checklist items; a manager (or admin) may override with a
    reason, which is recorded on the timeline.
    """
    _require_change(actor, lead)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.status not in (LeadStatus.NEW, LeadStatus.VERIFYING):
            raise ValidationError({"status": [_("Only new or verifying leads can be qualified.")]}, code="closed")
        missing = missing_for_qualification(lead)
        reason = override_reason.strip()
        if missing and not reason:
            raise ValidationError(
                {"__all__": [ValidationError(_("Missing: %(items)s.") % {"items": "; ".join(missing)}, code="gate")]}
            )
        if missing:
            if not (actor.has_role("sales_manager", "admin") or actor.managed_team_ids()):
                raise PermissionDenied(_("Only a manager may qualify a lead with items missing."))
            timeline.note_add(
                actor=actor,
                subject=lead,
                text=_("Qualified by override. Missing: %(items)s. Reason: %(reason)s")
                % {"items": "; ".join(missing), "reason": reason},
            )
        _set(lead, actor, status=LeadStatus.QUALIFIED, qualified_at=timezone.now())
        emit(LeadQualified(subject_id=lead.pk, owner_id=lead.owner_id, overridden=bool(missing)))
    return lead


def lead_disqualify(*, actor: User, lead: Lead, reason: str, note: str = "") -> Lead:
    """Close an open lead as disqualified with a reason (no need, no budget, ...)."""
    _require_change(actor, lead)
    _require_open(lead)
    if reason not in DisqualifyReason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    with transaction.atomic():
        if note.strip():
            timeline.note_add(actor=actor, subject=lead, text=note)
        _set(lead, actor, status=LeadStatus.DISQUALIFIED, disqualify_reason=reason)
        emit(LeadDisqualified(subject_id=lead.pk, reason=reason))
    return lead


def lead_recycle(*, actor: User, lead: Lead) -> Lead:
    """Return a disqualified lead to the funnel: new, unassigned, routed again by the rules."""
    _require_change(actor, lead)
    if lead.status != LeadStatus.DISQUALIFIED or lead.merged_into_id:
        raise ValidationError({"status": [_("Only disqualified leads that were not merged can be recycled.")]})
    now = timezone.now()
    with transaction.atomic():
        router = routing.Router.load()
        probe = Lead(**{f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields})
        assignment = router.route(probe, now=now)
        router.save_positions()
        _set(
            lead,
            actor,
            status=LeadStatus.NEW,
            disqualify_reason="",
            owner_id=assignment.owner_id if assignment else None,
            assigned_at=now if assignment else None,
            first_contact_due_at=assignment.due_at if assignment else None,
            first_contacted_at=None,
        )
    return lead


def lead_assign(*, actor: User, lead: Lead, owner: User | None) -> Lead:
    """Hand a lead to someone (or back to the pool); restarts the first-contact clock."""
    _require_change(actor, lead)
    _require_open(lead)
    if owner is not None and owner.pk != actor.pk:
        require_router(actor)
    check_owner(actor, owner)
    now = timezone.now()
    with transaction.atomic():
        _set(
            lead,
            actor,
            owner_id=owner.pk if owner else None,
            assigned_at=now if owner else None,
            first_contact_due_at=(now + routing.DEFAULT_FIRST_CONTACT)
            if owner and not lead.first_contacted_at
            else lead.first_contact_due_at,
        )
        emit(LeadAssigned(subject_id=lead.pk, owner_id=lead.owner_id))
        notify([owner], NotificationKind.ASSIGNMENT, subject=lead, actor=actor)
    return lead


def leads_route(*, actor: User, leads: list[Lead]) -> int:
    """Score and route unassigned open leads now; returns how many were routed.

    Scores are recomputed first because rules may match on them. Set-based: lead inputs are read
    as rows, and leads ending with the same score and owner are written by one UPDATE per group.
    """
    require_router(actor)
    ids = [lead.pk for lead in leads if lead.owner_id is None and lead.status in OPEN_STATUSES]
    now = timezone.now()
    routed: list[tuple[int, str]] = []
    groups: dict[tuple[Any, ...], list[int]] = {}
    with transaction.atomic():
        router = routing.Router.load()
        rules = scoring.active_rules()
        for start in range(0, len(ids), ROUTE_CHUNK):
            part = ids[start : start + ROUTE_CHUNK]
            counts = scoring.done_activity_counts(part)
            for inputs in Lead.objects.filter(pk__any=part).values(*scoring.SCORE_INPUTS):
                row = SimpleNamespace(**inputs)
                row.score, details = scoring.compute_score(row, rules, done_activities=counts.get(row.id, 0))
                assignment = router.route(row, now=now)
                key: tuple[Any, ...] = (row.score, json.dumps(details, ensure_ascii=False))
                if assignment is not None:
                    key += (assignment.owner_id, assignment.rule.pk, assignment.due_at)
                    routed.append((row.id, assignment.rule.name))
                groups.setdefault(key, []).append(row.id)
        router.save_positions()
        for key, pks in groups.items():
            changes: dict[str, Any] = {"score": key[0], "score_details": json.loads(key[1])}
            if len(key) > 2:
                changes.update(
                    owner_id=key[2],
                    assignment_rule_id=key[3],
                    assigned_at=now,
                    first_contact_due_at=key[4],
                    version=F("version") + 1,
                    updated_at=now,
                )
            for start in range(0, len(pks), ROUTE_CHUNK):
                Lead.objects.filter(pk__any=pks[start : start + ROUTE_CHUNK]).update(**changes)
        # One insert of outbox rows for all the leads routed (a set-based path).
        emit_many(
            [
                LeadAssigned(subject_id=pk, owner_id=key[2], rule_id=key[3])
                for key, pks in groups.items()
                if len(key) > 2
                for pk in pks
            ]
        )
        lead_type = ContentType.objects.get_for_model(Lead).pk
        notes = {rule.name: _("Routed by rule “%(rule)s”.") % {"rule": rule.name} for rule in router.rules}
        no_changes: list[Any] = []
        bulk_insert(
            TimelineEvent,
            ("content_type_id", "object_id", "kind", "actor_id", "at", "text", "changes"),
            ((lead_type, pk, TimelineKind.NOTE, actor.pk, now, notes[rule], no_changes) for pk, rule in routed),
        )
    return len(routed)


def lead_activity_log(
    *,
    actor: User,
    lead: Lead,
    kind: str,
    title: str,
    done: bool,
    due_at: datetime | None = None,
    remind_at: datetime | None = None,
    outcome: str = "",
) -> Activity:
    """Plan or log a follow-up. A done call, visit, meeting or email counts as contact reached."""
    _require_change(actor, lead)
    with transaction.atomic():
        activity = activities.activity_create(
            actor=actor,
            subject=lead,
            kind=kind,
            title=title,
            owner=lead.owner or actor,
            due_at=due_at,
            remind_at=remind_at,
            done=done,
            outcome=outcome,
        )
        if done:
            _after_contact(actor, lead, activity)
    return activity


def lead_activity_complete(*, actor: User, lead: Lead, activity: Activity, outcome: str = "") -> Activity:
    _require_change(actor, lead)
    with transaction.atomic():
        activity = activities.activity_complete(actor=actor, activity=activity, outcome=outcome)
        _after_contact(actor, lead, activity)
    return activity


def _after_contact(actor: User, lead: Lead, activity: Activity) -> None:
    changes: dict[str, Any] = {}
    if activity.kind in CONTACT_KINDS and lead.first_contacted_at is None:
        changes["first_contacted_at"] = activity.done_at
    if lead.status == LeadStatus.NEW:
        changes["status"] = LeadStatus.VERIFYING
    if changes:
        _set(lead, actor, **changes)
    scoring.lead_rescore(lead=lead)


def lead_merge(*, actor: User, survivor: Lead, other: Lead) -> Lead:
    """Merge `other` into `survivor`: empty fields are filled from it, its activities move over,
    and it is closed as a duplicate pointing at the survivor. Both timelines stay readable.
    """
    if survivor.pk == other.pk:
        raise ValidationError({"other": [_("Choose a different lead to merge.")]})
    for lead in (survivor, other):
        _require_change(actor, lead)
        if lead.status == LeadStatus.CONVERTED or lead.merged_into_id:
            raise ValidationError({"other": [_("Converted or already merged leads cannot be merged.")]})
    fills = {
        name: getattr(other, name)
        for name in (
            *CAPTURE_FIELDS,
            "need_confirmed",
            "budget_confirmed",
            "decision_maker_identified",
            "timeframe_known",
        )
        if not getattr(survivor, name) and getattr(other, name)
    }
    if other.first_contacted_at and not survivor.first_contacted_at:
        fills["first_contacted_at"] = other.first_contacted_at
    with transaction.atomic():
        lead_type = ContentType.objects.get_for_model(Lead)
        Activity.objects.filter(content_type=lead_type, object_id=other.pk).update(object_id=survivor.pk)
        if fills:
            _set(survivor, actor, **fills)
            survivor.normalise()
            Lead.objects.filter(pk=survivor.pk).update(
                company_key=survivor.company_key, email_key=survivor.email_key, mobile_key=survivor.mobile_key
            )
        timeline.note_add(
            actor=actor, subject=survivor, text=_("Merged lead #%(pk)s into this one.") % {"pk": other.pk}
        )
        timeline.note_add(actor=actor, subject=other, text=_("Merged into lead #%(pk)s.") % {"pk": survivor.pk})
        _set(
            other,
            actor,
            status=LeadStatus.DISQUALIFIED,
            disqualify_reason=DisqualifyReason.DUPLICATE,
            merged_into_id=survivor.pk,
        )
        scoring.lead_rescore(lead=survivor)
        emit(LeadMerged(subject_id=other.pk, into_id=survivor.pk))
    return survivor


def lead_timeline(lead: Lead, *, limit: int = 100) -> list[TimelineEvent]:
    """The lead's history including that of leads merged into it."""
    ids = [lead.pk, *Lead.objects.filter(merged_into=lead).values_list("pk", flat=True)]
    return list(
        TimelineEvent.objects.filter(content_type=ContentType.objects.get_for_model(Lead), object_id__in=ids)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def lead_convert(*, actor: User, lead: Lead, account: Account | None = None) -> Lead:
    """Convert a qualified lead: link (or create) its Account and Contact using the dedupe keys.

    An existing account with the same credit code or name is linked when the actor may see it;
    one the actor may not see is refused with a message rather than duplicated.
    """
    _require_change(actor, lead)
    if lead.status != LeadStatus.QUALIFIED:
        raise ValidationError({"status": [_("Only qualified leads can be converted.")]}, code="not_qualified")
    with transaction.atomic():
        if account is None:
            account = _match_account(actor, lead)
        if account is None:
            account = customer_services.account_create(
                actor=actor,
                data={
                    "name": lead.company_name or lead.contact_name,
                    "credit_code": lead.credit_code,
                    "region": lead.region,
                    "industry": lead.industry,
                    "size": lead.company_size,
                    "owner": lead.owner or actor,
                },
            )
        contact = _match_contact(account, lead)
        if contact is None and lead.contact_name:
            contact = customer_services.contact_create(
                actor=actor,
                data={
                    "account": account,
                    "name": lead.contact_name,
                    "title": lead.contact_title,
                    "mobile": lead.mobile,
                    "email": lead.email,
                },
            )
        _set(lead, actor, status=LeadStatus.CONVERTED, converted_at=timezone.now(), account=account, contact=contact)
        emit(LeadConverted(subject_id=lead.pk, account_id=account.pk, contact_id=contact.pk if contact else None))
    return lead


def _match_account(actor: User, lead: Lead) -> Account | None:
    match = Q(pk__in=[])
    if lead.credit_code:
        match |= Q(credit_code=lead.credit_code)
    if lead.company_key:
        match |= Q(name_key=lead.company_key)
    found = Account.objects.active().filter(match).order_by("-credit_code", "id").first()
    if found is None:
        return None
    try:
        return get_visible_or_404(Account.objects.active(), actor, found.pk, visible=account_visible_q(actor))
    except Http404 as exc:
        # The name of an account out of the user's sight is not shown (as in the duplicate checks).
        raise ValidationError(
            {"account": [_("This customer already exists and belongs to another team; ask your manager.")]}
        ) from exc


def _match_contact(account: Account, lead: Lead) -> Contact | None:
    match = Q(pk__in=[])
    if lead.email_key:
        match |= Q(email_key=lead.email_key)
    if lead.mobile_key:
        match |= Q(mobile_key=lead.mobile_key)
    return account.contacts.filter(match).order_by("id").first()
