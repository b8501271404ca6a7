"""The invoice and payment lists' declared columns (shown, chosen, exported). No mass action:
money documents change only one by one, through finance's own steps."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from ltc.core import listviews

C = listviews.ListColumn
INVOICE_LIST = listviews.register(
    listviews.ListSpec(
        key="invoices",
        url_name="billing:invoice_list",
        columns=(
            C("number", gettext_lazy("Invoice"), lambda i: i.number, "billing/cells/invoice_number.html"),
            C("kind", gettext_lazy("Kind"), lambda i: i.get_kind_display(), default=False),
            C("account", pgettext_lazy("billing", "Customer"), lambda i: i.account.name),
            C("status", gettext_lazy("Status"), lambda i: i.get_state_display(), "billing/cells/invoice_status.html"),
            C(
                "total",
                gettext_lazy("Total"),
                lambda i: i.total,
                "billing/cells/invoice_total.html",
                export_with="currency",
            ),
            C(
                "open",
                gettext_lazy("Open balance"),
                lambda i: i.open_amount,
                "billing/cells/invoice_open.html",
                export_with="currency",
            ),
            C("currency", gettext_lazy("Currency"), lambda i: i.currency, default=False),
            C("issue_date", gettext_lazy("Issue date"), lambda i: i.issue_date, default=False),
            C("due_date", gettext_lazy("Due date"), lambda i: i.due_date, "billing/cells/invoice_due.html"),
            C("contract", gettext_lazy("Contract"), lambda i: i.contract.number),
            C("tax_invoice", gettext_lazy("Tax invoice (发票)"), lambda i: i.tax_invoice_number, default=False),
        ),
    )
)
PAYMENT_LIST = listviews.register(
    listviews.ListSpec(
        key="payments",
        url_name="billing:payment_list",
        columns=(
            C("number", gettext_lazy("Payment"), lambda p: p.number, "billing/cells/payment_number.html"),
            C("kind", gettext_lazy("Kind"), lambda p: p.get_kind_display(), default=False),
            C("account", pgettext_lazy("billing", "Customer"), lambda p: p.account.name),
            C("received_on", gettext_lazy("Date"), lambda p: p.received_on),
            C(
                "amount",
                gettext_lazy("Amount"),
                lambda p: p.amount,
                "billing/cells/payment_amount.html",
                export_with="currency",
            ),
            C(
                "unallocated",
                gettext_lazy("Unallocated"),
                lambda p: p.unallocated,
                "billing/cells/payment_unallocated.html",
                export_with="currency",
            ),
            C("currency", gettext_lazy("Currency"), lambda p: p.currency, default=False),
            C("method", gettext_lazy("Method"), lambda p: p.get_method_display()),
            C("bank_reference", gettext_lazy("Bank reference"), lambda p: p.bank_reference),
        ),
    )
)
