"""The demo's customer portal (客户门户): the customer contact who tries it. The account with the
most assets and cases among those with an active contact that has an e-mail address; that
contact gets the memorable address DEMO_ADDRESS (through the customers service, on its timeline)
to sign in with (docs/guide/service-portal.md). No link is made here: a link lasts 15 minutes,
so the visitor asks for one on /service/portal/ and reads it in the outbox / the console."""

from __future__ import annotations

from django.db.models import Count, Q

from ltc.customers import services as customer_services
from ltc.customers.models import Account, Contact
from ltc.org.models import User
from ltc.service.portal import active_contacts

DEMO_ADDRESS = "portal-demo@example.cn"


def portal_demo_contact() -> Contact | None:
    """The demo's portal contact, or None when no account with cases has a contact with an e-mail."""
    accounts = (
        Account.objects.filter(merged_into__isnull=True, cases__isnull=False)
        .annotate(n_cases=Count("cases", distinct=True), n_assets=Count("assets", distinct=True))
        .order_by("-n_assets", "-n_cases", "pk")
        .values_list("pk", flat=True)
    )
    for account_id in accounts[:20]:
        contact = active_contacts().filter(~Q(email=""), account_id=account_id).order_by("pk").first()
        if contact is not None:
            return contact
    return None


def seed_portal(users: dict[str, User]) -> None:
    contact = portal_demo_contact()
    if contact is None:
        return
    customer_services.contact_update(
        actor=users["admin"], contact=contact, data={"email": DEMO_ADDRESS}, expected_version=contact.version
    )
