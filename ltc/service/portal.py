"""The customer portal's session (客户门户): which contact signed in by a one-time link.

The portal keeps its own key in the session, apart from the staff login: a staff user signed in
in the same browser sees nothing more in the portal, and a portal session opens no staff page
(it sets no user). A portal session lasts SESSION_LIFETIME from its sign-in and ends early when
the contact is merged or erased."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from ltc.customers.models import Contact

SESSION_KEY = "ltc_portal"
SESSION_LIFETIME = timedelta(hours=8)
_CACHED = "_ltc_portal_contact"


def portal_sign_in(request: HttpRequest, contact: Contact) -> None:
    """Sign `contact` into the portal; the session id changes (no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"contact": contact.pk, "at": int(time.time())}
    setattr(request, _CACHED, contact)


def portal_sign_out(request: HttpRequest) -> None:
    """End the portal session only (a staff login in the same browser stays)."""
    if SESSION_KEY in request.session:
        del request.session[SESSION_KEY]
        request.session.cycle_key()
    setattr(request, _CACHED, None)


def portal_contact(request: HttpRequest) -> Contact | None:
    """The contact signed into the portal (with its account), or None: no portal session, one
    older than SESSION_LIFETIME, or a contact since merged, erased or moved to a merged account."""
    if hasattr(request, _CACHED):
        cached: Contact | None = getattr(request, _CACHED)
        return cached
    contact = _load(request.session.get(SESSION_KEY))
    if contact is None and SESSION_KEY in request.session:
        del request.session[SESSION_KEY]
    setattr(request, _CACHED, contact)
    return contact


def _load(data: Any) -> Contact | None:
    if not isinstance(data, dict):
        return None
    pk, at = data.get("contact"), data.get("at")
    if not isinstance(pk, int) or not isinstance(at, int):
        return None
    if time.time() - at > SESSION_LIFETIME.total_seconds():
        return None
    return active_contacts().select_related("account").filter(pk=pk).first()


def active_contacts() -> QuerySet[Contact]:
    """Contacts who may use the portal: not merged, not erased, of an account not merged."""
    return Contact.objects.filter(merged_into__isnull=True, erased_at__isnull=True, account__merged_into__isnull=True)
