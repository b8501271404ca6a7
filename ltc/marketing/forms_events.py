"""Forms of the events pages: the event, the public registration and the walk-in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.forms import DATETIME_WIDGET, StyledFormMixin
from ltc.marketing.models import Campaign


class EventForm(StyledFormMixin, forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME_WIDGET)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=1_000_000, required=False)
    registration_open = forms.BooleanField(label=_("Registration open"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, campaigns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]


class PersonForm(StyledFormMixin, forms.Form):
    """Who registers: on the public page (with the honeypot) and at the door (walk-in)."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=20, required=False, help_text=_("A mobile number or an email is required.")
    )
    email = forms.EmailField(label=_("Email"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("mobile") and not cleaned.get("email"):
            self.add_error("mobile", _("Leave an email or a mobile number so we can reach you."))
        return cleaned

    consent = forms.BooleanField(label=_("I agree to receive news about events and products."), required=False)


class PublicRegistrationForm(PersonForm):
    """The public page's form; `website_url` is leads' web-form honeypot (HONEYPOT_FIELD)."""

    website_url = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )
