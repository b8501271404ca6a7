"""What deals show on earlier stages' pages (ltc.core.panels): the deal a lead became and the
way to convert a qualified lead on the lead's page; the customer's deals on the account's page.
The answers of an account, a contact and a lead link the deals of each that the viewer sees."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from ltc.core.access import has_any_role
from ltc.core.panels import ApiLink, Panel, register, register_link
from ltc.customers.models import Account, Contact
from ltc.leads.access import can_change_lead
from ltc.leads.choices import LeadStatus
from ltc.leads.models import Lead
from ltc.opportunities import selectors
from ltc.opportunities.access import OPPORTUNITY_WRITE_ROLES
from ltc.opportunities.choices import OpportunityStatus

ACCOUNT_DEALS_SHOWN = 5


def lead_deal(user: Any, lead: Lead) -> dict[str, Any] | None:
    """The deal the lead was converted into, if the viewer may open it."""
    deal = selectors.opportunity_list(user=user).filter(source_lead=lead).first()
    return {"deal": deal} if deal is not None else None


def lead_convert(user: Any, lead: Lead) -> dict[str, Any] | None:
    """A qualified lead is converted by someone who may change it and work on deals
    (opportunities.views.opportunity_from_lead asks the same)."""
    if lead.status != LeadStatus.QUALIFIED:
        return None
    if not (can_change_lead(user, lead) and has_any_role(user, OPPORTUNITY_WRITE_ROLES)):
        return None
    return {}


def account_deals(user: Any, account: Account) -> dict[str, Any]:
    """The customer's deals the viewer sees: the open ones first (by expected close date), then
    the latest closed, at most ACCOUNT_DEALS_SHOWN; and how many are open, won and lost."""
    visible = selectors.opportunity_list(user=user, filters=selectors.OpportunityFilters(account=account.pk))
    counts = visible.order_by().aggregate(
        open=Count("pk", filter=Q(status=OpportunityStatus.OPEN)),
        won=Count("pk", filter=Q(status=OpportunityStatus.WON)),
        lost=Count("pk", filter=Q(status=OpportunityStatus.LOST)),
    )
    open_first = Case(When(status=OpportunityStatus.OPEN, then=Value(0)), default=Value(1))
    closing = Case(When(status=OpportunityStatus.OPEN, then=F("expected_close_date")))
    order = (open_first, closing.asc(nulls_last=True), F("closed_at").desc(nulls_last=True), "-id")
    deals = list(visible.order_by(*order)[:ACCOUNT_DEALS_SHOWN])
    return {"deals": deals, "counts": counts}


# Registered when the app is ready (OpportunitiesConfig.ready imports this module).
register(
    Panel(
        record=Lead,
        key="lead-deal",
        title=_("Opportunity"),
        template="opportunities/panels/lead_deal.html",
        selector=lead_deal,
        max_queries=2,
        slot="details",
    )
)
register(
    Panel(
        record=Lead,
        key="convert-to-deal",
        title=_("Convert to opportunity"),
        template="opportunities/panels/lead_convert.html",
        selector=lead_convert,
        max_queries=0,
        slot="qualified",
    )
)
register(
    Panel(
        record=Account,
        key="account-deals",
        title=_("Opportunities"),
        template="opportunities/panels/account_deals.html",
        selector=account_deals,
        max_queries=3,
        order=10,
    )
)


def account_has_deals(user: Any, account: Account) -> bool:
    return selectors.opportunity_list(user=user).filter(account=account).exists()


def contact_has_deals(user: Any, contact: Contact) -> bool:
    return selectors.opportunity_list(user=user).filter(contacts=contact).exists()


def lead_has_deal(user: Any, lead: Lead) -> bool:
    return selectors.opportunity_list(user=user).filter(source_lead=lead).exists()


register_link(
    ApiLink(record=Account, name="opportunities", path="/api/v1/opportunities?account={pk}", offered=account_has_deals)
)
register_link(
    ApiLink(record=Contact, name="opportunities", path="/api/v1/opportunities?contact={pk}", offered=contact_has_deals)
)
register_link(ApiLink(record=Lead, name="opportunities", path="/api/v1/opportunities?lead={pk}", offered=lead_has_deal))
