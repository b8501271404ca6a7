"""Forms of the catalog's configuration pages. They parse input only: the services validate
(quantities in order, the volume ladder, overlapping agreements) and their errors are shown on
the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.catalog.choices import RuleKind
from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
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


class EntryEditForm(StyledFormMixin, forms.Form):
    """A product's price in a book as it is; one per row, prefixed with the entry's id."""

    unit_price = forms.DecimalField(label=_("List price"), **PRICE)  # type: ignore[arg-type]
    unit_cost = forms.DecimalField(label=_("Unit cost"), required=False, **PRICE)  # type: ignore[arg-type]

    @classmethod
    def of(cls, entry: PriceBookEntry, data: Any = None) -> EntryEditForm:
        return cls(
            data, prefix=f"entry{entry.pk}", initial={"unit_price": entry.unit_price, "unit_cost": entry.unit_cost}
        )


class TierForm(StyledFormMixin, forms.Form):
    """One volume price of an entry; several on a page, so each carries its entry's prefix (a new
    one) or its own (a change: `of`)."""

    min_quantity = forms.DecimalField(label=_("From quantity"), **QUANTITY)  # type: ignore[arg-type]
    unit_price = forms.DecimalField(label=_("Unit price"), **PRICE)  # type: ignore[arg-type]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"placeholder": field.label, "aria-label": field.label, "inputmode": "decimal"})

    @classmethod
    def of(cls, tier: PriceTier, data: Any = None) -> TierForm:
        initial = {"min_quantity": tier.min_quantity, "unit_price": tier.unit_price}
        return cls(data, prefix=f"tieredit{tier.pk}", initial=initial)


class ProductForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A product's own fields; the version the page was read at is posted beside them."""

    class Meta:
        model = Product
        fields = ["code", "name", "name_en", "product_type", "unit", "family", "cost", "tax_rate", "is_bundle"]
        fields += ["active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self) -> None:
        # Model validation (the code's uniqueness among others) runs in the service.
        pass

    def changed_data_dict(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ComponentEditForm(StyledFormMixin, forms.Form):
    """A bundle's component as it is (whether required, its quantities); one per row, prefixed."""

    required = forms.BooleanField(label=_("Required"), required=False)
    min_quantity = forms.DecimalField(label=_("Minimum quantity"), initial=1, **QUANTITY)  # type: ignore[arg-type]
    max_quantity = forms.DecimalField(label=_("Maximum quantity"), required=False, **QUANTITY)  # type: ignore[arg-type]
    default_quantity = forms.DecimalField(label=_("Default quantity"), initial=1, **QUANTITY)  # type: ignore[arg-type]

    @classmethod
    def of(cls, part: BundleComponent, data: Any = None) -> ComponentEditForm:
        fields = ("required", "min_quantity", "max_quantity", "default_quantity")
        return cls(data, prefix=f"part{part.pk}", initial={name: getattr(part, name) for name in fields})


class ComponentForm(ComponentEditForm):
    component = forms.ModelChoiceField(label=_("Component"), queryset=Product.objects.none())
    field_order = ["component"]

    def __init__(self, *args: Any, bundle: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = [part.component_id for part in bundle.components.all()]
        choices = Product.objects.active().filter(is_bundle=False).exclude(pk__in=taken).order_by("code")
        self.fields["component"].queryset = choices  # type: ignore[attr-defined]


class RuleForm(StyledFormMixin, forms.Form):
    """A rule of a bundle: the bundle or its components (read from the bundle's prefetched
    components, so a page of rules, each with its form, costs no query per rule)."""

    product = forms.ModelChoiceField(label=_("If chosen"), queryset=Product.objects.none())
    kind = forms.ChoiceField(label=_("Rule"), choices=RuleKind.choices)
    other = forms.ModelChoiceField(label=_("Then"), queryset=Product.objects.none())

    def __init__(self, *args: Any, bundle: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = sorted([bundle, *(part.component for part in bundle.components.all())], key=lambda p: p.code)
        for name in ("product", "other"):
            field = self.fields[name]
            field.queryset = Product.objects.filter(pk__in=[p.pk for p in products])  # type: ignore[attr-defined]
            field.choices = [("", "---------"), *((p.pk, str(p)) for p in products)]  # type: ignore[attr-defined]

    @classmethod
    def of(cls, rule: ConfigurationRule, bundle: Product, data: Any = None) -> RuleForm:
        initial = {"product": rule.product_id, "kind": rule.kind, "other": rule.other_id}
        return cls(data, prefix=f"rule{rule.pk}", initial=initial, bundle=bundle)


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


class ContractPriceEditForm(StyledFormMixin, forms.Form):
    """A contracted price as it is. Once in force the service keeps its price, currency and start
    (only what changed is sent to it), so its end date and reference are what usually change."""

    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    unit_price = forms.DecimalField(label=_("Contracted price"), **PRICE)  # type: ignore[arg-type]
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DATE)
    reference = forms.CharField(label=_("Agreement reference"), required=False, max_length=100)

    @classmethod
    def of(cls, price: ContractPrice, data: Any = None) -> ContractPriceEditForm:
        return cls(data, prefix=f"cp{price.pk}", initial={name: getattr(price, name) for name in cls.base_fields})

    def changed_data_dict(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}
