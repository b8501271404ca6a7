"""Forms of the billing pages (the services validate again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ltc.billing.choices import InvoiceKind, InvoiceStatus, PaymentKind, PaymentMethod
from ltc.core.forms import StyledFormMixin
from ltc.core.money import Currency


class InvoiceFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Number, customer, contract, tax invoice number")}),
    )
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("Any status")), *InvoiceStatus.choices]
    )
    kind = forms.ChoiceField(
        required=False, label=_("Kind"), choices=[("", _("Invoices and credit notes")), *InvoiceKind.choices]
    )
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort"),
        choices=[
            ("-created", _("Newest")),
            ("due", _("Due date")),
            ("-open", _("Largest open")),
            ("number", _("Number")),
        ],
    )


class PaymentFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Number, customer, bank reference")}),
    )
    kind = forms.ChoiceField(required=False, label=_("Kind"), choices=[("", _("Any kind")), *PaymentKind.choices])
    unallocated = forms.BooleanField(required=False, label=_("With unallocated credit"))


class PaymentForm(StyledFormMixin, forms.Form):
    amount = forms.CharField(label=_("Amount"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    received_on = forms.DateField(
        label=_("Date received"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    bank_reference = forms.CharField(label=_("Bank reference"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StatementForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Bank statement (CSV)"))


class AgingForm(StyledFormMixin, forms.Form):
    as_of = forms.DateField(
        required=False, label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    group = forms.ChoiceField(
        required=False,
        label=_("By"),
        choices=[
            ("customer", pgettext_lazy("billing", "Customer")),
            ("contract", _("Contract")),
            ("ar", _("AR")),
            ("invoice", _("Invoice")),
        ],
    )
    currency = forms.ChoiceField(required=False, label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
