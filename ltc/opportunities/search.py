"""Deals in the global search (core.search)."""

from django.utils.translation import gettext_lazy as _

from ltc.core.search import SearchKind, register
from ltc.opportunities import selectors
from ltc.opportunities.models import Opportunity

register(
    SearchKind(
        key="deals",
        model=Opportunity,
        label=_("Opportunities"),
        document=lambda deal: (deal.name, deal.account.name),
        visible=lambda user: selectors.opportunity_list(user=user),
        indexable=lambda: Opportunity.objects.select_related("account"),
        title=lambda deal: deal.name,
        subtitle=lambda deal: deal.account.name,
    )
)
