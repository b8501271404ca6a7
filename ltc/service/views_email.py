"""Case e-mail pages: the mails waiting for an agent (unknown senders), attaching one to an
account to open its case, and the public satisfaction survey of a resolved case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ltc.core.api import paginate
from ltc.core.forms import ListParams, StyledFormMixin, add_service_errors, posted_number
from ltc.core.net import client_address
from ltc.customers.models import Contact
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service
from ltc.service.models import InboundStatus
from ltc.service.services import csat
from ltc.service.services import inbound as service

SCORES = [(n, str(n)) for n in range(5, 0, -1)]


class AttachForm(StyledFormMixin, forms.Form):
    account = forms.IntegerField(label=gettext_lazy("Account"), min_value=1, widget=forms.Select)
    contact = forms.IntegerField(label=gettext_lazy("Contact"), min_value=1, required=False, widget=forms.Select)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=csat.COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )


def _require_agent(request: AuthedRequest) -> None:
    if not can_work_service(request.user):
        raise PermissionDenied


@login_required
def inbound_list(request: AuthedRequest) -> HttpResponse:
    """Mails waiting for an agent (unknown senders), or the rejected and the attached ones."""
    _require_agent(request)
    status = request.GET.get("status") or InboundStatus.UNMATCHED
    if status not in service.LISTED:
        status = InboundStatus.UNMATCHED
    params = ListParams(request.GET, default_limit=50)
    page = params.page(
        paginate(service.inbound_list(request.user, status=status), limit=params.limit, offset=params.offset)
    )
    statuses = [(value, InboundStatus(value).label) for value in service.LISTED]
    return render(request, "service/inbound_list.html", {"page": page, "status": status, "statuses": statuses})


def _contacts_of(account_id: int) -> list[Contact]:
    return list(
        Contact.objects.filter(account_id=account_id, erased_at__isnull=True, merged_into__isnull=True).order_by(
            "name", "id"
        )[:200]
    )


@login_required
@require_http_methods(["GET", "POST"])
def inbound_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One mail, its text, and (while unmatched) the form that opens its case for an account:
    accounts are searched by name (q), the contact chosen among the account's people."""
    email = service.inbound_get(request.user, pk)  # 404 for anyone but the service staff
    query = (request.GET.get("q") or "").strip()[:100]
    account_id = posted_number(request.POST or request.GET, "account")
    account = service.attach_account(request.user, account_id) if account_id else None
    candidates = service.attach_candidates(request.user, email, q=query, chosen=account)
    contacts = _contacts_of(account.pk) if account is not None else []
    form = AttachForm(request.POST or None)
    form.fields["account"].widget.choices = [(a.pk, a.name) for a in candidates]
    form.fields["contact"].widget.choices = [("", "—"), *[(c.pk, f"{c.name} {c.email}") for c in contacts]]
    if request.method == "POST" and email.status != InboundStatus.UNMATCHED:
        # Another agent (or another tab) handled it meanwhile: say so rather than a silent form.
        messages.warning(
            request,
            _("This mail was already handled (%(status)s): nothing was changed.")
            % {"status": email.get_status_display()},
        )
        return redirect("service:inbound_detail", pk=email.pk)
    if request.method == "POST" and form.is_valid():
        contact_id = form.cleaned_data.get("contact")
        contact = next((c for c in contacts if c.pk == contact_id), None)
        try:
            if account is None:
                raise ValidationError({"account": [_("Choose an account you may see.")]})
            if contact_id and contact is None:
                raise ValidationError({"contact": [_("The contact must belong to the chosen account.")]})
            case = service.inbound_attach(actor=request.user, inbound=email, account=account, contact=contact)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s opened from the mail.") % {"number": case.number})
            return redirect(case)
    status = 422 if request.method == "POST" else 200
    context: dict[str, Any] = {"email": email, "form": form, "q": query, "account": account, "candidates": candidates}
    return render(request, "service/inbound_detail.html", context, status=status)


# --- the public survey (no sign-in) -------------------------------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction survey behind a private link: only the case's number and subject, a 1–5
    choice and a comment; answered once; attempts throttled per address like the web forms (no
    CSRF token: the link is opened from a mail program, the token is the credential)."""
    ip = client_address(request)
    case = csat.survey_case(token)
    if case is None or request.method == "POST":
        try:
            csat.survey_throttle(ip)
        except csat.RateLimited:
            return render(request, "service/survey_public.html", {"limited": True}, status=429)
    if case is None:
        raise Http404
    public = csat.survey_public(case)
    form = SurveyForm(request.POST or None)
    context: dict[str, Any] = {"public": public, "form": form}
    if public.answered:
        return render(request, "service/survey_public.html", {**context, "answered": True})
    if request.method == "POST" and form.is_valid():
        try:
            csat.survey_answer(case=case, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except csat.SurveyAnswered:
            return render(request, "service/survey_public.html", {**context, "answered": True}, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "service/survey_public.html", {**context, "thanks": True, "answered": True})
    status = 422 if request.method == "POST" else 200
    return render(request, "service/survey_public.html", context, status=status)
