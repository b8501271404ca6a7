"""Data-subject requests under PIPL (个人信息保护法): a copy of a person's data (art. 45) and its
erasure (art. 47), for one lead or one contact, run by marketing or an administrator and kept
with who asked, who did it, when and what. Erasure anonymises through the owning stage's own
service (`lead_anonymise`, `contact_anonymise`): what finance must keep stays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.customers.models import Contact
from ltc.customers.services import contact_anonymise
from ltc.leads.models import Lead
from ltc.leads.services import lead_anonymise
from ltc.marketing.access import can_manage_marketing
from ltc.marketing.models import CampaignMember, Consent, ConsentRecord, Touch
from ltc.marketing.models.email import EmailMessage
from ltc.marketing.models.privacy import DataSubjectRequest, RequestKind, RequestStatus
from ltc.marketing.services.consent import address_hash, address_key

LEAD_EXPORT_FIELDS = (
    "contact_name",
    "contact_title",
    "company_name",
    "mobile",
    "email",
    "region",
    "industry",
    "need",
    "notes",
    "source",
    "campaign",
    "status",
    "created_at",
)
CONTACT_EXPORT_FIELDS = ("name", "title", "department", "mobile", "phone", "email", "notes", "created_at")


def _require_manager(actor: Any) -> None:
    if not can_manage_marketing(actor):
        raise PermissionDenied(_("Only marketing and administrators may handle data-subject requests."))


def data_request_list(*, user: Any) -> QuerySet[DataSubjectRequest]:
    """The requests a user may see: all for marketing and administrators, none for anyone else."""
    queryset = DataSubjectRequest.objects.select_related("lead", "contact", "created_by", "done_by")
    return queryset if can_manage_marketing(user) else queryset.none()


def data_request_get(*, user: Any, pk: Any) -> DataSubjectRequest | None:
    return data_request_list(user=user).filter(pk=pk).first()


def subject_get(*, user: Any, lead_id: int | None = None, contact_id: int | None = None) -> Lead | Contact | None:
    """The lead or contact a request may name: any, for marketing and administrators (they answer
    every person's requests); nothing for anyone else. A merged contact names its survivor."""
    if not can_manage_marketing(user):
        return None
    if lead_id:
        return Lead.objects.filter(pk=lead_id).first()
    if contact_id:
        return Contact.objects.filter(pk=contact_id).first()
    return None


def data_request_create(
    *,
    actor: Any,
    kind: str,
    asked_via: str,
    lead: Lead | None = None,
    contact: Contact | None = None,
    asked_at: datetime | None = None,
) -> DataSubjectRequest:
    """Record that a person asked for a copy or the erasure of their data; a naive `asked_at` is
    read in the current time zone. Field errors for an unknown kind, a blank channel, no person
    (or two), a date in the future, an erasure of a person erased already; refuses anyone but
    marketing and administrators."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose export or erase.")]
    if not (asked_via or "").strip():
        errors["asked_via"] = [_("Say how the person asked.")]
    if (lead is None) == (contact is None):
        errors["__all__"] = [_("Name one lead or one contact.")]
    now = timezone.now()
    if asked_at is not None and timezone.is_naive(asked_at):
        # A date without a zone (an API client's "2020-01-01T10:00:00") is read as local time.
        asked_at = timezone.make_aware(asked_at)
    if asked_at is not None and asked_at > now:
        errors["asked_at"] = [_("The request cannot come from the future.")]
    subject = lead or contact
    if kind == RequestKind.ERASE and subject is not None and subject.erased_at is not None:
        errors["__all__"] = [_("This person's data was erased already.")]
    if errors:
        raise ValidationError(errors)
    return DataSubjectRequest.objects.create(
        kind=kind,
        lead=lead,
        contact=contact,
        asked_via=asked_via.strip()[:200],
        asked_at=asked_at or now,
        created_by=actor,
    )


def _addresses(subject: Lead | Contact) -> list[str]:
    return [address_key(a) for a in (subject.email, subject.mobile) if a]


def _person_filter(subject: Lead | Contact) -> dict[str, Any]:
    return {"lead": subject} if isinstance(subject, Lead) else {"contact": subject}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def person_export(subject: Lead | Contact) -> dict[str, Any]:
    """Everything marketing and the record keep about one person, as plain JSON: their fields,
    consents with history, campaign memberships, touches and the e-mails sent to them. A fixed
    number of queries, whatever the person's history."""
    fields = LEAD_EXPORT_FIELDS if isinstance(subject, Lead) else CONTACT_EXPORT_FIELDS
    person: dict[str, Any] = {name: _value(getattr(subject, name)) for name in fields}
    if isinstance(subject, Contact):
        person["account"] = subject.account.name
    addresses = _addresses(subject)
    consents = Consent.objects.filter(address__in=addresses).order_by("address", "channel")
    records = ConsentRecord.objects.filter(address__in=addresses).order_by("recorded_at", "pk")
    which = _person_filter(subject)
    members = CampaignMember.objects.filter(**which).select_related("campaign").order_by("added_at", "pk")
    touches = Touch.objects.filter(**which).select_related("campaign").order_by("occurred_at", "pk")
    emails = EmailMessage.objects.filter(**which, is_test=False).order_by("queued_at", "pk")
    return {
        "kind": "lead" if isinstance(subject, Lead) else "contact",
        "id": subject.pk,
        "exported_at": timezone.now().isoformat(),
        "person": person,
        "consents": [
            {
                "address": c.address,
                "channel": c.channel,
                "state": c.state,
                "basis": c.basis,
                "source": c.source,
                "recorded_at": _value(c.recorded_at),
            }
            for c in consents
        ],
        "consent_history": [
            {
                "address": r.address,
                "channel": r.channel,
                "state": r.state,
                "basis": r.basis,
                "source": r.source,
                "recorded_at": _value(r.recorded_at),
            }
            for r in records
        ],
        "campaigns": [
            {
                "campaign": m.campaign.name,
                "status": m.status,
                "added_at": _value(m.added_at),
                "status_at": _value(m.status_at),
            }
            for m in members
        ],
        "touches": [
            {"campaign": t.campaign.name, "kind": t.kind, "occurred_at": _value(t.occurred_at)} for t in touches
        ],
        "emails": [
            {
                "address": e.address,
                "subject": e.subject,
                "status": e.status,
                "sent_at": _value(e.sent_at),
                "opened_at": _value(e.opened_at),
                "clicked_at": _value(e.clicked_at),
            }
            for e in emails
        ],
    }


def data_request_export(*, actor: Any, request: DataSubjectRequest) -> dict[str, Any]:
    """The person's data for an export request. Reading changes nothing: the request is closed
    by `data_request_given` once the copy was handed over. Refuses an erasure request and anyone
    but marketing and administrators."""
    _require_manager(actor)
    if request.kind != RequestKind.EXPORT:
        raise ValidationError({"kind": [_("Only an export request gives a copy of the data.")]})
    return person_export(request.subject)  # type: ignore[arg-type]


def data_request_given(*, actor: Any, request: DataSubjectRequest) -> DataSubjectRequest:
    """Close an open export request: the copy was given to the person (who, when, and what the
    copy held, counted now). Refuses an erasure request, a request done already and anyone but
    marketing and administrators."""
    _require_manager(actor)
    if request.kind != RequestKind.EXPORT:
        raise ValidationError({"kind": [_("Only an export request gives a copy of the data.")]})
    with transaction.atomic():
        locked = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.OPEN:
            raise ValidationError({"__all__": [_("This request is done already.")]})
        data = person_export(request.subject)  # type: ignore[arg-type]
        request.status = RequestStatus.DONE
        request.done_by = actor
        request.done_at = timezone.now()
        request.outcome = _(
            "Copy given: %(consents)d consent records, %(campaigns)d campaigns, %(touches)d touches, "
            "%(emails)d e-mails."
        ) % {
            "consents": len(data["consent_history"]),
            "campaigns": len(data["campaigns"]),
            "touches": len(data["touches"]),
            "emails": len(data["emails"]),
        }
        request.save(update_fields=["status", "done_by", "done_at", "outcome"])
    return request


def data_request_erase(*, actor: Any, request: DataSubjectRequest, confirmed: bool) -> DataSubjectRequest:
    """Erase the person of an erasure request: their lead or contact anonymised by its own
    service (which also blanks the erased values in its timeline), their consents and consent
    history keyed by a hash of the address, the e-mails sent to them (linked to the person or to
    their address) stripped of address, name, subject and last error. Invoices, payments, contracts, the account, campaign
    memberships and touches stay. Refuses without `confirmed`, a done request, an export request
    and anyone but marketing and administrators."""
    _require_manager(actor)
    if request.kind != RequestKind.ERASE:
        raise ValidationError({"kind": [_("Only an erasure request erases data.")]})
    if request.status != RequestStatus.OPEN:
        raise ValidationError({"__all__": [_("This request is done already.")]})
    if not confirmed:
        raise ValidationError({"confirm": [_("Confirm the erasure: it cannot be undone.")]})
    subject = request.subject
    with transaction.atomic():
        locked = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.OPEN:
            raise ValidationError({"__all__": [_("This request is done already.")]})
        addresses = _addresses(subject)  # type: ignore[arg-type]
        hashed = _erase_consents(addresses)
        emails = _erase_emails(subject)  # type: ignore[arg-type]
        if isinstance(subject, Lead):
            lead_anonymise(actor=actor, lead=subject)
        else:
            contact_anonymise(actor=actor, contact=subject)  # type: ignore[arg-type]
        request.status = RequestStatus.DONE
        request.done_by = actor
        request.done_at = timezone.now()
        request.outcome = _("Personal fields erased; %(consents)d consents and %(emails)d e-mails anonymised.") % {
            "consents": hashed,
            "emails": emails,
        }
        request.save(update_fields=["status", "done_by", "done_at", "outcome"])
    return request


def _erase_emails(subject: Lead | Contact) -> int:
    """Blank the person's data on the marketing e-mails sent to them: those linked to the lead or
    contact and those sent to their address without a link (a test send, a list import). The
    rendered subject may hold their name; an SMTP error may quote their address."""
    which = Q(**_person_filter(subject))
    if subject.email:
        which |= Q(address__iexact=address_key(subject.email))
    return EmailMessage.objects.filter(which).update(
        address=address_hash(subject.email or f"{subject._meta.model_name}-{subject.pk}"),
        name="",
        subject="",
        last_error="",
    )


def _erase_consents(addresses: list[str]) -> int:
    """Key the consents and their history of `addresses` by the address's hash (two rows on one
    channel cannot both exist: a hashed row already there keeps the newer state)."""
    count = 0
    for address in addresses:
        hashed = address_hash(address)
        for consent in Consent.objects.select_for_update().filter(address=address):
            existing = Consent.objects.filter(address=hashed, channel=consent.channel).first()
            if existing is not None:
                ConsentRecord.objects.filter(consent=consent).update(consent=existing)
                if consent.recorded_at > existing.recorded_at:
                    for name in ("state", "basis", "source", "recorded_at", "recorded_by"):
                        setattr(existing, name, getattr(consent, name))
                    existing.save(update_fields=["state", "basis", "source", "recorded_at", "recorded_by"])
                consent.delete()
            else:
                consent.address = hashed
                consent.save(update_fields=["address"])
            count += 1
        ConsentRecord.objects.filter(address=address).update(address=hashed)
    return count
