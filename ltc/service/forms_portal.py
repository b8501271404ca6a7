"""The customer portal's forms (客户门户): the sign-in request, a new case, a reply."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.forms import StyledFormMixin
from ltc.customers.models import Contact
from ltc.service.models import CaseCategory, Priority
from ltc.service.services.portal import CUSTOMER_PRIORITIES, portal_assets


class PortalSignInForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)


class PortalCaseForm(StyledFormMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Describe the problem or the request"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.ChoiceField(label=_("Category"), choices=CaseCategory.choices, initial=CaseCategory.QUESTION)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[(p.value, p.label) for p in CUSTOMER_PRIORITIES],
        initial=Priority.P3,
        help_text=_("For a critical outage (P1), call the service desk."),
    )
    asset = forms.TypedChoiceField(label=_("Asset"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("— none —"))]
        choices += [(a.pk, f"{a.name} ({a.code})" if a.code else a.name) for a in portal_assets(contact)]
        self.fields["asset"].choices = choices  # type: ignore[attr-defined]


class PortalReplyForm(StyledFormMixin, forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=50000, widget=forms.Textarea(attrs={"rows": 4}))
