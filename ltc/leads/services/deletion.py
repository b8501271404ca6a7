"""Deleting a lead entered by mistake: into the recycle bin (core.recycle), restorable for 30 days."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import RecycledRecord
from ltc.core.recycle import record_recycle
from ltc.leads.access import can_change_lead
from ltc.leads.choices import LeadStatus
from ltc.leads.models import Lead
from ltc.org.models import User


def refuse_converted(lead: Lead) -> None:
    """A converted lead is the origin of an account, a contact and a deal: it stays."""
    if lead.status == LeadStatus.CONVERTED or lead.converted_at is not None:
        raise ValidationError({"status": [ValidationError(_("A converted lead cannot be deleted."), code="converted")]})


def lead_delete(*, actor: User, lead: Lead, expected_version: int | None = None) -> RecycledRecord:
    """Delete a lead and its activities into the recycle bin (restorable for 30 days); its
    timeline keeps a final entry. Only who may change the lead may delete it.

    Refuses a converted lead, one a deal came from or another lead was merged into (field error,
    nothing changed), and a stale `expected_version` (StaleVersionError)."""
    if not can_change_lead(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))
    refuse_converted(lead)
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersionError(locked.version)
        return record_recycle(
            actor=actor,
            record=locked,
            protected_message=_("This lead is still referred to by %(kinds)s; disqualify it instead."),
        )
