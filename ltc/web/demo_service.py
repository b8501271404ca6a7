"""The demo's customer service: calendars and SLA policies, the installed base made from the
delivered demo contract, an entitlement, case routing, cases in every state (one breached and
escalated), the portal, a renewal deal and an upsell lead. One module per area, seeded in the
order they build on each other."""

from __future__ import annotations

from ltc.org.models import User
from ltc.web.demo_service_assets import seed_assets
from ltc.web.demo_service_cases import seed_cases
from ltc.web.demo_service_email import seed_email
from ltc.web.demo_service_portal import seed_portal
from ltc.web.demo_service_renewals import seed_renewals
from ltc.web.demo_service_routing import seed_routing
from ltc.web.demo_service_sla import seed_sla
from ltc.web.demo_service_sweep import seed_sweep


def seed_service(users: dict[str, User]) -> None:
    seed_sla(users)  # the default calendar with the Chinese holidays, SLA policies, the entitlement
    seed_assets(users)  # the installed base from the delivered and accepted demo contract
    seed_routing(users)  # case routing rules
    seed_cases(users)  # cases in every state
    seed_sweep(users)  # the SLA sweep over them: warnings, a breach and its escalation
    seed_email(users)  # a case opened by e-mail with a reply threaded onto it; a CSAT answer
    seed_portal(users)  # a portal contact
    seed_renewals(users)  # renewal deals and an upsell lead
