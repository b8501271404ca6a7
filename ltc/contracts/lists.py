"""The contract list's declared columns (shown, chosen, exported). No mass action: a contract's
AR is not reassigned from a list (no service hands a contract to another AR)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ltc.core import listviews

C = listviews.ListColumn
CONTRACT_LIST = listviews.register(
    listviews.ListSpec(
        key="contracts",
        url_name="contracts:contract_list",
        columns=(
            C("number", gettext_lazy("Contract"), lambda c: c.number, "contracts/cells/number.html"),
            C("title", gettext_lazy("Subject"), lambda c: c.title),
            C("account", gettext_lazy("Account"), lambda c: c.account.name),
            C("status", gettext_lazy("Status"), lambda c: c.get_status_display(), "contracts/cells/status.html"),
            C("total", gettext_lazy("Total"), lambda c: c.total, "contracts/cells/total.html", export_with="currency"),
            C("currency", gettext_lazy("Currency"), lambda c: c.currency, default=False),
            C("signed_on", gettext_lazy("Signed on"), lambda c: c.signed_on),
            C("owner", gettext_lazy("AR"), lambda c: str(c.owner)),
            C("fr", gettext_lazy("FR"), lambda c: str(c.fr or "")),
            C("created", gettext_lazy("Created at"), lambda c: c.created_at, default=False),
            C("updated", gettext_lazy("Updated at"), lambda c: c.updated_at, default=False),
        ),
    )
)
