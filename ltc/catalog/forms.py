"""Forms of the catalog's configuration pages. They parse input only: the services validate
(quantities in order, the volume ladder, overlapping agreements) and their errors are shown on
the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.catalog.choices import RuleKind
from ltc.catalog.models import PriceBook, Product
from ltc.core.forms import StyledFormMixin, posted_number
from ltc.core.money import Currency
from ltc.customers.forms import AccountPicker
from ltc.customers.models import Account

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PRICE = {"max_digits": 18, "decimal_places": 4, "min_value": 0}
QUANTITY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class PriceBookForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A price book's fields and the version the page was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = PriceBook
        fields = ["name", "currency", "industry", "region", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self) -> None:
        # Model validation runs in the service; the form only parses input.
        pass

    def changed_data_dict(self) -> dict[str, Any]:
        names = self.changed_data if self.instance.pk else list(self._meta.fields or [])
        return {name: self.cleaned_data[name] for name in names if name != "version"}


class EntryForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    unit_price = forms.DecimalField(label=_("List price"), **PRICE)  # type: ignore[arg-type]
    unit_cost = forms.DecimalField(label=_("Unit cost"), required=False, **PRICE)  # type: ignore[arg-type]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        field.queryset = Product.objects.active().order_by("code")  # type: ignore[attr-defined]


class TierForm(StyledFormMixin, forms.Form):
    """One volume price of an entry; several on a page, so each carries its entry's prefix."""

    min_quantity = forms.DecimalField(label=_("From quantity"), **QUANTITY)  # type: ignore[arg-type]
    unit_price = forms.DecimalField(label=_("Unit price"), **PRICE)  # type: ignore[arg-type]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"placeholder": field.label, "aria-label": field.label, "inputmode": "decimal"})


class ComponentForm(StyledFormMixin, forms.Form):
    component = forms.ModelChoiceField(label=_("Component"), queryset=Product.objects.none())
    required = forms.BooleanField(label=_("Required"), required=False)
    min_quantity = forms.DecimalField(label=_("Minimum quantity"), initial=1, **QUANTITY)  # type: ignore[arg-type]
    max_quantity = forms.DecimalField(label=_("Maximum quantity"), required=False, **QUANTITY)  # type: ignore[arg-type]
    default_quantity = forms.DecimalField(label=_("Default quantity"), initial=1, **QUANTITY)  # type: ignore[arg-type]

    def __init__(self, *args: Any, bundle: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = [part.component_id for part in bundle.components.all()]
        choices = Product.objects.active().filter(is_bundle=False).exclude(pk__in=taken).order_by("code")
        self.fields["component"].queryset = choices  # type: ignore[attr-defined]


class RuleForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(label=_("If chosen"), queryset=Product.objects.none())
    kind = forms.ChoiceField(label=_("Rule"), choices=RuleKind.choices)
    other = forms.ModelChoiceField(label=_("Then"), queryset=Product.objects.none())

    def __init__(self, *args: Any, bundle: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [bundle.pk, *(part.component_id for part in bundle.components.all())]
        for name in ("product", "other"):
            self.fields[name].queryset = Product.objects.filter(pk__in=ids).order_by("code")  # type: ignore[attr-defined]


class ContractPriceForm(StyledFormMixin, forms.Form):
    account = forms.ModelChoiceField(label=_("Customer"), queryset=Account.objects.none(), widget=AccountPicker)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    unit_price = forms.DecimalField(label=_("Contracted price"), **PRICE)  # type: ignore[arg-type]
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DATE)
    reference = forms.CharField(label=_("Agreement reference"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        field.queryset = Account.objects.active().order_by("name", "id")  # type: ignore[attr-defined]
        value = posted_number(self.data, self.add_prefix("account")) if self.is_bound else 0
        chosen = field.queryset.filter(pk=value).first() if value else None  # type: ignore[attr-defined]
        field.widget.choices = [("", "---------")] + ([(chosen.pk, str(chosen))] if chosen else [])
