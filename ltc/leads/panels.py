"""What leads show on earlier stages' pages (ltc.core.panels): on the account's page, the leads
converted into that customer that the viewer reads (leads.access), the latest first."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ltc.core.panels import Panel, register
from ltc.customers.models import Account
from ltc.leads import selectors

ACCOUNT_LEADS_SHOWN = 5


def account_leads(user: Any, account: Account) -> dict[str, Any] | None:
    """The customer's leads the viewer reads; no panel for a customer that came from none."""
    leads = list(
        selectors.lead_list(user=user, filters=selectors.LeadFilters(account=account.pk))[:ACCOUNT_LEADS_SHOWN]
    )
    return {"leads": leads} if leads else None


# Registered when the app is ready (LeadsConfig.ready imports this module).
register(
    Panel(
        record=Account,
        key="account-leads",
        title=_("Leads"),
        template="leads/panels/account_leads.html",
        selector=account_leads,
        max_queries=2,
        order=5,
    )
)
