"""Quotes in the global search (core.search): found by number and title."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.search import SearchKind, register
from ltc.quotes import selectors
from ltc.quotes.models import Quote

register(
    SearchKind(
        key="quotes",
        model=Quote,
        label=_("Quotes"),
        document=lambda quote: (quote.number, quote.title, quote.account.name),
        visible=lambda user: selectors.quote_list(user=user),
        indexable=lambda: Quote.objects.select_related("account"),
        url=lambda quote: reverse("quotes:quote_detail", args=[quote.pk]),
        scope_via=("deals", "opportunity"),  # quote_list: the quotes of the deals the user sees
        subtitle=lambda quote: quote.account.name,
    )
)
