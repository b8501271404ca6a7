"""Web-to-lead: public forms that capture leads without exposing anything internal."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.leads.models import Lead, WebForm
from ltc.leads.services.capture import lead_create
from ltc.org.models import User

PUBLIC_FIELDS = ("company_name", "contact_name", "contact_title", "mobile", "email", "region", "industry", "need")
HONEYPOT_FIELD = "website_url"
RATE_LIMIT = 5
RATE_WINDOW = timedelta(hours=1)


class RateLimited(Exception):
    """Too many submissions from one address."""


def webform_create(*, actor: User, name: str, source: str, campaign: str = "", thank_you: str = "") -> WebForm:
    form = WebForm(name=name.strip(), source=source, campaign=campaign.strip(), thank_you=thank_you.strip())
    form.key = secrets.token_urlsafe(18)
    form.full_clean()
    form.save()
    return form


def webform_submit(*, form: WebForm, data: dict[str, Any], ip: str | None) -> Lead | None:
    """Create a lead from a public submission and route it.

    Returns None (and creates nothing) when the honeypot field is filled, so bots see a normal
    thank-you. Raises RateLimited past RATE_LIMIT submissions per address per hour, and
    ValidationError for bad fields.
    """
    if data.get(HONEYPOT_FIELD):
        return None
    if ip and Lead.objects.filter(submitter_ip=ip, created_at__gte=timezone.now() - RATE_WINDOW).count() >= RATE_LIMIT:
        raise RateLimited
    values = {name: str(data.get(name, "") or "").strip() for name in PUBLIC_FIELDS}
    values = {k: v for k, v in values.items() if v}
    if not values.get("email") and not values.get("mobile"):
        raise ValidationError({"email": [_("Leave an email or a mobile number so we can reach you.")]})
    return lead_create(
        actor=None,
        data={**values, "source": form.source, "campaign": form.campaign},
        web_form=form,
        submitter_ip=ip,
    )
