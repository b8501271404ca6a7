"""Web-to-lead: public forms that capture leads without exposing anything internal."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.events import emit
from ltc.leads.events import WebFormVisited
from ltc.leads.models import UTM_FIELDS, Lead, WebForm
from ltc.leads.services.capture import lead_create
from ltc.org.models import User

PUBLIC_FIELDS = ("company_name", "contact_name", "contact_title", "mobile", "email", "region", "industry", "need")
HONEYPOT_FIELD = "website_url"
RATE_LIMIT = 5
RATE_WINDOW = timedelta(hours=1)
# The reference a link to a form may carry for whoever it was sent to (`?ltc_m=`): opaque here.
VISITOR_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class RateLimited(Exception):
    """Too many submissions from one address."""


def webform_create(
    *, actor: User, name: str, source: str, campaign: str = "", thank_you: str = "", consent_text: str = ""
) -> WebForm:
    form = WebForm(
        name=name.strip(),
        source=source,
        campaign=campaign.strip(),
        thank_you=thank_you.strip(),
        consent_text=consent_text.strip(),
    )
    form.key = secrets.token_urlsafe(18)
    form.full_clean()
    form.save()
    return form


def webform_submit(*, form: WebForm, data: dict[str, Any], ip: str | None) -> Lead | None:
    """Create a lead from a public submission and route it.

    Returns None (and creates nothing) when the honeypot field is filled, so bots see a normal
    thank-you. `consent` (the ticked checkbox) counts only on a form that shows a consent text. Raises RateLimited past RATE_LIMIT submissions per address per hour, and
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
        data={**values, **_utm(data), "source": form.source, "campaign": form.campaign},
        web_form=form,
        submitter_ip=ip,
        consented=bool(form.consent_text and data.get("consent") is True),
    )


def webform_visit(*, form: WebForm, visitor: str) -> bool:
    """Announce that the person a link named opened the form's page (WebFormVisited), once per
    form, visitor and day; a reference that is no reference is ignored. True when announced."""
    if not VISITOR_REFERENCE.match(visitor):
        return False
    if not cache.add(f"webform-visit:{form.pk}:{visitor}:{timezone.localdate().isoformat()}", 1, 24 * 3600):
        return False
    with transaction.atomic():
        emit(
            WebFormVisited(
                subject_id=form.pk,
                visitor=visitor,
                source=form.source,
                campaign=form.campaign,
                visited_at=timezone.now(),
            )
        )
    return True


def _utm(data: dict[str, Any]) -> dict[str, str]:
    """The UTM parameters the form page was opened with, cut to their column's length."""
    return {name: str(data.get(name, "") or "").strip()[:100] for name in UTM_FIELDS}
