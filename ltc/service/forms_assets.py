"""Forms of the installed-base pages: recording an asset by hand and changing one. Ids are checked
by the service (ltc.service.services.assets), which answers with field errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.forms import StyledFormMixin
from ltc.service.models.assets import AssetStatus
from ltc.service.services.assets import WarrantyFilter

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SERIALS_HELP = _("One per line; none twice.")


class AssetCreateForm(StyledFormMixin, forms.Form):
    account_id = forms.ChoiceField(label=_("Account"))
    product_id = forms.ChoiceField(label=_("Product"), required=False)
    code = forms.CharField(label=_("Code"), max_length=40, required=False, help_text=_("Blank: the product's code."))
    name = forms.CharField(label=_("Name"), max_length=200, required=False, help_text=_("Blank: the product's name."))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.01, max_digits=12, decimal_places=2, initial=1)
    serial_numbers = forms.CharField(
        label=_("Serial numbers"), required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=SERIALS_HELP
    )
    site = forms.CharField(label=_("Site"), max_length=200, required=False)
    delivered_on = forms.DateField(label=_("Delivered on"), required=False, widget=DATE_WIDGET)
    accepted_on = forms.DateField(label=_("Accepted on"), required=False, widget=DATE_WIDGET)
    warranty_ends_on = forms.DateField(label=_("Warranty ends on"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, accounts: list[tuple[Any, str]], products: list[tuple[Any, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account_id"].choices = [("", "—"), *accounts]  # type: ignore[attr-defined]
        self.fields["product_id"].choices = [("", "—"), *products]  # type: ignore[attr-defined]


class AssetEditForm(StyledFormMixin, forms.Form):
    serial_numbers = forms.CharField(
        label=_("Serial numbers"), required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text=SERIALS_HELP
    )
    site = forms.CharField(label=_("Site"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=AssetStatus.choices)
    entitlement_id = forms.ChoiceField(label=_("Service contract"), required=False)
    warranty_ends_on = forms.DateField(label=_("Warranty ends on"), required=False, widget=DATE_WIDGET)
    # The version the form was read at, posted back as it was: after a refused (stale) save the
    # page keeps it, so saving again is refused again instead of overwriting the other change.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, entitlements: list[tuple[Any, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["entitlement_id"].choices = [("", "—"), *entitlements]  # type: ignore[attr-defined]


class AssetFilterForm(StyledFormMixin, forms.Form):
    """The list's filters (GET): a bad value filters nothing out of shape, it is just dropped."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    account = forms.ChoiceField(label=_("Account"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *AssetStatus.choices])
    warranty = forms.ChoiceField(label=_("Warranty"), required=False, choices=[("", "—"), *WarrantyFilter.choices])
    days = forms.IntegerField(label=_("Within (days)"), required=False, min_value=0, max_value=3650, initial=60)

    def __init__(self, *args: Any, accounts: list[tuple[Any, str]], products: list[tuple[Any, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—"), *accounts]  # type: ignore[attr-defined]
        self.fields["product"].choices = [("", "—"), *products]  # type: ignore[attr-defined]
