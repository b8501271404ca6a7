"""The forms of the case pages: the list's filters, the phone case an agent opens, and the actions
of a case's page (reply, internal note, status, assignment, edit, reopen, merge). They only parse
input; the case services validate and say what is refused, field by field."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.forms import StyledFormMixin, is_id
from ltc.customers.forms import AccountPicker
from ltc.customers.models import Account, Contact
from ltc.customers.selectors import account_choices
from ltc.org.choices import RoleCode
from ltc.org.models import User
from ltc.service.models import Asset, Case
from ltc.service.models.assets import AssetStatus
from ltc.service.models.cases import CaseCategory, CaseChannel, CaseStatus, SlaState
from ltc.service.models.sla import Priority

VIEWS = [
    ("mine", _("Mine")),
    ("team", _("Team queue")),
    ("unassigned", _("Unassigned")),
    ("all", _("All")),
]
OPEN = "open"
SLA_FILTERS = [
    (SlaState.RUNNING, _("Running")),
    (SlaState.WARNING, _("Due soon")),
    (SlaState.BREACHED, _("Breached")),
    (SlaState.MET, _("Met")),
    (SlaState.MISSED, _("Missed")),
]
BODY_MAX = 50000


def _choice_field(field: forms.Field) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return cast(forms.ModelChoiceField, field)  # type: ignore[type-arg]


def service_members() -> QuerySet[User]:
    """Whom a case may be assigned to: the active service staff."""
    return (
        User.objects.filter(is_active=True, roles__code=RoleCode.SERVICE)
        .distinct()
        .order_by("display_name", "username")
    )


class CaseFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), (OPEN, _("Open")), *CaseStatus.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any priority")), *Priority.choices]
    )
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=[("", _("Any SLA state")), *SLA_FILTERS])

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is ignored, never an error page)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class CaseCreateForm(StyledFormMixin, forms.Form):
    """A case an agent opens (on the phone): the account among those they may read, a contact and
    an asset of that account."""

    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none(), widget=AccountPicker)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none(), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What the customer reports"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    category = forms.ChoiceField(label=_("Category"), choices=CaseCategory.choices, initial=CaseCategory.QUESTION)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.P3)
    channel = forms.ChoiceField(label=_("Channel"), choices=CaseChannel.choices, initial=CaseChannel.PHONE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = account_choices(user=user)
        account_field = _choice_field(self.fields["account"])
        account_field.queryset = accounts
        raw = self.data.get("account") if self.is_bound else self.initial.get("account")
        chosen = accounts.filter(pk=raw).first() if raw is not None and is_id(raw) else None
        # The picker holds only the chosen account; the search box beside it loads the others.
        account_field.widget.choices = [("", "---------")] + ([(chosen.pk, str(chosen))] if chosen else [])
        account_field.widget.attrs.update(
            {
                "hx-get": reverse("service:case_create"),
                "hx-trigger": "change, htmx:afterSwap",
                "hx-target": "#case-account-records",
                "hx-select": "#case-account-records",
                "hx-swap": "outerHTML",
                "hx-include": "this",
            }
        )
        self.chosen_account = chosen
        contact_field = _choice_field(self.fields["contact"])
        asset_field = _choice_field(self.fields["asset"])
        if chosen is not None:
            contact_field.queryset = Contact.objects.active().filter(account=chosen).order_by("name", "id")
            asset_field.queryset = Asset.objects.filter(account=chosen, status=AssetStatus.ACTIVE).order_by(
                "name", "id"
            )

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class BodyForm(StyledFormMixin, forms.Form):
    """A reply to the customer or an internal note."""

    body = forms.CharField(label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["body"].label = label
            self.fields["body"].widget.attrs["aria-label"] = label


class VersionForm(StyledFormMixin, forms.Form):
    """A case action that carries the version the page was read at (stale: refused by the service)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if not self.is_bound:
            self.initial["version"] = case.version


class StatusForm(VersionForm):
    status = forms.ChoiceField(label=_("New status"))
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to resolve: what was done for the customer."),
    )

    def __init__(self, *args: Any, case: Case, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        labels = dict(CaseStatus.choices)
        cast(forms.ChoiceField, self.fields["status"]).choices = [(s, labels[s]) for s in allowed]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == CaseStatus.RESOLVED and not (data.get("resolution") or "").strip():
            self.add_error("resolution", _("Say how the case was resolved."))
        return data


class AssignForm(VersionForm):
    owner = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        _choice_field(self.fields["owner"]).queryset = service_members()
        if not self.is_bound and case.owner_id:
            self.initial["owner"] = case.owner_id


class CaseEditForm(VersionForm):
    EDITED = ("priority", "category", "asset")

    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ChoiceField(label=_("Category"), choices=CaseCategory.choices)
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none(), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        assets = Asset.objects.filter(account_id=case.account_id).order_by("name", "id")
        _choice_field(self.fields["asset"]).queryset = assets
        if not self.is_bound:
            self.initial.update({"priority": case.priority, "category": case.category, "asset": case.asset_id})

    def changes(self) -> dict[str, Any]:
        """Only what differs from the case (an unchanged form changes nothing)."""
        current = {"priority": self.case.priority, "category": self.case.category, "asset": self.case.asset}
        return {name: self.cleaned_data[name] for name in self.EDITED if self.cleaned_data[name] != current[name]}


MERGE_CHOICES = 50


class MergeForm(VersionForm):
    """The case a duplicate merges into: one of the account's 50 most recently opened other open
    cases, or any of them by its number (looked up within the account, never listed whole)."""

    into = forms.ChoiceField(label=_("Merge into case"), required=False)
    number = forms.CharField(
        label=_("Or type the case number"),
        required=False,
        max_length=20,
        help_text=_("For an older case not in the list: type its number."),
    )

    def __init__(self, *args: Any, case: Case, targets: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.targets = targets
        self.recent = list(targets.values_list("pk", "number", "subject")[:MERGE_CHOICES])
        cast(forms.ChoiceField, self.fields["into"]).choices = [
            ("", "---------"),
            *((str(pk), f"{number} · {subject}") for pk, number, subject in self.recent),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number, chosen = (data.get("number") or "").strip(), data.get("into") or ""
        target: Case | None = None
        if number:
            target = self.targets.filter(number__iexact=number).first()
            if target is None:
                self.add_error("number", _("No other open case of this account has this number."))
        elif is_id(chosen):
            target = self.targets.filter(pk=int(chosen)).first()
            if target is None:
                self.add_error("into", _("Choose another open case of the same account."))
        elif "into" not in self.errors:
            self.add_error("into", _("Choose a case or type its number."))
        data["into"] = target
        return data
