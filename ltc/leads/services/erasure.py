"""Erasing a lead's personal data at the person's request (PIPL art. 47, 删除权)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.leads.models import Lead
from ltc.org.models import User

ERASERS = ("marketing", "admin")
ERASED_NAME = "已删除用户 #{pk}"
# Personal fields: blanked (the contact name is replaced). The company, the need, the source,
# the status, the amounts and the links to the account and the deal stay: they are the business's.
ERASED_FIELDS = ("contact_name", "contact_title", "mobile", "mobile_key", "email", "email_key", "notes", "submitter_ip")


def lead_anonymise(*, actor: User, lead: Lead) -> Lead:
    """Replace the lead's personal fields: contact name → "已删除用户 #id", mobile, e-mail, title,
    notes and the submitter's IP blanked, `erased_at` set; the old and new values of those fields
    are blanked in the lead's timeline too, and the timeline records which fields were erased
    (never their values). The stored name marker is Chinese whatever the reader's language
    (documented in docs/guide/marketing-consent.md). Refuses anyone but marketing and administrators, and a lead
    erased already."""
    if not has_any_role(actor, ERASERS):
        raise PermissionDenied(_("Only marketing and administrators may erase personal data."))
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.erased_at is not None:
            raise ValidationError({"__all__": [_("This person's data was erased already.")]})
        erased = [name for name in ERASED_FIELDS if getattr(locked, name) not in ("", None)]
        for name in ERASED_FIELDS:
            setattr(locked, name, None if name == "submitter_ip" else "")
        locked.contact_name = ERASED_NAME.format(pk=locked.pk)
        locked.erased_at = timezone.now()
        locked.version += 1
        locked.updated_at = locked.erased_at
        locked.save(update_fields=[*ERASED_FIELDS, "erased_at", "version", "updated_at"])
        timeline.scrub_values(locked, ERASED_FIELDS)
        timeline.record_field_changes(
            actor=actor,
            subject=locked,
            changes=[],
            text=_("Personal data erased at the person's request: %(fields)s.")
            % {
                "fields": ", ".join(
                    str(getattr(Lead._meta.get_field(name), "verbose_name", name))
                    for name in erased
                    if "_key" not in name
                )
            },
        )
    for name in (*ERASED_FIELDS, "erased_at", "version", "updated_at"):
        setattr(lead, name, getattr(locked, name))
    return lead
