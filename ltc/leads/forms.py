from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core import customfields
from ltc.core.forms import StyledFormMixin, posted_number
from ltc.leads import selectors
from ltc.leads.choices import DisqualifyReason, DuplicatePolicy, ImportStatus, LeadSource, LeadStatus, Temperature
from ltc.leads.models import Lead, LeadImportTemplate
from ltc.leads.services.capture import CAPTURE_FIELDS
from ltc.leads.services.imports import ImportValueColumn
from ltc.leads.services.rows import CHOICE_FIELDS, IMPORT_FIELDS, value_key
from ltc.org.selectors import assignable_users


class LeadForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=assignable_users(),
        required=False,
        empty_label=_("— route by the assignment rules —"),
    )

    class Meta:
        model = Lead
        fields = list(CAPTURE_FIELDS)
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["owner"]
            if not self.is_bound:
                self.initial["version"] = self.instance.version
        else:
            self.fields["owner"].initial = user.pk
            self.fields["source"].initial = LeadSource.EMPLOYEE
        customfields.extend_form(self, "lead", self.instance)

    def _post_clean(self) -> None:
        # Model validation runs in the service; the form only parses input.
        pass

    def data_for_service(self) -> dict[str, Any]:
        names = self.changed_data if self.instance.pk else list(CAPTURE_FIELDS)
        return {n: self.cleaned_data[n] for n in names if n in CAPTURE_FIELDS}


class QuickLeadForm(StyledFormMixin, forms.Form):
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    need = forms.CharField(label=_("Pain point / need"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.EMPLOYEE)


class LeadFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Company, contact, email, mobile"), "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *LeadStatus.choices]
    )
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources")), *LeadSource.choices])
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    created_by = forms.ChoiceField(
        label=_("Created by"),
        required=False,
        choices=[("", _("Created by anyone")), (selectors.ME, _("Created by me"))],
    )
    temperature = forms.ChoiceField(
        label=_("Temperature"), required=False, choices=[("", _("Any temperature")), *Temperature.choices]
    )
    score_min = forms.IntegerField(label=_("Score from"), required=False, min_value=0, max_value=100)
    score_max = forms.IntegerField(label=_("Score to"), required=False, min_value=0, max_value=100)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("First contact overdue"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-created", _("Newest")),
            ("created", _("Oldest")),
            ("-score", _("Highest score")),
            ("company", _("Company A–Z")),
            ("-updated", _("Recently changed")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = [(str(u.pk), str(u)) for u in assignable_users()]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            (str(user.pk), _("Me")),
            (selectors.UNASSIGNED, _("Unassigned pool")),
            *users,
        ]

    def filters(self) -> selectors.LeadFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.LeadFilters(
            q=data.get("q", ""),
            status=data.get("status", ""),
            source=data.get("source", ""),
            owner=data.get("owner", ""),
            created_by=data.get("created_by", ""),
            temperature=data.get("temperature", ""),
            score_min=data.get("score_min"),
            score_max=data.get("score_max"),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            overdue=bool(data.get("overdue")),
            # The account's page links the leads it came from here (?account=); the scope still applies.
            account=posted_number(self.data, "account") or None,
            sort=data.get("sort") or "-created",
        )


class DisqualifyForm(StyledFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisqualifyReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.IMPORT)
    campaign = forms.CharField(label=_("Campaign"), required=False, max_length=100)
    template = forms.ModelChoiceField(
        label=_("Import template"),
        queryset=LeadImportTemplate.objects.none(),
        required=False,
        empty_label=_("— none: suggest the mapping —"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = selectors.lead_import_templates(user=user)  # type: ignore[attr-defined]


class ImportFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ImportStatus.choices]
    )
    created_by = forms.ChoiceField(
        label=_("Uploaded by"), required=False, choices=[("", _("Anyone")), (selectors.ME, _("Me"))]
    )

    def filters(self) -> selectors.ImportFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.ImportFilters(status=data.get("status", ""), created_by=data.get("created_by", ""))


class ImportMappingForm(StyledFormMixin, forms.Form):
    duplicate_policy = forms.ChoiceField(
        label=_("Duplicates"), choices=DuplicatePolicy.choices, initial=DuplicatePolicy.SKIP
    )
    save_template_as = forms.CharField(
        label=_("Save as import template"),
        required=False,
        max_length=60,
        help_text=_("Keep these column and value mappings under a name, to pick for the next file."),
    )
    share_template = forms.BooleanField(label=_("Share the template with my team"), required=False)

    def __init__(self, *args: Any, headers: list[str], mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = [(f, getattr(Lead._meta.get_field(f), "verbose_name", f)) for f in IMPORT_FIELDS]
        labels += [(key, field.label) for key, field in customfields.import_fields("lead").items()]
        field_choices = [("", _("— ignore —")), *labels]
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}", choices=field_choices, required=False, initial=mapping.get(header, "")
            )
            self.fields[f"col_{index}"].widget.attrs["class"] = "form-select form-select-sm"

    def chosen_mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{index}", "")
            for index, header in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{index}")
        }


def value_field_name(field: str, value: str) -> str:
    """The form field that maps one value of a choice column (stable whatever the order)."""
    digest = hashlib.sha256(value_key(value).encode()).hexdigest()[:12]
    return f"value__{field}__{digest}"


class ImportValuesForm(StyledFormMixin, forms.Form):
    """One select per unknown value of each choice column: the user confirms what it means."""

    def __init__(self, *args: Any, columns: list[ImportValueColumn], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.rows: list[dict[str, Any]] = []
        for column in columns:
            choices = CHOICE_FIELDS[column.field]
            for item in column.values:
                suggested = [(s.code, s.label) for s in item.suggestions]
                others = [(code, label) for code, label in choices.choices if code not in dict(suggested)]
                name = value_field_name(column.field, item.value)
                default = item.chosen or (suggested[0][0] if suggested else "")
                self.fields[name] = forms.ChoiceField(
                    label=item.value,
                    required=False,
                    initial=default,
                    choices=[
                        ("", _("— leave unmapped: reject its rows —")),
                        *([(_("Suggested"), suggested)] if suggested else []),
                        (_("All values"), others),
                    ],
                )
                self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
                self.rows.append({"column": column, "item": item, "name": name})

    def complete(self) -> bool:
        """Whether the posted form answers every listed value (else the user has not seen them all)."""
        return all(name in self.data for name in self.fields)

    def value_mapping(self) -> dict[str, dict[str, str]]:
        mapping: dict[str, dict[str, str]] = {}
        for row in self.rows:
            code = self.cleaned_data.get(row["name"], "")
            if code:
                mapping.setdefault(row["column"].field, {})[row["item"].value] = code
        return mapping

    def bound_rows(self) -> list[dict[str, Any]]:
        return [{**row, "field": self[row["name"]]} for row in self.rows]


class WebFormForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.WEBSITE)
    campaign = forms.CharField(label=_("Campaign"), max_length=100, required=False)
    thank_you = forms.CharField(label=_("Thank-you message"), max_length=300, required=False)
    consent_text = forms.CharField(
        label=_("Consent text"),
        max_length=500,
        required=False,
        help_text=_("Shown beside the marketing consent checkbox; no checkbox when empty."),
    )


class PublicLeadForm(StyledFormMixin, forms.Form):
    """The fields a visitor fills on a public web form; `website_url` is the honeypot."""

    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    contact_title = forms.CharField(label=_("Title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    need = forms.CharField(label=_("How can we help?"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    consent = forms.BooleanField(required=False)  # drawn with the form's consent text, if it has one
    # The page's own query string, carried through the POST (cut to length by the service).
    utm_source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_content = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_term = forms.CharField(required=False, widget=forms.HiddenInput)
    website_url = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )
