"""Capturing and editing leads (收集和生成线索)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import can_change, has_any_role
from ltc.core.concurrency import save_if_current
from ltc.core.events import emit
from ltc.leads.access import LEAD_WRITE_ROLES, can_change_lead, can_route
from ltc.leads.choices import LeadStatus
from ltc.leads.events import LeadCreated
from ltc.leads.models import UTM_FIELDS, Lead
from ltc.leads.services import routing, scoring
from ltc.org.models import User

CAPTURE_FIELDS = (
    "source",
    "campaign",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "company_name",
    "credit_code",
    "contact_name",
    "contact_title",
    "mobile",
    "email",
    "region",
    "industry",
    "company_size",
    "need",
    "budget_amount",
    "budget_currency",
    "timeframe",
    "notes",
)
EDIT_FIELDS = (
    *CAPTURE_FIELDS,
    "temperature",
    "need_confirmed",
    "budget_confirmed",
    "decision_maker_identified",
    "timeframe_known",
)
CHECK_FIELDS = ("need_confirmed", "budget_confirmed", "decision_maker_identified", "timeframe_known")


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def check_owner(actor: User, owner: User | None) -> None:
    """An owner must be active, and someone the actor may hand work to."""
    if owner is None:
        return
    if not owner.is_active:
        raise ValidationError({"owner": [_("The owner must be an active user.")]})
    if owner.pk != actor.pk and not (
        has_any_role(actor, ("marketing", "admin")) or can_change(actor, owner.pk, owner.team_id)
    ):
        raise ValidationError({"owner": [_("You may only give leads to yourself or to people in your teams.")]})


def lead_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    owner: User | None = None,
    route: bool = True,
    consented: bool = False,
    via: str = "",
    **system: Any,
) -> Lead:
    """Capture a lead. Without an owner the assignment rules route it; unmatched leads join the pool.

    `actor` is None for public web forms. `system` sets fields no user may set (web_form,
    submitter_ip); `consented` tells (in `LeadCreated`) that the person ticked a web form's
    marketing consent; `via` says how the lead came in when its caller knows better than the
    lead's own fields (a marketing event's registration: "event"). Refuses invalid fields (422) and roles that may not capture leads (403).
    Duplicates are allowed: callers show `lead_matches` as a warning.
    """
    if actor is not None and not has_any_role(actor, LEAD_WRITE_ROLES):
        raise PermissionDenied(_("Your roles do not allow capturing leads."))
    _unknown_fields(data, CAPTURE_FIELDS)
    if actor is not None:
        check_owner(actor, owner)
    lead = Lead(**data, **system, created_by=actor)
    lead.normalise()
    errors: dict[str, list[str]] = {}
    try:
        lead.full_clean(exclude=["owner"])
    except ValidationError as exc:
        errors = exc.message_dict
    if not (lead.company_name or lead.contact_name):
        errors.setdefault("company_name", []).append(_("Give at least a company or a contact name."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    scoring.lead_rescore(lead=lead)
    with transaction.atomic():
        if owner is not None:
            lead.owner = owner
            lead.assigned_at = now
            lead.first_contact_due_at = now + routing.DEFAULT_FIRST_CONTACT
        elif route:
            router = routing.Router.load()
            routing.apply(router, [lead], now=now)
            router.save_positions()
        lead.save()
        timeline.record_created(actor=actor, subject=lead)
        emit(
            LeadCreated(
                subject_id=lead.pk,
                source=lead.source,
                campaign=lead.campaign,
                owner_id=lead.owner_id,
                consented=consented,
                **{name: getattr(lead, name) for name in UTM_FIELDS},
                via=via or ("web_form" if lead.web_form_id else ""),
            )
        )
    return lead


def lead_update(*, actor: User, lead: Lead, data: dict[str, Any], expected_version: int) -> Lead:
    """Edit capture fields, temperature and the verification checklist; the score follows.

    Setting a checklist item moves a new lead to verifying. Refuses closed leads.
    """
    if not can_change_lead(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))
    _unknown_fields(data, EDIT_FIELDS)
    if not lead.is_open:
        raise ValidationError({"__all__": [_("A converted or disqualified lead cannot be edited; recycle it first.")]})
    before = timeline.snapshot(lead, data.keys())
    for name, value in data.items():
        setattr(lead, name, value)
    lead.normalise()
    lead.full_clean(exclude=["owner"])
    fields = [*data.keys(), "company_key", "email_key", "mobile_key", "score", "score_details"]
    if lead.status == LeadStatus.NEW and any(data.get(name) for name in CHECK_FIELDS):
        before["status"] = lead.status
        lead.status = LeadStatus.VERIFYING
        fields.append("status")
    done = scoring.done_activity_counts([lead.pk]).get(lead.pk, 0)
    lead.score, lead.score_details = scoring.compute_score(lead, scoring.active_rules(), done_activities=done)
    with transaction.atomic():
        save_if_current(lead, expected_version=expected_version, fields=fields)
        timeline.record_changes(actor=actor, subject=lead, before=before)
    return lead


def lead_note_add(*, actor: User, lead: Lead, text: str) -> Any:
    return timeline.note_add(actor=actor, subject=lead, text=text)


def require_router(actor: User) -> None:
    if not can_route(actor):
        raise PermissionDenied(_("Only managers and marketing may route leads."))
