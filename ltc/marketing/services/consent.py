"""Consent under PIPL (个人信息保护法): recorded per address and channel with its lawful basis,
source and time; every send asks `email_allowed` first, so an opt-out is honoured everywhere."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.marketing.access import can_manage_marketing
from ltc.marketing.models import Consent, ConsentBasis, ConsentChannel, ConsentRecord, ConsentState
from ltc.marketing.models.email import EmailMessage


def address_key(address: str) -> str:
    """How an address is stored and compared: trimmed, lower-case."""
    return (address or "").strip().lower()


def email_allowed(addresses: Iterable[str]) -> set[str]:
    """The addresses (as given) that may be sent marketing e-mail now: their current e-mail consent
    is granted. No record means no consent: PIPL asks for a recorded basis. One query per 5,000."""
    given: dict[str, list[str]] = {}
    for address in addresses:
        if address:
            given.setdefault(address_key(address), []).append(address)
    keys = list(given)
    granted: set[str] = set()
    for start in range(0, len(keys), 5000):
        granted.update(
            Consent.objects.filter(
                channel=ConsentChannel.EMAIL, state=ConsentState.GRANTED, address__in=keys[start : start + 5000]
            ).values_list("address", flat=True)
        )
    return {original for key in granted for original in given[key]}


def consent_record(
    *,
    address: str,
    state: str,
    source: str,
    basis: str = "",
    channel: str = ConsentChannel.EMAIL,
    actor: Any = None,
    at: datetime | None = None,
    verified: bool = True,
) -> Consent:
    """Record a grant or a withdrawal for an address: the current state changes and the history
    keeps the record. A withdrawal needs no basis; a grant needs one.

    `verified=False` marks a grant from a source that does not prove who gives it (a public web
    form or registration page, where anyone may type anyone's address): it records a first grant
    or renews a granted one, but never turns a withdrawal back into a grant — the withdrawal
    stands and the history keeps the attempt as "Not applied". Only the person's own preference
    page (the token of an e-mail they received) or staff recording their evidence grant again."""
    key = address_key(address)
    values = {
        "state": state,
        "basis": basis if state == ConsentState.GRANTED else "",
        "source": source[:200],
        "recorded_at": at or timezone.now(),
        "recorded_by": actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    }
    with transaction.atomic():
        current = Consent.objects.select_for_update().filter(address=key, channel=channel).first()
        if (
            not verified
            and state == ConsentState.GRANTED
            and current is not None
            and current.state == ConsentState.WITHDRAWN
        ):
            refused = _("Not applied (withdrawn earlier): %(source)s") % {"source": source}
            ConsentRecord.objects.create(
                consent=current,
                address=key,
                channel=channel,
                **{**values, "state": ConsentState.WITHDRAWN, "basis": "", "source": refused[:200]},
            )
            return current
        consent, _created = Consent.objects.select_for_update().update_or_create(
            address=key, channel=channel, defaults=values
        )
        ConsentRecord.objects.create(consent=consent, address=key, channel=channel, **values)
    return consent


# --- reading, the unsubscribe link, the web form's checkbox ---------------------------------

ERASED_PREFIX = "sha256:"
TOKEN_MAX_LENGTH = 43


def address_hash(address: str) -> str:
    """What an erased address becomes in the consent history: proof that a record existed for
    whoever presents the address, and nothing that reads back to it."""
    key = address_key(address)
    if key.startswith(ERASED_PREFIX):
        return key
    return ERASED_PREFIX + hashlib.sha256(key.encode()).hexdigest()


def consent_state(address: str) -> list[Consent]:
    """The current consent of an address on each channel it has one on."""
    return list(Consent.objects.filter(address=address_key(address)).select_related("recorded_by").order_by("channel"))


def consent_history(addresses: Iterable[str], *, limit: int = 200) -> list[ConsentRecord]:
    """The recorded changes of consent of some addresses, the latest first."""
    keys = [address_key(a) for a in addresses if a]
    if not keys:
        return []
    return list(
        ConsentRecord.objects.filter(address__in=keys)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")[:limit]
    )


def consent_record_checked(*, actor: Any, address: str, channel: str, state: str, basis: str, source: str) -> Consent:
    """Record a consent a member of staff was given or told of (the panel, the API): field errors
    for a blank or malformed address, an unknown channel, state or basis, a grant without a basis
    or a blank source; refuses anyone but marketing and administrators."""
    if not can_manage_marketing(actor):
        raise PermissionDenied(_("Only marketing and administrators may record consent."))
    errors: dict[str, list[str]] = {}
    key = address_key(address)
    if channel not in ConsentChannel.values:
        errors["channel"] = [_("Choose e-mail, SMS or phone.")]
    elif channel == ConsentChannel.EMAIL:
        try:
            validate_email(key)
        except ValidationError:
            errors["address"] = [_("Enter a valid e-mail address.")]
    elif not key or len(key) > 30 or not all(ch.isdigit() or ch in "+- " for ch in key):
        errors["address"] = [_("Enter a valid phone number.")]
    if state not in ConsentState.values:
        errors["state"] = [_("Choose granted or withdrawn.")]
    if state == ConsentState.GRANTED and basis not in ConsentBasis.values:
        errors["basis"] = [_("A grant needs its lawful basis.")]
    elif basis and basis not in ConsentBasis.values:
        errors["basis"] = [_("Choose a lawful basis from the list.")]
    if not (source or "").strip():
        errors["source"] = [_("Say where the consent was given or withdrawn.")]
    if errors:
        raise ValidationError(errors)
    return consent_record(address=key, channel=channel, state=state, basis=basis, source=source.strip(), actor=actor)


def message_for_token(token: str) -> EmailMessage | None:
    """The marketing e-mail an unsubscribe link names, or None for a token that names none."""
    if not token or len(token) > TOKEN_MAX_LENGTH or not token.isascii():
        return None
    return EmailMessage.objects.filter(token=token).only("pk", "address", "token").first()


def email_preference_set(*, message: EmailMessage, granted: bool, source: str) -> Consent:
    """Withdraw (or grant again) the e-mail consent of the one address `message` went to — a
    token changes nothing else — recording the source and the time. A withdrawal takes effect at
    once: the next `email_allowed` leaves the address out."""
    state = ConsentState.GRANTED if granted else ConsentState.WITHDRAWN
    basis = ConsentBasis.CONSENT if granted else ""
    return consent_record(
        address=message.address, channel=ConsentChannel.EMAIL, state=state, basis=basis, source=source
    )


def masked(address: str) -> str:
    """An address as a public page may show it: "zh***@e***.com"."""
    local, _at, domain = address.partition("@")
    if not domain:
        return (local[:2] + "***") if local else ""
    name, dot, tld = domain.rpartition(".")
    return f"{local[:2]}***@{(name or tld)[:1]}***{dot}{tld if name else ''}"
