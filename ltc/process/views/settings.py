"""Process-centre settings: payment-term templates (ltc.quotes.services.terms), how document
numbers read (ltc.core.numbering) and the company profile printed on documents (ltc.org.profile).
Everyone signed in reads them; administrators change them, each change on the record's
timeline; a POST by anyone else is a 403 and the pages draw no form for them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ltc.core import numbering
from ltc.core.access import fetch_or_404
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, posted_number
from ltc.core.models import NumberFormat, YearDigits
from ltc.core.timeline import timeline_for
from ltc.org import profile
from ltc.org.types import AuthedRequest
from ltc.quotes.choices import TermTrigger
from ltc.quotes.models import PaymentTermTemplate
from ltc.quotes.services import terms
from ltc.quotes.services.editing import MAX_TERMS

EMPTY_ROWS = 2


# --- payment-term templates ------------------------------------------------------------------


class TermTemplateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    active = forms.BooleanField(label=gettext_lazy("Offered on quotes"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _posted_lines(post: Any) -> list[dict[str, Any]]:
    """The milestone rows of the form (line-N-label, -percent, -trigger, -days); empty rows dropped."""
    lines = []
    for index in range(MAX_TERMS):
        label = post.get(f"line-{index}-label", "").strip()
        percent = post.get(f"line-{index}-percent", "").strip()
        if not label and not percent:
            continue
        days = post.get(f"line-{index}-days", "").strip() or "0"
        lines.append({"label": label, "percent": percent, "trigger": post.get(f"line-{index}-trigger"), "days": days})
    return lines


def _line_rows(lines: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    rows = [
        {**line, "errors": [e for key, messages_ in errors.items() if key.startswith(f"lines.{i}.") for e in messages_]}
        for i, line in enumerate(lines)
    ]
    blank = {"label": "", "percent": "", "trigger": TermTrigger.SIGNING, "days": 0, "errors": []}
    return [*rows, *[dict(blank) for _ in range(min(EMPTY_ROWS, MAX_TERMS - len(rows)))]]


def _template_triggers() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in TermTrigger.choices if code in terms.TEMPLATE_TRIGGERS]


def _save_template(
    request: AuthedRequest, form: TermTemplateForm, template: PaymentTermTemplate | None
) -> tuple[PaymentTermTemplate | None, list[dict[str, Any]], dict[str, list[str]]]:
    """Create or change a template from the posted form; the saved template, or None with the
    rows and errors to show again."""
    lines = _posted_lines(request.POST)
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        return None, lines, errors
    data = {"name": form.cleaned_data["name"], "active": form.cleaned_data["active"], "lines": lines}
    try:
        if template is None:
            return terms.term_template_create(actor=request.user, data=data), lines, errors
        saved = terms.term_template_update(
            actor=request.user, template=template, data=data, expected_version=posted_number(request.POST, "version")
        )
        return saved, lines, errors
    except ValidationError as exc:
        errors = exc.message_dict
        for key, messages_ in errors.items():
            if key != "lines" and not key.startswith("lines."):  # shown with the milestone rows
                form.add_error(key if key in form.fields else None, messages_)
    except StaleVersionError as exc:
        form.add_error(None, str(exc))
    return None, lines, errors


@login_required
def term_templates(request: AuthedRequest) -> HttpResponse:
    """The templates quotes are filled from; administrators add one here."""
    can_manage = terms.can_manage_templates(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = TermTemplateForm(request.POST or None) if can_manage else None
    lines: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form is not None:
        saved, lines, errors = _save_template(request, form, None)
        if saved is not None:
            messages.success(request, _("Payment-term template %(name)s saved.") % {"name": saved.name})
            return redirect("process:settings_term_template", pk=saved.pk)
    context = {
        "templates": list(PaymentTermTemplate.objects.prefetch_related("lines").order_by("-active", "name")),
        "form": form,
        "rows": _line_rows(lines or [], errors),
        "lines_errors": errors.get("lines", []),
        "triggers": _template_triggers(),
        "can_manage": can_manage,
        "active_tab": "terms",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "process/settings/term_templates.html", context, status=status)


@login_required
def term_template(request: AuthedRequest, pk: int) -> HttpResponse:
    """One template: its milestones, its history and (administrators) the edit form."""
    template = fetch_or_404(PaymentTermTemplate.objects.prefetch_related("lines"), pk=pk)
    can_manage = terms.can_manage_templates(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    initial = {"name": template.name, "active": template.active, "version": template.version}
    form = TermTemplateForm(request.POST or None, initial=initial) if can_manage else None
    lines = [
        {"label": t.label, "percent": t.percent, "trigger": t.trigger, "days": t.days} for t in template.lines.all()
    ]
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form is not None:
        saved, lines, errors = _save_template(request, form, template)
        if saved is not None:
            messages.success(request, _("Payment-term template %(name)s saved.") % {"name": saved.name})
            return redirect("process:settings_term_template", pk=saved.pk)
        template.refresh_from_db()
    context = {
        "template": template,
        "form": form,
        "rows": _line_rows(lines, errors),
        "lines_errors": errors.get("lines", []),
        "triggers": _template_triggers(),
        "can_manage": can_manage,
        "events": timeline_for(template),
        "active_tab": "terms",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "process/settings/term_template.html", context, status=status)


# --- numbering formats -----------------------------------------------------------------------


class NumberFormatForm(StyledFormMixin, forms.Form):
    # a declared field leaves the form's own `prefix` attribute alone (the metaclass collects it)
    prefix = forms.CharField(label=gettext_lazy("Prefix"), max_length=6)  # type: ignore[assignment]
    year_digits = forms.TypedChoiceField(label=gettext_lazy("Year"), choices=YearDigits.choices, coerce=int)
    separator = forms.ChoiceField(
        label=gettext_lazy("Separator"),
        choices=[("-", "-"), ("/", "/"), ("_", "_"), (".", "."), ("", gettext_lazy("None"))],
        required=False,
    )
    width = forms.IntegerField(
        label=gettext_lazy("Digits"), min_value=numbering.MIN_WIDTH, max_value=numbering.MAX_WIDTH
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@login_required
@require_GET
def number_formats(request: AuthedRequest) -> HttpResponse:
    """How each series' numbers read, with the number each gives next."""
    formats = numbering.number_formats()
    rows = [(f, str(numbering.SERIES[f.series].label), numbering.example(f)) for f in formats]
    context = {
        "rows": rows,
        "can_manage": numbering.can_configure_numbers(request.user),
        "active_tab": "numbers",
    }
    return render(request, "process/settings/number_formats.html", context)


@login_required
def number_format(request: AuthedRequest, series: str) -> HttpResponse:
    """One series: its format (administrators change it, from the next number on) and history."""
    try:
        record: NumberFormat = numbering.number_format_get(series)
    except NumberFormat.DoesNotExist as exc:
        raise Http404 from exc
    can_manage = numbering.can_configure_numbers(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    initial = {name: getattr(record, name) for name in numbering.FORMAT_FIELDS} | {"version": record.version}
    form = NumberFormatForm(request.POST or None, initial=initial) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = {name: form.cleaned_data[name] for name in numbering.FORMAT_FIELDS}
        try:
            numbering.number_format_update(
                actor=request.user,
                number_format=record,
                data=data,
                expected_version=posted_number(request.POST, "version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Number format saved: the next number is %(number)s.") % {"number": numbering.example(record)},
            )
            return redirect("process:settings_numbers")
        record = numbering.number_format_get(series)
    context = {
        "record": record,
        "label": numbering.SERIES[record.series].label,
        "next_number": numbering.example(record),
        "form": form,
        "can_manage": can_manage,
        "events": timeline_for(record),
        "active_tab": "numbers",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "process/settings/number_format.html", context, status=status)


# --- the company profile ---------------------------------------------------------------------


class CompanyProfileForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Company name"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("Company name (English)"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=50, required=False)
    email = forms.CharField(label=gettext_lazy("E-mail"), max_length=254, required=False)
    website = forms.CharField(label=gettext_lazy("Website"), max_length=200, required=False)
    tax_id = forms.CharField(label=gettext_lazy("Taxpayer ID (统一社会信用代码)"), max_length=18, required=False)
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=200, required=False)
    bank_account = forms.CharField(label=gettext_lazy("Bank account"), max_length=64, required=False)
    quote_terms = forms.CharField(
        label=gettext_lazy("Standard quote terms"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    logo = forms.FileField(
        label=gettext_lazy("Logo"), required=False, help_text=gettext_lazy("PNG or JPEG, at most 1 MB.")
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@login_required
def company_profile(request: AuthedRequest) -> HttpResponse:
    """The company as documents print it; administrators change it here."""
    record = profile.company_profile_get()
    can_manage = profile.can_manage_profile(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    initial = {name: getattr(record, name) for name in profile.TEXT_FIELDS} | {"version": record.version}
    form = CompanyProfileForm(request.POST or None, request.FILES or None, initial=initial) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        data: dict[str, Any] = {name: form.cleaned_data[name] for name in profile.TEXT_FIELDS}
        if form.cleaned_data["logo"]:
            data["logo"] = form.cleaned_data["logo"]
        elif form.cleaned_data["remove_logo"]:
            data["logo"] = None
        try:
            profile.company_profile_update(
                actor=request.user, data=data, expected_version=posted_number(request.POST, "version")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Company profile saved."))
            return redirect("process:settings_company")
        record = profile.company_profile_get()
    context = {
        "record": record,
        "logo_name": profile.logo_name(record),
        "form": form,
        "can_manage": can_manage,
        "events": timeline_for(record),
        "active_tab": "company",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "process/settings/company_profile.html", context, status=status)


urlpatterns = [
    path("settings/terms/", term_templates, name="settings_terms"),
    path("settings/terms/<int:pk>/", term_template, name="settings_term_template"),
    path("settings/numbers/", number_formats, name="settings_numbers"),
    path("settings/numbers/<str:series>/", number_format, name="settings_number_format"),
    path("settings/company/", company_profile, name="settings_company"),
]
