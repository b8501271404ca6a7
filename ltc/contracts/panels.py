"""What contracts show on earlier stages' pages (ltc.core.panels): the deal's contracts, the
contract an accepted quote became (or the way to make it), the customer's latest contracts.
Only contracts the viewer reads are listed (contracts.access), and linked from the answers of an
account and a deal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ltc.contracts import selectors
from ltc.contracts.models import Contract
from ltc.core.panels import ApiLink, Panel, register, register_link
from ltc.customers.models import Account
from ltc.opportunities.access import can_steer as can_steer_deal
from ltc.opportunities.models import Opportunity
from ltc.quotes.models import Quote

DEAL_CONTRACTS_SHOWN = 50
ACCOUNT_CONTRACTS_SHOWN = 5


def deal_contracts(user: Any, deal: Opportunity) -> dict[str, Any] | None:
    """The deal's contracts the viewer reads; no panel before the first one."""
    contracts = list(
        selectors.contract_list(user=user, filters=selectors.ContractFilters(opportunity=deal.pk))[
            :DEAL_CONTRACTS_SHOWN
        ]
    )
    return {"contracts": contracts} if contracts else None


def quote_contracts(user: Any, quote: Quote) -> dict[str, Any]:
    """The contracts made from the accepted quote that the viewer reads; while none exists, the
    deal's AR side may make it (contracts.services.contract_create asks the same)."""
    contracts = list(selectors.contract_list(user=user).filter(quote=quote))
    can_make = (
        not contracts and can_steer_deal(user, quote.opportunity) and not Contract.objects.filter(quote=quote).exists()
    )
    return {"contracts": contracts, "can_make": can_make}


def account_contracts(user: Any, account: Account) -> dict[str, Any]:
    """The customer's latest contracts the viewer reads (the panel links the rest)."""
    contracts = selectors.contract_list(user=user, filters=selectors.ContractFilters(account=account.pk))
    return {"contracts": list(contracts[:ACCOUNT_CONTRACTS_SHOWN])}


# Registered when the app is ready (ContractsConfig.ready imports this module).
register(
    Panel(
        record=Opportunity,
        key="contracts",
        title=_("Contracts"),
        template="contracts/panels/deal_contracts.html",
        selector=deal_contracts,
        max_queries=2,
        order=20,
    )
)
register(
    Panel(
        record=Quote,
        key="quote-contracts",
        title=_("Contracts"),
        template="contracts/panels/quote_contracts.html",
        selector=quote_contracts,
        max_queries=3,
        slot="accepted",
    )
)
register(
    Panel(
        record=Account,
        key="account-contracts",
        title=_("Contracts"),
        template="contracts/panels/account_contracts.html",
        selector=account_contracts,
        max_queries=2,
        order=30,
    )
)


def account_has_contracts(user: Any, account: Account) -> bool:
    return selectors.contract_list(user=user, filters=selectors.ContractFilters(account=account.pk)).exists()


def deal_has_contracts(user: Any, deal: Opportunity) -> bool:
    return selectors.contract_list(user=user, filters=selectors.ContractFilters(opportunity=deal.pk)).exists()


register_link(
    ApiLink(record=Account, name="contracts", path="/api/v1/contracts?account={pk}", offered=account_has_contracts)
)
register_link(
    ApiLink(record=Opportunity, name="contracts", path="/api/v1/contracts?opportunity={pk}", offered=deal_has_contracts)
)
