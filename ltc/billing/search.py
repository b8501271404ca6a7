"""Invoices and payments in the global search (core.search): an invoice by its number and its tax
invoice (发票) number, a payment by its number and bank reference."""

from django.utils.translation import gettext_lazy as _

from ltc.billing import selectors
from ltc.billing.models import Invoice, Payment
from ltc.core.search import SearchKind, register

register(
    SearchKind(
        key="invoices",
        model=Invoice,
        label=_("Invoices"),
        document=lambda invoice: (invoice.number, invoice.tax_invoice_number, invoice.account.name),
        visible=lambda user: selectors.invoice_list(user=user),
        # A draft has no number yet; it is found once issued.
        indexable=lambda: Invoice.objects.exclude(number="").select_related("account"),
        title=lambda invoice: invoice.number,
        subtitle=lambda invoice: " · ".join(p for p in (invoice.tax_invoice_number, invoice.account.name) if p),
    )
)
register(
    SearchKind(
        key="payments",
        model=Payment,
        label=_("Payments"),
        document=lambda payment: (payment.number, payment.bank_reference, payment.account.name),
        visible=lambda user: selectors.payment_list(user=user),
        indexable=lambda: Payment.objects.select_related("account"),
        title=lambda payment: payment.number,
        subtitle=lambda payment: " · ".join(p for p in (payment.bank_reference, payment.account.name) if p),
    )
)
