"""What quotes show on earlier stages' pages (ltc.core.panels): the deal's quotes and the way to
start one on the deal's page, the quote a bid's commercial section offers on the bid's page, the
customer's latest quotes on the account's page. A quote is visible to whoever sees its deal.
The answers of an account and a deal link their quotes that the viewer sees."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ltc.core.panels import ApiLink, Panel, register, register_link
from ltc.customers.models import Account
from ltc.opportunities.models import Bid, Opportunity
from ltc.quotes import selectors
from ltc.quotes.access import can_write
from ltc.quotes.models import BidQuote

DEAL_QUOTES_SHOWN = 50
ACCOUNT_QUOTES_SHOWN = 5


def deal_quotes(user: Any, deal: Opportunity) -> dict[str, Any]:
    """The deal's quotes the viewer sees; 新建报价 for those who write the deal's quotes."""
    quotes = selectors.quote_list(user=user, filters=selectors.QuoteFilters(opportunity=deal.pk))
    return {
        "quotes": list(quotes[:DEAL_QUOTES_SHOWN]),
        "can_create": deal.is_open and can_write(user, deal),
    }


def bid_offers(user: Any, bid: Bid) -> dict[str, Any]:
    """The quote version each commercial section offers, by section. Only quotes of the bid's own
    deal: whoever reads the bid reads its deal, so reads them."""
    offers = BidQuote.objects.filter(section__bid=bid, version__quote__opportunity_id=bid.opportunity_id)
    return {"offers": {offer.section_id: offer for offer in offers.select_related("version__quote")}}


def account_quotes(user: Any, account: Account) -> dict[str, Any]:
    """The customer's latest quotes the viewer sees (the panel links the rest)."""
    quotes = selectors.quote_list(user=user, filters=selectors.QuoteFilters(account=account.pk))
    return {"quotes": list(quotes[:ACCOUNT_QUOTES_SHOWN])}


# Registered when the app is ready (QuotesConfig.ready imports this module).
register(
    Panel(
        record=Opportunity,
        key="quotes",
        title=_("Quotes"),
        template="quotes/panels/deal_quotes.html",
        selector=deal_quotes,
        max_queries=3,
        order=10,
    )
)
register(
    Panel(
        record=Bid,
        key="bid-offer",
        title=_("Commercial offer"),
        template="quotes/panels/bid_offer.html",
        selector=bid_offers,
        max_queries=1,
        slot="section",
    )
)
register(
    Panel(
        record=Account,
        key="account-quotes",
        title=_("Quotes"),
        template="quotes/panels/account_quotes.html",
        selector=account_quotes,
        max_queries=3,
        order=20,
    )
)


def account_has_quotes(user: Any, account: Account) -> bool:
    return selectors.quote_list(user=user, filters=selectors.QuoteFilters(account=account.pk)).exists()


def deal_has_quotes(user: Any, deal: Opportunity) -> bool:
    return selectors.quote_list(user=user, filters=selectors.QuoteFilters(opportunity=deal.pk)).exists()


# Two queries: the ids of the deals the viewer sees (quotes.access.quote_visible_q), then the rows.
register_link(
    ApiLink(
        record=Account, name="quotes", path="/api/v1/quotes?account={pk}", offered=account_has_quotes, max_queries=2
    )
)
register_link(
    ApiLink(
        record=Opportunity,
        name="quotes",
        path="/api/v1/quotes?opportunity={pk}",
        offered=deal_has_quotes,
        max_queries=2,
    )
)
