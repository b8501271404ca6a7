"""The consent panel on the contact and lead pages (ltc.core.panels): the current consent of the
person's e-mail and mobile on each channel (state, lawful basis, source, time) and its history,
for whoever may open the page; the form to record a consent and the data-request buttons only
for marketing and administrators."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ltc.core.panels import Panel, register
from ltc.customers.models import Contact
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing
from ltc.marketing.models import Consent, ConsentRecord
from ltc.marketing.models.privacy import DataSubjectRequest
from ltc.marketing.services.consent import address_key

HISTORY_SHOWN = 10


def person_consent(user: Any, record: Lead | Contact) -> dict[str, Any]:
    addresses = [address_key(a) for a in (record.email, record.mobile) if a]
    consents = list(Consent.objects.filter(address__in=addresses).order_by("address", "channel")) if addresses else []
    history = (
        list(ConsentRecord.objects.filter(address__in=addresses).order_by("-recorded_at", "-pk")[:HISTORY_SHOWN])
        if addresses
        else []
    )
    manages = can_manage_marketing(user)
    which: dict[str, Lead | Contact] = {"lead": record} if isinstance(record, Lead) else {"contact": record}
    requests = list(DataSubjectRequest.objects.filter(**which).order_by("-created_at", "-pk")[:5]) if manages else []
    return {
        "addresses": addresses,
        "consents": consents,
        "history": history,
        "manages": manages,
        "erased": record.erased_at is not None,
        "subject_field": "lead" if isinstance(record, Lead) else "contact",
        "requests": requests,
    }


for _record, _key in ((Contact, "contact-consent"), (Lead, "lead-consent")):
    register(
        Panel(
            record=_record,
            key=_key,
            title=_("Consent (PIPL)"),
            template="marketing/consent_panel.html",
            selector=person_consent,
            max_queries=4,
            order=90,
        )
    )
