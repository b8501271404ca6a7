"""The case routing rule form (administrators and service team managers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ltc.catalog.models import Product
from ltc.core.forms import StyledFormMixin
from ltc.leads.choices import AssignStrategy
from ltc.org.choices import Region
from ltc.org.models import Team, User
from ltc.service.models import CaseCategory, CaseChannel, Priority
from ltc.service.services.routing import SERVICE_ROLES

ANY = [("", _("Any"))]


class RoutingRuleForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(
        label=pgettext_lazy("position in a list", "Order"),
        min_value=0,
        max_value=100000,
        initial=100,
        help_text=_("Lower numbers are tried first."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    category = forms.ChoiceField(label=_("Category"), choices=ANY + list(CaseCategory.choices), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=ANY + list(Priority.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=ANY + list(CaseChannel.choices), required=False)
    region = forms.ChoiceField(label=_("Account region"), choices=ANY + list(Region.choices), required=False)
    product = forms.ModelChoiceField(
        label=_("Product of the asset"), queryset=Product.objects.none(), required=False, empty_label=_("Any")
    )
    strategy = forms.ChoiceField(label=_("Assign"), choices=AssignStrategy.choices)
    assign_user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    assign_team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.order_by("code", "id")  # type: ignore[attr-defined]
        self.fields["assign_user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, roles__code__in=SERVICE_ROLES).distinct().order_by("username")
        )
        self.fields["assign_team"].queryset = Team.objects.order_by("name", "id")  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data
