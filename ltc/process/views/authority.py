"""The authority matrix in the process centre (管理授权与行权): every signed-in user reads who may
decide what; administrators add, change and remove lines through ltc.org.services, each change
first checked ("dry run"): the open decisions it would send to a different decider are listed
before it is saved."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, posted_number
from ltc.core.models import TimelineEvent
from ltc.core.money import Currency
from ltc.core.timeline import timeline_for
from ltc.org import delegation as delegations
from ltc.org import services
from ltc.org.choices import AuthoritySubject
from ltc.org.models import Authority, Role, User
from ltc.org.types import AuthedRequest
from ltc.process.authority_impact import authority_change_impact

RECENT_CHANGES = 20
DELEGATIONS_SHOWN = 50


def _delegations(user: Any) -> list[Any]:
    """Administrators: the delegations (授权委托) running or planned, soonest first."""
    if not delegations.is_admin(user):
        return []
    rows = delegations.delegation_list(user=user, everyone=True).filter(
        cancelled_at__isnull=True, ends_on__gte=timezone.localdate()
    )
    return list(rows.order_by("starts_on", "pk")[:DELEGATIONS_SHOWN])


class AuthorityForm(StyledFormMixin, forms.Form):
    subject = forms.ChoiceField(label=gettext_lazy("Decides"), choices=AuthoritySubject.choices)
    role = forms.ModelChoiceField(label=gettext_lazy("Role"), queryset=Role.objects.order_by("code"), required=False)
    user = forms.ModelChoiceField(
        label=gettext_lazy("Named user"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        help_text=gettext_lazy("A role or a user, not both."),
    )
    max_amount = forms.DecimalField(
        label=gettext_lazy("Up to amount"),
        max_digits=18,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Blank: no limit."),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=Currency.choices, initial=Currency.CNY)
    max_discount_pct = forms.DecimalField(
        label=gettext_lazy("Up to discount %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Quote discounts only. Blank: no limit."),
    )
    min_margin_pct = forms.DecimalField(
        label=gettext_lazy("Margin at least %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Quote discounts only. Blank: any margin."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


FIELDS = [name for name in AuthorityForm.base_fields if name != "version"]


def _data(form: forms.Form) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in FIELDS}


def _require_admin(request: AuthedRequest, subject: str | None = None) -> None:
    """Administrators; a subject's steward (its process owner) for that subject's lines."""
    if not services.can_manage_authority(request.user, subject):
        raise PermissionDenied


def _offer(form: AuthorityForm, subjects: list[str]) -> AuthorityForm:
    """Offer only the subjects the user may change (another one posted is a form error)."""
    field = form.fields["subject"]
    field.choices = [(code, label) for code, label in AuthoritySubject.choices if code in subjects]  # type: ignore[attr-defined]
    return form


def _line(pk: int) -> Authority:
    return services.authority_get(pk=pk)


def _check_or_save(request: AuthedRequest, form: AuthorityForm, change: Any, save: Any) -> dict[str, Any] | None:
    """POST action=check: the dry run of the change (nothing kept); action=save: the change.
    Returns the page's extra context, or None once saved."""
    if not form.is_valid():
        return {}
    try:
        if request.POST.get("action") == "save":
            save(_data(form))
            return None
        return {"impact": authority_change_impact(lambda: change(_data(form))), "checked": True}
    except ValidationError as exc:
        add_service_errors(form, exc)
    except StaleVersionError as exc:
        form.add_error(None, str(exc))
    return {}


@login_required
def authority(request: AuthedRequest) -> HttpResponse:
    """The matrix by subject; administrators add a line here, checking it first."""
    managed = services.authority_subjects_managed(request.user)
    can_manage = bool(managed)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = _offer(AuthorityForm(request.POST or None), managed) if can_manage else None
    extra: dict[str, Any] | None = {}
    if request.method == "POST" and form is not None:

        def create(data: dict[str, Any]) -> Authority:
            return services.authority_create(actor=request.user, data=data)

        extra = _check_or_save(request, form, create, create)
        if extra is None:
            messages.success(request, _("Authority line saved."))
            return redirect("process:authority")
    lines = list(services.authority_list())
    subjects = dict(AuthoritySubject.choices)
    matrix = [
        (subjects.get(code, code), list(group), code in managed)
        for code, group in groupby(lines, key=lambda line: line.subject)
    ]
    changes = (
        TimelineEvent.objects.filter(content_type=ContentType.objects.get_for_model(Authority))
        .select_related("actor")
        .order_by("-at", "-id")[:RECENT_CHANGES]
    )
    status = 422 if request.method == "POST" and form is not None and form.errors else 200
    context = {
        "matrix": matrix,
        "form": form,
        "can_manage": can_manage,
        "changes": changes,
        "delegations": _delegations(request.user),
        "active_tab": "authority",
        **(extra or {}),
    }
    return render(request, "process/authority/matrix.html", context, status=status)


@login_required
def authority_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """One line: its timeline and (administrators) the edit form with its dry run."""
    line = _line(pk)
    can_manage = services.can_manage_authority(request.user, line.subject)
    if request.method == "POST":
        _require_admin(request, line.subject)
    initial = {**{name: getattr(line, name) for name in FIELDS}, "version": line.version}
    initial["role"], initial["user"] = line.role_id, line.user_id
    managed = services.authority_subjects_managed(request.user) if can_manage else []
    form = _offer(AuthorityForm(request.POST or None, initial=initial), managed) if can_manage else None
    extra: dict[str, Any] | None = {}
    if request.method == "POST" and form is not None:
        expected = posted_number(request.POST, "version")

        def update(data: dict[str, Any]) -> Authority:
            return services.authority_update(actor=request.user, line=_line(pk), data=data, expected_version=expected)

        extra = _check_or_save(request, form, update, update)
        if extra is None:
            messages.success(request, _("Authority line saved."))
            return redirect("process:authority")
    status = 422 if request.method == "POST" and form is not None and form.errors else 200
    context = {
        "line": line,
        "form": form,
        "can_manage": can_manage,
        "events": timeline_for(line),
        "active_tab": "authority",
        **(extra or {}),
    }
    return render(request, "process/authority/edit.html", context, status=status)


@login_required
def authority_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: what removing the line would change (dry run); POST: remove it."""
    line = _line(pk)
    _require_admin(request, line.subject)
    if request.method == "POST":
        try:
            services.authority_remove(
                actor=request.user, line=line, expected_version=posted_number(request.POST, "version")
            )
        except StaleVersionError as exc:
            messages.error(request, str(exc))
            return redirect("process:authority_remove", pk=pk)
        messages.success(request, _("Authority line removed."))
        return redirect("process:authority")
    impact = authority_change_impact(
        lambda: services.authority_remove(actor=request.user, line=_line(pk), expected_version=line.version)
    )
    context = {"line": line, "impact": impact, "active_tab": "authority"}
    return render(request, "process/authority/remove.html", context)


urlpatterns = [
    path("authority/", authority, name="authority"),
    path("authority/<int:pk>/", authority_edit, name="authority_edit"),
    path("authority/<int:pk>/remove/", authority_remove, name="authority_remove"),
]
