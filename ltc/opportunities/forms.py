from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core import customfields
from ltc.core.forms import StyledFormMixin
from ltc.customers.models import Account, Contact
from ltc.customers.selectors import account_list
from ltc.opportunities import selectors
from ltc.opportunities.choices import LossReason, OpportunityStatus, WinReason
from ltc.opportunities.models import Bid, Opportunity, Pipeline, Stage, Stakeholder
from ltc.opportunities.services import EDITABLE_FIELDS
from ltc.org.models import User
from ltc.org.selectors import assignable_users

FORM_FIELDS = [
    "name",
    "account",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "forecast_category",
    "owner",
    "sr",
    "fr",
    "sponsor",
    "campaign",
    "competitors",
    "products_of_interest",
    "description",
]


def _members(role: str) -> Any:
    return User.objects.filter(is_active=True, roles__code=role).distinct().order_by("username")


class OpportunityForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.filter(active=True))
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.filter(category="open", active=True),
        required=False,
        empty_label=_("— first stage —"),
    )
    contacts = forms.ModelMultipleChoiceField(label=_("Contacts"), queryset=Contact.objects.none(), required=False)

    class Meta:
        model = Opportunity
        fields = FORM_FIELDS
        widgets = {
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "competitors": forms.Textarea(attrs={"rows": 2}),
            "products_of_interest": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        querysets = {
            "account": accounts,
            "owner": assignable_users(),
            "sr": _members("sr"),
            "fr": _members("fr"),
            "sponsor": User.objects.filter(is_active=True).order_by("username"),
            "contacts": Contact.objects.active().filter(account__in=accounts),
            "stage": Stage.objects.filter(category="open", active=True).select_related("pipeline"),
        }
        for name, queryset in querysets.items():
            field: Any = self.fields[name]
            field.queryset = queryset
        stage_field: Any = self.fields["stage"]
        stage_field.label_from_instance = lambda s: f"{s.pipeline} · {s}"
        self.fields["probability"].required = False
        if self.instance.pk:
            del self.fields["pipeline"], self.fields["stage"]
            contacts: Any = self.fields["contacts"]
            contacts.queryset = Contact.objects.active().filter(account=self.instance.account_id)
            if not self.is_bound:
                self.initial["version"] = self.instance.version
                self.initial["contacts"] = list(self.instance.contacts.values_list("pk", flat=True))
        else:
            self.fields["owner"].initial = user.pk
            self.fields["pipeline"].initial = selectors.default_pipeline()
        customfields.extend_form(self, "deal", self.instance)

    def _post_clean(self) -> None:
        # Model validation runs in the service; the form only parses input.
        pass

    def data_for_service(self) -> dict[str, Any]:
        if self.instance.pk:
            names = [n for n in self.changed_data if n in (*EDITABLE_FIELDS, "contacts")]
        else:
            names = [*FORM_FIELDS, "pipeline", "stage", "contacts"]
        data = {n: self.cleaned_data[n] for n in names}
        if data.get("probability") is None:
            data.pop("probability", None)
        if "contacts" in data:
            data["contacts"] = list(data["contacts"])
        return data


class OpportunityFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.filter(active=True),
        required=False,
        empty_label=_("All pipelines"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *OpportunityStatus.choices], required=False
    )
    mine = forms.ChoiceField(
        label=_("My deals"),
        required=False,
        choices=[
            ("", _("All I can see")),
            ("ar", _("Mine as AR")),
            ("sr", _("Mine as SR")),
            ("fr", _("Mine as FR")),
            ("sponsor", _("Mine as sponsor")),
        ],
    )
    stage = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-updated", _("Recently updated")),
            ("-amount", _("Largest amount")),
            ("close", _("Closing soonest")),
            ("name", _("Name")),
        ],
    )

    def filters(self) -> selectors.OpportunityFilters:
        if not self.is_valid():
            return selectors.OpportunityFilters()
        data = self.cleaned_data
        pipeline: Pipeline | None = data.get("pipeline")
        return selectors.OpportunityFilters(
            q=data.get("q") or "",
            pipeline=pipeline.pk if pipeline else None,
            stage=data.get("stage"),
            status=data.get("status") or "",
            mine=data.get("mine") or "",
            sort=data.get("sort") or "-updated",
        )


class WinForm(StyledFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Why we won"), choices=WinReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class LoseForm(StyledFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Why we lost"), choices=LossReason.choices)
    competitor = forms.CharField(label=_("Competitor who won"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class FromLeadForm(StyledFormMixin, forms.Form):
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.filter(active=True))
    stage = forms.ModelChoiceField(
        label=_("Enter at stage"),
        queryset=Stage.objects.filter(category="open", active=True),
        required=False,
        empty_label=_("— first stage —"),
    )
    name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, required=False, min_value=0)
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].initial = selectors.default_pipeline()


def visible_accounts(user: Any) -> Any:
    return account_list(user=user).order_by("name") if user.is_authenticated else Account.objects.none()


class StakeholderForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Stakeholder
        fields = ["role", "attitude", "influence", "relationship", "last_contact_on", "notes"]
        widgets = {"last_contact_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def _post_clean(self) -> None:
        pass


class BidForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Bid
        fields = ["tender_number", "issuer", "submission_deadline", "submission_method", "quote_reference"]
        widgets = {
            "submission_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }

    def _post_clean(self) -> None:
        pass
