"""Process-centre settings: the custom fields of accounts, contacts, leads and deals
(ltc.core.customfields). Everyone signed in reads the definitions; administrators define and
change them, each change on the field's timeline; a POST by anyone else is a 403."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import customfields
from ltc.core.access import fetch_or_404
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, posted_number
from ltc.core.models import CustomField, CustomFieldType, CustomRecordType
from ltc.core.timeline import timeline_for
from ltc.org.types import AuthedRequest


class CustomFieldForm(StyledFormMixin, forms.Form):
    record_type = forms.ChoiceField(label=gettext_lazy("Record type"), choices=CustomRecordType.choices)
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("Lower-case letters, digits and _; used in the API, imports and list filters."),
    )
    field_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=CustomFieldType.choices)
    label_zh = forms.CharField(label=gettext_lazy("Label (Chinese)"), max_length=100, required=False)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=100, required=False)
    choices = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For a choice field: one option a line, as code | 中文 | English."),
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=10_000, initial=0)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # the code, record type and type never change
            for name in ("record_type", "code", "field_type"):
                del self.fields[name]

    def data_for_service(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.fields if name not in {"version", "choices"}}
        data["choices"] = _parse_choices(self.cleaned_data["choices"])
        return data


def _parse_choices(text: str) -> list[dict[str, str]]:
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")] + ["", ""]
        rows.append({"code": parts[0], "label_zh": parts[1], "label_en": parts[2]})
    return rows


def _choices_text(field: CustomField) -> str:
    return "\n".join(f"{c['code']} | {c['label_zh']} | {c['label_en']}" for c in field.choices)


@login_required
def custom_fields(request: AuthedRequest) -> HttpResponse:
    """The custom fields of every record type; administrators add one here."""
    can_manage = customfields.can_manage_custom_fields(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = CustomFieldForm(request.POST or None) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            field = customfields.custom_field_create(actor=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Custom field %(label)s saved.") % {"label": field.label})
            return redirect("process:settings_custom_fields")
    context = {
        "fields": list(CustomField.objects.order_by("record_type", "order", "id")),
        "form": form,
        "can_manage": can_manage,
        "active_tab": "custom_fields",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "process/settings/custom_fields.html", context, status=status)


@login_required
def custom_field(request: AuthedRequest, pk: int) -> HttpResponse:
    """One field: its definition, its history and (administrators) the edit form."""
    field = fetch_or_404(CustomField.objects.all(), pk=pk)
    can_manage = customfields.can_manage_custom_fields(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    initial = {
        "label_zh": field.label_zh,
        "label_en": field.label_en,
        "choices": _choices_text(field),
        "required": field.required,
        "order": field.order,
        "active": field.active,
        "version": field.version,
    }
    form = CustomFieldForm(request.POST or None, initial=initial, editing=True) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            customfields.custom_field_update(
                actor=request.user,
                field=field,
                data=form.data_for_service(),
                expected_version=posted_number(request.POST, "version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Custom field %(label)s saved.") % {"label": field.label})
            return redirect("process:settings_custom_field", pk=field.pk)
    context = {
        "field": field,
        "form": form,
        "can_manage": can_manage,
        "events": timeline_for(field),
        "active_tab": "custom_fields",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "process/settings/custom_field.html", context, status=status)


urlpatterns = [
    path("settings/custom-fields/", custom_fields, name="settings_custom_fields"),
    path("settings/custom-fields/<int:pk>/", custom_field, name="settings_custom_field"),
]
