"""Consent and personal-data rights pages (个人信息保护法 / PIPL).

- The public unsubscribe and preference page of a marketing e-mail, named by the message's token:
  GET shows the masked address and the choice; a POST of `List-Unsubscribe=One-Click` (RFC 8058,
  sent by the mail client without a page) withdraws at once; a POST of the page's form withdraws or
  grants again. The view is csrf_exempt — the only one here — because a mail client posts it
  without a session or a form, and because the secret token in its URL already is what a CSRF
  token would prove: a third-party page cannot know it, and it can change only its own address.
- The consent form of the contact and lead panels (marketing and administrators).
- Data-subject requests: the list, a new request, a request's page, the export download (GET,
  read-only) and its "mark as given" (POST, closes the request), the confirmed erasure (marketing and administrators; anyone else 403).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ltc.core.access import may_see, visible_ids
from ltc.core.api import paginate
from ltc.core.forms import ListParams, StyledFormMixin, add_service_errors, flash_errors, is_id
from ltc.customers.models import Contact
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing
from ltc.marketing.models import ConsentBasis, ConsentChannel, ConsentState
from ltc.marketing.models.privacy import RequestKind, RequestStatus
from ltc.marketing.services import consent as consent_services
from ltc.marketing.services import privacy
from ltc.org.types import AuthedRequest

PAGE_SIZE = 25


# --- the public unsubscribe and preference page --------------------------------------------


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    message = consent_services.message_for_token(token)
    if message is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") == "One-Click":
            consent_services.email_preference_set(
                message=message, granted=False, source=_("one-click unsubscribe (e-mail #%(id)s)") % {"id": message.pk}
            )
            return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
        choice = request.POST.get("choice", "")
        if choice not in ("withdraw", "grant"):
            return _preference_page(request, message, error=_("Choose one of the options."), status=422)
        granted = choice == "grant"
        consent_services.email_preference_set(
            message=message,
            granted=granted,
            source=_("preference page (e-mail #%(id)s)") % {"id": message.pk},
        )
        done = _("You will receive our e-mails again.") if granted else _("You will receive no more marketing e-mail.")
        return _preference_page(request, message, done=done)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return _preference_page(request, message)


def _preference_page(
    request: HttpRequest, message: Any, *, done: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    # An allow-list: the masked address and the current choice, nothing about the person, the
    # campaign or anyone else (ltc/marketing/tests/test_consent_public.py).
    allowed = bool(consent_services.email_allowed([message.address]))
    context = {
        "masked_address": consent_services.masked(message.address),
        "subscribed": allowed,
        "token": message.token,
        "done": done,
        "error": error,
    }
    return render(request, "marketing/consent_preferences.html", context, status=status)


# --- staff: the consent panel's form ---------------------------------------------------------


class ConsentForm(StyledFormMixin, forms.Form):
    address = forms.ChoiceField(label=gettext_lazy("Address"))
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ConsentChannel.choices)
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=ConsentState.choices)
    basis = forms.ChoiceField(
        label=gettext_lazy("Lawful basis"),
        required=False,
        choices=[("", gettext_lazy("None (withdrawal)")), *ConsentBasis.choices],
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=200,
        help_text=gettext_lazy("Where it was given or withdrawn: a call, a signed form, a letter ..."),
    )

    def __init__(self, *args: Any, addresses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = [(a, a) for a in addresses]  # type: ignore[attr-defined]


def _subject_from(data: Any, user: Any) -> Any:
    lead_id, contact_id = data.get("lead", ""), data.get("contact", "")
    subject = privacy.subject_get(
        user=user,
        lead_id=int(lead_id) if is_id(lead_id) else None,
        contact_id=int(contact_id) if is_id(contact_id) else None,
    )
    if subject is None:
        raise Http404
    return subject


@login_required
@require_POST
def consent_record(request: AuthedRequest) -> HttpResponse:
    if not can_manage_marketing(request.user):
        raise PermissionDenied
    subject = _subject_from(request.POST, request.user)
    addresses = [a for a in (subject.email, subject.mobile) if a]
    form = ConsentForm(request.POST, addresses=addresses)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect(subject.get_absolute_url())
    try:
        consent_services.consent_record_checked(actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Consent recorded."))
    return redirect(subject.get_absolute_url())


# --- staff: data-subject requests --------------------------------------------------------------


class DataRequestForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Request"), choices=RequestKind.choices)
    asked_via = forms.CharField(
        label=gettext_lazy("Asked via"),
        max_length=200,
        help_text=gettext_lazy("How the person asked: e-mail, phone, letter ..."),
    )
    asked_at = forms.DateTimeField(
        label=gettext_lazy("Asked at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _require_manager(request: AuthedRequest) -> None:
    if not can_manage_marketing(request.user):
        raise PermissionDenied


@login_required
def privacy_list(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    params = ListParams(request.GET, default_limit=PAGE_SIZE)
    queryset = privacy.data_request_list(user=request.user)
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        queryset = queryset.filter(status=status)
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    # The person's name on each row; a link only to the records the viewer may open (two queries).
    items = list(page["items"])
    may_open_leads = visible_ids(request.user, Lead, [q.lead_id for q in items if q.lead_id])
    may_open_contacts = visible_ids(request.user, Contact, [q.contact_id for q in items if q.contact_id])
    for q in items:
        q.person_name = _person_name(q.subject)
        opens = q.lead_id in may_open_leads if q.lead_id else q.contact_id in may_open_contacts
        q.person_url = q.subject.get_absolute_url() if opens else ""
    return render(
        request,
        "marketing/privacy_list.html",
        {"page": page, "rows": items, "status": status, "statuses": RequestStatus.choices},
    )


def _person_name(subject: Any) -> str:
    """The person a request is about: a lead's contact name (with its company), a contact's name."""
    if isinstance(subject, Lead):
        if subject.contact_name and subject.company_name:
            return f"{subject.contact_name} ({subject.company_name})"
        return subject.contact_name or str(subject)
    return str(subject)


@login_required
def privacy_create(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    source = request.POST if request.method == "POST" else request.GET
    subject = _subject_from(source, request.user)
    initial = {"kind": request.GET.get("kind", RequestKind.EXPORT)}
    form = DataRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = privacy.data_request_create(
                actor=request.user,
                kind=data["kind"],
                asked_via=data["asked_via"],
                asked_at=data["asked_at"],
                lead=subject if isinstance(subject, Lead) else None,
                contact=subject if isinstance(subject, Contact) else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Request recorded."))
            return redirect("marketing:privacy_detail", pk=created.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "subject": subject, "subject_field": subject._meta.model_name}
    return render(request, "marketing/privacy_form.html", context, status=status)


def _request_or_404(request: AuthedRequest, pk: int) -> Any:
    _require_manager(request)
    found = privacy.data_request_get(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return found


@login_required
def privacy_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _request_or_404(request, pk)
    subject = found.subject
    context = {
        "req": found,
        "person_name": _person_name(subject),
        "person_url": subject.get_absolute_url() if may_see(request.user, subject) else "",
    }
    return render(request, "marketing/privacy_detail.html", context)


@login_required
def privacy_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET downloads the person's data and changes nothing; POST marks the copy as given, which
    closes the request."""
    found = _request_or_404(request, pk)
    if request.method == "POST":
        try:
            privacy.data_request_given(actor=request.user, request=found)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The copy is marked as given; the request is done."))
        return redirect("marketing:privacy_detail", pk=found.pk)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        data = privacy.data_request_export(actor=request.user, request=found)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("marketing:privacy_detail", pk=found.pk)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{data["kind"]}-{data["id"]}.json"'
    return response


@login_required
@require_POST
def privacy_erase(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _request_or_404(request, pk)
    try:
        privacy.data_request_erase(actor=request.user, request=found, confirmed=request.POST.get("confirm") == "yes")
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The person's data was erased."))
    return redirect("marketing:privacy_detail", pk=found.pk)
