"""My delegations (授权委托): the delegations a user gave or received, a form to delegate their
own authority while away (administrators: anyone's), and cancelling. Thin over ltc.org.delegation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core.forms import add_service_errors, flash_errors
from ltc.org import delegation as services
from ltc.org.choices import AuthoritySubject
from ltc.org.models import User
from ltc.org.types import AuthedRequest

SHOWN = 200


class DelegationForm(forms.Form):
    principal = forms.ModelChoiceField(
        queryset=User.objects.none(), label=gettext_lazy("Whose authority"), required=False
    )
    delegate = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Delegate"))
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    subjects = forms.MultipleChoiceField(
        label=gettext_lazy("Decisions"),
        choices=AuthoritySubject.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: everything your authority covers."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=services.REASON_MAX, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        self.fields["delegate"].queryset = people.exclude(pk=user.pk)  # type: ignore[attr-defined]
        if services.is_admin(user):
            self.fields["principal"].queryset = people  # type: ignore[attr-defined]
            self.fields["principal"].help_text = _("Blank: your own.")
        else:
            del self.fields["principal"]
        for name, field in self.fields.items():
            if name != "subjects":
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
                )
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today


@login_required
def delegation_page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    everyone = services.is_admin(user) and request.GET.get("all") == "1"
    form = DelegationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delegation_create(
                actor=user,
                principal=data.get("principal") or user,
                delegate=data["delegate"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                subjects=data["subjects"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Delegation recorded."))
            return redirect("web:delegations")
    rows = list(services.delegation_list(user=user, everyone=everyone)[:SHOWN])
    for row in rows:
        row.can_cancel = services.can_cancel(user, row)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "rows": rows,
        "everyone": everyone,
        "is_admin": services.is_admin(user),
        "today": timezone.localdate(),
    }
    return render(request, "web/delegations.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def delegation_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    delegation = services.delegation_get(user=request.user, pk=pk)
    try:
        services.delegation_cancel(actor=request.user, delegation=delegation)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Delegation cancelled."))
    return redirect(reverse("web:delegations"))
