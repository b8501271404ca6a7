"""The process centre's review criteria (评审要素): what each role of the iron triangle scores in
an ATI, ATB and ATC review, and the forms that change them (administrators — the page draws no
form or button for anyone else). Thin over opportunities.services.criteria."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.access import fetch_or_404
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, flash_errors, posted_number
from ltc.core.timeline import timeline_for
from ltc.opportunities.choices import AssessorRole, ReviewType
from ltc.opportunities.models import ReviewCriterion
from ltc.opportunities.services import config
from ltc.opportunities.services import criteria as services
from ltc.org.types import AuthedRequest

TEMPLATES = "process/criteria"


class CriterionForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A new criterion (review, role, code and the rest) or a change of one (labels, help,
    order, active: what it is scored as stays)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ReviewCriterion
        fields = ["review_type", "role", "code", "label_zh", "label_en", "help", "order", "active"]
        widgets = {"help": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        if self.instance.pk is None:
            self.fields["order"].required = False
            self.initial["order"] = None  # left empty: after the last criterion of the review and role
            del self.fields["active"]
        else:
            for name in ("review_type", "role", "code"):
                del self.fields[name]


def _require_admin(request: AuthedRequest) -> None:
    if not config.can_configure(request.user):
        raise PermissionDenied


def _criterion(pk: int) -> ReviewCriterion:
    return fetch_or_404(ReviewCriterion.objects.all(), pk=pk)


def _back(criterion: ReviewCriterion) -> str:
    return reverse("process:review_criteria") + f"#criteria-{criterion.review_type}-{criterion.role}"


@login_required
def criteria_list(request: AuthedRequest) -> HttpResponse:
    """Per review type, each role's criteria in order (removed ones kept for the assessments that
    scored them shown apart). One query for all of them."""
    rows = list(ReviewCriterion.objects.order_by("review_type", "role", "order", "id"))
    reviews = []
    for review_type in ReviewType:
        roles = []
        for role in AssessorRole:
            mine = [c for c in rows if c.review_type == review_type and c.role == role]
            roles.append(
                {
                    "code": role.value,
                    "label": role.label,
                    "criteria": [c for c in mine if c.active],
                    "removed": [c for c in mine if not c.active],
                }
            )
        reviews.append({"code": review_type.value, "label": review_type.label, "roles": roles})
    context = {"reviews": reviews, "can_configure": config.can_configure(request.user)}
    return render(request, f"{TEMPLATES}/list.html", context)


@login_required
def criterion_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    initial = {
        "review_type": request.GET.get("review_type", ""),
        "role": request.GET.get("role", ""),
    }
    form = CriterionForm(request.POST or None, instance=ReviewCriterion(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.fields}
        if data["order"] is None:
            data.pop("order")
        try:
            criterion = services.criterion_add(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Criterion saved."))
            return redirect(_back(criterion))
    context = {"form": form, "title": _("New review criterion")}
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


@login_required
def criterion_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    criterion = _criterion(pk)
    form = CriterionForm(request.POST or None, instance=ReviewCriterion.objects.get(pk=criterion.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_update(
                actor=request.user,
                criterion=criterion,
                data={name: form.cleaned_data[name] for name in services.UPDATE_FIELDS if name in form.changed_data},
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Criterion saved."))
            return redirect(_back(criterion))
    context = {
        "form": form,
        "title": _("Edit review criterion %(criterion)s") % {"criterion": criterion},
        "criterion": criterion,
        "events": timeline_for(criterion),
    }
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


@login_required
@require_POST
def criterion_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    criterion = _criterion(pk)
    try:
        outcome = services.criterion_remove(
            actor=request.user, criterion=criterion, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Criterion '%(criterion)s': %(outcome)s.") % {"criterion": criterion.label, "outcome": outcome.label},
        )
    return redirect(_back(criterion))


urlpatterns: list[URLPattern] = [
    path("review-criteria/", criteria_list, name="review_criteria"),
    path("review-criteria/new/", criterion_create, name="review_criterion_create"),
    path("review-criteria/<int:pk>/edit/", criterion_edit, name="review_criterion_edit"),
    path("review-criteria/<int:pk>/remove/", criterion_remove, name="review_criterion_remove"),
]
