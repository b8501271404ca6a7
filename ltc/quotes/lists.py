"""The quote list's declared columns (shown, chosen, exported). No mass action: a quote changes
hands only with its deal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ltc.core import listviews

C = listviews.ListColumn
QUOTE_LIST = listviews.register(
    listviews.ListSpec(
        key="quotes",
        url_name="quotes:quote_list",
        columns=(
            C("number", gettext_lazy("Quote"), lambda q: q.number, "quotes/cells/number.html"),
            C("title", gettext_lazy("Subject"), lambda q: q.title),
            C("account", gettext_lazy("Account"), lambda q: q.account.name),
            C("opportunity", gettext_lazy("Opportunity"), lambda q: q.opportunity.name, default=False),
            C("status", gettext_lazy("Status"), lambda q: q.get_status_display(), "quotes/cells/status.html"),
            C("total", gettext_lazy("Total"), lambda q: q.total, "quotes/cells/total.html", export_with="currency"),
            C("currency", gettext_lazy("Currency"), lambda q: q.currency, default=False),
            C("valid_until", gettext_lazy("Valid until"), lambda q: q.valid_until),
            C("owner", gettext_lazy("Author"), lambda q: str(q.owner)),
            C("created", gettext_lazy("Created at"), lambda q: q.created_at, default=False),
            C("updated", gettext_lazy("Updated at"), lambda q: q.updated_at, default=False),
        ),
    )
)
