from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core import customfields
from ltc.core.forms import StyledFormMixin, is_id, posted_number
from ltc.customers import selectors
from ltc.customers.choices import AccountStatus, CompanySize
from ltc.customers.models import Account, Contact
from ltc.customers.services import ACCOUNT_FIELDS, CONTACT_FIELDS
from ltc.org.choices import Industry, Region
from ltc.org.selectors import assignable_users


class AccountPicker(forms.Select):
    """A select holding only the chosen account; the search box beside it loads matches (htmx)."""

    template_name = "customers/widgets/account_picker.html"


class VersionedForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm carrying the version it was read at, to refuse stale saves."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def set_queryset(self, name: str, queryset: Any) -> None:
        cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset  # type: ignore[type-arg]

    def limit_picker(self, name: str) -> None:
        """Offer only the chosen record, never the whole table; validation still checks access."""
        field = cast(forms.ModelChoiceField, self.fields[name])  # type: ignore[type-arg]
        if self.is_bound:
            value = self.data.get(self.add_prefix(name))
        else:
            value = self.initial.get(name) or getattr(self.instance, f"{name}_id", None)
        queryset = field.queryset
        chosen = queryset.filter(pk=value).first() if queryset is not None and is_id(value or "") else None
        field.widget.choices = [("", "---------")] + ([(chosen.pk, str(chosen))] if chosen else [])

    def _post_clean(self) -> None:
        # Model validation runs in the service; the form only parses input.
        pass

    def changed_data_dict(self) -> dict[str, Any]:
        names = self.changed_data if self.instance.pk else self._meta.fields or []
        return {
            name: self.cleaned_data[name]
            for name in names
            if name != "version" and not name.startswith(customfields.FORM_PREFIX)  # saved apart
        }


class AccountForm(VersionedForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https", max_length=200)
    confirm_duplicate = forms.BooleanField(label=_("Create it anyway: this is a different company"), required=False)

    class Meta:
        model = Account
        fields = list(ACCOUNT_FIELDS)
        widgets = {
            "parent": AccountPicker,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.set_queryset("parent", selectors.account_choices(user=user))
        self.set_queryset("owner", assignable_users())
        self.fields["owner"].initial = user.pk
        self.limit_picker("parent")
        if self.instance.pk:
            del self.fields["confirm_duplicate"]
        customfields.extend_form(self, "account", self.instance)

    def duplicates_unconfirmed(self, duplicates: list[Any]) -> bool:
        """Whether possible duplicates of a new account stand unconfirmed: the form then says so
        (they are listed below it) and nothing is to be created."""
        if duplicates and not self.cleaned_data.get("confirm_duplicate"):
            self.add_error(
                None, _("Possible duplicates exist (listed below). Check them, or confirm this is a different company.")
            )
            return True
        return False


class ContactForm(VersionedForm):
    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {"account": AccountPicker, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.set_queryset("account", selectors.account_choices(user=user))
        self.limit_picker("account")
        customfields.extend_form(self, "contact", self.instance)


class MergeForm(StyledFormMixin, forms.Form):
    """Choose the duplicate to merge into this record; the version guards against a stale page."""

    source = forms.ChoiceField(label=_("Duplicate to merge into this one"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        instance: Account | Contact,
        choices: list[tuple[int, str]],
        picker: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, initial={"version": instance.version}, **kwargs)
        field = cast(forms.ChoiceField, self.fields["source"])
        field.choices = [("", "---------"), *choices]
        if picker:
            # Accounts: the search box beside the select finds any other account by name.
            field.widget = AccountPicker(choices=field.choices, attrs={"id": "id_merge_source", "class": "form-select"})


class AccountFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name or credit code"), "type": "search"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices])
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=[("", _("All industries")), *Industry.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *AccountStatus.choices]
    )
    size = forms.ChoiceField(label=_("Size"), required=False, choices=[("", _("All sizes")), *CompanySize.choices])
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-updated", _("Recently changed")),
            ("-created", _("Newest")),
            ("created", _("Oldest")),
        ],
    )

    def filters(self, user: Any) -> selectors.AccountFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.AccountFilters(
            q=data.get("q", ""),
            region=data.get("region", ""),
            industry=data.get("industry", ""),
            status=data.get("status", ""),
            size=data.get("size", ""),
            owner=user.pk if data.get("mine") else None,
            sort=data.get("sort") or "name",
        )


class ContactFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, email or mobile"), "type": "search"}),
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("account", _("Account")),
            ("-updated", _("Recently changed")),
        ],
    )

    def filters(self) -> selectors.ContactFilters:
        data = self.cleaned_data if self.is_valid() else {}
        # The account's page links its contacts here (?account=); contact_list still scopes them.
        return selectors.ContactFilters(
            q=data.get("q", ""), sort=data.get("sort") or "name", account=posted_number(self.data, "account") or None
        )
