"""The customer portal (客户门户): one-time sign-in links mailed to a contact, and what a signed-in
contact reads and does — always for the contact's own company (account), never more.

Reads are allow-lists: the pages draw only the fields these functions' callers name; internal
notes, owners, teams, costs and SLA internals are never selected for the portal's pages."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.billing.models import Invoice
from ltc.core import normalize
from ltc.core.forms import is_id
from ltc.core.links import absolute_url
from ltc.core.mail import mail_queue
from ltc.customers.models import Contact
from ltc.service.models import (
    Asset,
    AssetStatus,
    Case,
    CaseCategory,
    CaseChannel,
    CaseMessage,
    CaseStatus,
    MessageKind,
    PortalLink,
    Priority,
)
from ltc.service.portal import active_contacts

LINK_LIFETIME = timedelta(minutes=15)
# Links mailed to one contact per RATE_WINDOW; past it the request is silently not served (the
# page answers the same, so the limit tells nothing about the address).
ADDRESS_LIMIT = 3
# Requests from one network address per RATE_WINDOW, whatever address was typed.
IP_LIMIT = 10
RATE_WINDOW = timedelta(hours=1)
# The priorities a customer may choose; P1 (critical) is raised by phone with the service desk.
CUSTOMER_PRIORITIES = (Priority.P2, Priority.P3, Priority.P4)


class RateLimited(Exception):
    """Too many sign-in requests from one network address."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkRequest:
    """What a request for a sign-in link did (the page shows none of it)."""

    mailed: int


def portal_link_request(*, email: str, ip: str | None) -> LinkRequest:
    """Mail a one-time sign-in link to each active contact with `email` (one per company: each
    signs into its own company). Addresses of nobody, and contacts past ADDRESS_LIMIT links in
    RATE_WINDOW, get nothing, silently. Raises RateLimited past IP_LIMIT requests from `ip`."""
    if ip and not _count_request(f"ltc-portal-ip:{ip}"):
        raise RateLimited
    key = normalize.email(email)
    if not key:
        return LinkRequest(mailed=0)
    now = timezone.now()
    contacts = list(active_contacts().filter(email_key=key).order_by("pk"))
    if not contacts:
        return LinkRequest(mailed=0)
    counts = dict(
        PortalLink.objects.filter(contact__in=contacts, created_at__gte=now - RATE_WINDOW)
        .values("contact_id")
        .annotate(n=Count("id"))
        .values_list("contact_id", "n")
    )
    mailed = 0
    with transaction.atomic():
        for contact in contacts:
            if counts.get(contact.pk, 0) >= ADDRESS_LIMIT:
                continue
            token = secrets.token_urlsafe(32)
            PortalLink.objects.create(
                contact=contact,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + LINK_LIFETIME,
                requested_from=ip,
            )
            _mail_link(contact, token)
            mailed += 1
    return LinkRequest(mailed=mailed)


def _count_request(key: str) -> bool:
    """Count one request under `key`; False when the window's limit was already reached."""
    cache.add(key, 0, timeout=int(RATE_WINDOW.total_seconds()))
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(RATE_WINDOW.total_seconds()))
        count = 1
    return count <= IP_LIMIT


def _mail_link(contact: Contact, token: str) -> None:
    link = absolute_url(reverse("service:portal_enter", args=[token]))
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    subject = _("Your sign-in link to the customer portal")
    lines = [
        _("Hello %(name)s,") % {"name": contact.name},
        _("open this link to sign in to the customer portal of %(company)s:") % {"company": contact.account.name},
        link,
        _("The link works once, within %(minutes)s minutes. If you did not ask for it, ignore this mail.")
        % {"minutes": minutes},
    ]
    body = "\n\n".join(lines)
    mail_queue(subject, body, [contact.email])


def portal_link_redeem(*, token: str) -> Contact | None:
    """The contact of an unused, unexpired link, marking it used (once: two clicks at the same
    moment sign in one of them); None for any other token."""
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    digest = token_hash(token)
    with transaction.atomic():
        claimed = PortalLink.objects.filter(token_hash=digest, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if claimed != 1:
            return None
        link = PortalLink.objects.only("contact_id").get(token_hash=digest)
        return active_contacts().select_related("account").filter(pk=link.contact_id).first()


# --- what a signed-in contact reads: the contact's account only ------------------------------

CASE_FIELDS = (
    "id",
    "number",
    "subject",
    "status",
    "priority",
    "category",
    "opened_at",
    "updated_at",
    "account_id",
    "merged_into",
)


def portal_case_list(contact: Contact, *, state: str = "") -> QuerySet[Case]:
    cases = Case.objects.filter(account_id=contact.account_id).only(*CASE_FIELDS).order_by("-opened_at", "-id")
    if state == "open":
        cases = cases.exclude(status__in=(CaseStatus.RESOLVED, CaseStatus.CLOSED))
    elif state == "closed":
        cases = cases.filter(status__in=(CaseStatus.RESOLVED, CaseStatus.CLOSED))
    return cases


def portal_case_get(contact: Contact, pk: Any) -> Case | None:
    """A case of the contact's company, or None (another company's case reads as a missing one)."""
    if not is_id(pk):
        return None
    return (
        Case.objects.filter(account_id=contact.account_id, pk=int(pk))
        .only(*CASE_FIELDS, "description", "resolution_due", "first_response_due", "asset__name", "asset__code")
        .select_related("asset")
        .first()
    )


def portal_case_merged_into(contact: Contact, case: Case) -> Case | None:
    """The case of the contact's company that a merged `case` now lives on (the end of the merge
    chain), or None: not merged, or merged into a case the portal does not show."""
    seen = 0
    while case.merged_into_id is not None and seen < 10:
        target = portal_case_get(contact, case.merged_into_id)
        if target is None:
            return None
        case = target
        seen += 1
    return case if seen else None


def portal_case_messages(case: Case) -> QuerySet[CaseMessage]:
    """The customer's messages and the replies to them; internal notes never."""
    return (
        CaseMessage.objects.filter(case=case, kind__in=(MessageKind.CUSTOMER, MessageKind.REPLY))
        .only("id", "kind", "body", "created_at", "case_id")
        .order_by("created_at", "id")
    )


def portal_assets(contact: Contact) -> QuerySet[Asset]:
    return (
        Asset.objects.filter(account_id=contact.account_id, status=AssetStatus.ACTIVE)
        .select_related("entitlement")
        .only(
            "id",
            "code",
            "name",
            "quantity",
            "site",
            "serial_numbers",
            "delivered_on",
            "warranty_ends_on",
            "account_id",
            "entitlement__level",
            "entitlement__ends_on",
            "entitlement__status",
        )
        .order_by("name", "id")
    )


def portal_invoices(contact: Contact) -> QuerySet[Invoice]:
    """The company's issued invoices (never drafts, cancelled invoices or credit notes)."""
    return (
        Invoice.objects.filter(account_id=contact.account_id, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED)
        .exclude(number="")
        .only(
            "id",
            "number",
            "kind",
            "status",
            "currency",
            "issue_date",
            "due_date",
            "total",
            "allocated",
            "open_amount",
            "account_id",
        )
        .order_by("-issue_date", "-id")
    )


# --- what a signed-in contact does -------------------------------------------------------------


def portal_case_open(
    *,
    contact: Contact,
    subject: str,
    description: str,
    category: str,
    priority: str,
    asset_id: int | None = None,
) -> Case:
    """Open a case for the contact's company by the portal. Refuses (ValidationError, by field)
    a priority customers may not choose, an unknown category and an asset of another company."""
    from ltc.service.services.cases import case_create

    errors: dict[str, list[str]] = {}
    if priority not in CUSTOMER_PRIORITIES:
        errors["priority"] = [_("Choose a priority from the list.")]
    if category not in CaseCategory.values:
        errors["category"] = [_("Choose a category from the list.")]
    asset = None
    if asset_id:
        asset = portal_assets(contact).filter(pk=asset_id).first()
        if asset is None:
            errors["asset"] = [_("Choose one of your assets.")]
    if errors:
        raise ValidationError(errors)
    return case_create(
        actor=None,
        account=contact.account,
        subject=subject,
        description=description,
        category=category,
        priority=priority,
        channel=CaseChannel.PORTAL,
        contact=contact,
        asset=asset,
        from_address=contact.email,
    )


def portal_case_reply(*, contact: Contact, case: Case, body: str) -> CaseMessage:
    """Add the contact's message to a case of its company (it may resume or reopen the case, by
    the case rules). Refuses a case of another company."""
    from ltc.service.services.cases import case_customer_message

    if case.account_id != contact.account_id:
        raise ValidationError(_("This case is not one of your company's."))
    return case_customer_message(
        case=case, body=body, contact=contact, from_address=contact.email, channel=CaseChannel.PORTAL
    )
