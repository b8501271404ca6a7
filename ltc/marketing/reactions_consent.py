"""Consent given on a public web form (the lead's `LeadCreated` with `consented`): recorded in the
capture's transaction, for the e-mail address and the mobile the person left, with the form's
name as its source and the time of the submission. Anyone may type anyone's address on a public
form: such a grant never turns back a withdrawal (`consent_record(verified=False)`)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.events import IN_TRANSACTION, react
from ltc.leads.events import LeadCreated
from ltc.leads.models import Lead
from ltc.marketing.models import ConsentBasis, ConsentChannel, ConsentState
from ltc.marketing.services.consent import consent_record


def consent_from_web_forms(events: list[LeadCreated]) -> None:
    ids = [e.subject_id for e in events if e.consented]
    if not ids:
        return
    now = timezone.now()
    for lead in (
        Lead.objects.filter(pk__in=ids)
        .select_related("web_form")
        .only("pk", "email", "mobile", "created_at", "web_form__name")
    ):
        name = lead.web_form.name if lead.web_form is not None else ""
        source = _("web form %(name)s") % {"name": name}
        for address, channel in ((lead.email, ConsentChannel.EMAIL), (lead.mobile, ConsentChannel.SMS)):
            if address:
                consent_record(
                    address=address,
                    channel=channel,
                    state=ConsentState.GRANTED,
                    basis=ConsentBasis.CONSENT,
                    source=source,
                    at=lead.created_at or now,
                    verified=False,
                )


def consent_from_web_form(event: LeadCreated) -> None:
    consent_from_web_forms([event])


def register() -> None:
    react(LeadCreated, consent_from_web_form, runs=IN_TRANSACTION, many=consent_from_web_forms)
