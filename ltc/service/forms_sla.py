"""Forms of the business calendar, SLA policy and entitlement pages. They parse; the services
validate (and say so field by field)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.catalog.models import Product
from ltc.core.forms import StyledFormMixin, is_id
from ltc.customers.forms import AccountPicker
from ltc.customers.models import Account
from ltc.customers.selectors import account_choices
from ltc.service.models import BusinessCalendar, DayKind, Entitlement, Priority, SlaPolicy
from ltc.service.services.policies import first_field, resolution_field

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionMixin:
    def set_version(self, instance: Any) -> None:
        form = cast(forms.BaseForm, self)
        if instance is not None and instance.pk and not form.is_bound:
            form.initial["version"] = instance.version


class CalendarForm(StyledFormMixin, VersionMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = BusinessCalendar
        fields = ["name", "day_starts", "day_ends"]
        widgets = {"day_starts": TIME_WIDGET, "day_ends": TIME_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_version(self.instance)

    def _post_clean(self) -> None:
        """The service validates."""

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "day_starts", "day_ends")}


class CalendarDayForm(StyledFormMixin, forms.Form):
    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)


class CalendarImportForm(StyledFormMixin, forms.Form):
    year = forms.CharField(label=_("Year"), max_length=4)


class PolicyForm(StyledFormMixin, VersionMixin, forms.ModelForm):  # type: ignore[type-arg]
    """Name, calendar, warning share and active, and the four priorities' targets in business
    minutes (first response and resolution)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = SlaPolicy
        fields = ["name", "calendar", "warn_at_pct", "active"]

    def __init__(self, *args: Any, targets: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_version(self.instance)
        cast(forms.ModelChoiceField, self.fields["calendar"]).queryset = BusinessCalendar.objects.order_by(  # type: ignore[type-arg]
            "-is_default", "name"
        )
        for priority, label in Priority.choices:
            target = (targets or {}).get(priority)
            self.fields[first_field(priority)] = forms.CharField(
                label=_("%(p)s first response (minutes)") % {"p": label},
                initial=target.first_response_minutes if target else None,
                widget=forms.NumberInput(attrs={"min": 1}),
            )
            self.fields[resolution_field(priority)] = forms.CharField(
                label=_("%(p)s resolution (minutes)") % {"p": label},
                initial=target.resolution_minutes if target else None,
                widget=forms.NumberInput(attrs={"min": 1}),
            )

    def _post_clean(self) -> None:
        """The service validates."""

    def target_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(label, self[first_field(p)], self[resolution_field(p)]) for p, label in Priority.choices]

    def data_for_service(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in ("name", "calendar", "warn_at_pct", "active")}
        data["targets"] = {
            p: (self.cleaned_data.get(first_field(p)), self.cleaned_data.get(resolution_field(p)))
            for p in Priority.values
        }
        return data


class EntitlementForm(StyledFormMixin, VersionMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none(), widget=AccountPicker)

    class Meta:
        model = Entitlement
        fields = ["account", "name", "level", "policy", "starts_on", "ends_on", "products"]
        widgets = {
            "starts_on": DATE_WIDGET,
            "ends_on": DATE_WIDGET,
            "products": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_version(self.instance)
        policies = SlaPolicy.objects.filter(active=True).order_by("name")
        cast(forms.ModelChoiceField, self.fields["policy"]).queryset = policies  # type: ignore[type-arg]
        cast(forms.ModelMultipleChoiceField, self.fields["products"]).queryset = Product.objects.order_by("code")  # type: ignore[type-arg]
        self.fields["products"].help_text = _("None chosen: every product of the account.")
        if self.instance.pk:
            del self.fields["account"]  # an entitlement stays with its account
            return
        accounts = account_choices(user=user)
        field = cast(forms.ModelChoiceField, self.fields["account"])  # type: ignore[type-arg]
        field.queryset = accounts
        raw = self.data.get("account") if self.is_bound else self.initial.get("account")
        chosen = accounts.filter(pk=raw).first() if raw is not None and is_id(raw) else None
        field.widget.choices = [("", "---------")] + ([(chosen.pk, str(chosen))] if chosen else [])

    def _post_clean(self) -> None:
        """The service validates."""

    def data_for_service(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("name", "level", "policy", "starts_on", "ends_on", "products")
        }


class EntitlementCancelForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
