"""The "Campaigns" panel on lead, contact and account pages: the campaigns the record (for an
account: its contacts) is a member of, with the member status and the last touch. Campaign names
are linked only for viewers who may open campaigns (sees_marketing)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from ltc.core.panels import Panel, register
from ltc.customers.models import Account, Contact
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import Campaign, CampaignStatus
from ltc.marketing.services.campaigns import campaigns_of


def _panel(people: Q, user: Any) -> dict[str, Any] | None:
    rows = campaigns_of(people=people)
    return {"campaign_rows": rows, "links": sees_marketing(user)} if rows else None


def lead_campaigns(user: Any, lead: Lead) -> dict[str, Any] | None:
    return _panel(Q(lead_id=lead.pk), user)


def contact_campaigns(user: Any, contact: Contact) -> dict[str, Any] | None:
    return _panel(Q(contact_id=contact.pk), user)


def account_campaigns(user: Any, account: Account) -> dict[str, Any] | None:
    return _panel(Q(contact__account_id=account.pk), user)


SELECTORS: list[tuple[type[Model], Any]] = [
    (Lead, lead_campaigns),
    (Contact, contact_campaigns),
    (Account, account_campaigns),
]
for record, selector in SELECTORS:
    register(
        Panel(
            record=record,
            key=f"{record._meta.model_name}-campaigns",
            title=_("Campaigns"),
            template="marketing/campaign_panel.html",
            selector=selector,
            max_queries=3,  # members, last touches, the viewer's roles (for the links)
            order=60,
        )
    )


# --- "Add to campaign" on the lead and contact lists (their "mass_actions" slot) -------------


def add_to_campaign(user: Any, record: Model) -> dict[str, Any] | None:
    """The campaigns still running, for marketing and administrators only (one query)."""
    if not can_manage_marketing(user):
        return None
    campaigns = list(
        Campaign.objects.filter(status__in=[CampaignStatus.PLANNED, CampaignStatus.ACTIVE])
        .order_by("name")
        .values_list("pk", "name")[:200]
    )
    return {"open_campaigns": campaigns, "member_kind": record._meta.model_name}


for record in (Lead, Contact):
    register(
        Panel(
            record=record,
            key=f"{record._meta.model_name}-add-to-campaign",
            title=_("Add to campaign"),
            template="marketing/campaign_mass_action.html",
            selector=add_to_campaign,
            max_queries=2,  # the viewer's roles, the open campaigns
            slot="mass_actions",
        )
    )
