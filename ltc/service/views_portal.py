"""The customer portal's pages (客户门户, /service/portal/): sign-in by a one-time link mailed to a
contact, then the contact's company's cases, assets and invoices. No staff login is read here
and no staff page is linked: each page is drawn from an allow-list of fields
(ltc/service/tests/test_portal.py asserts what never appears)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ltc.core.forms import add_service_errors
from ltc.core.net import client_address
from ltc.customers.models import Contact
from ltc.service.forms_portal import PortalCaseForm, PortalReplyForm, PortalSignInForm
from ltc.service.models import Case, CaseMessage, CaseStatus, MessageKind, PortalLink
from ltc.service.portal import portal_contact, portal_sign_in, portal_sign_out
from ltc.service.services import portal as services

PortalView = Callable[..., HttpResponse]


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(request, f"service/portal/{template}", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def portal_required(view: PortalView) -> PortalView:
    """The page of a signed-in portal contact; anyone else goes to the portal's sign-in."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = portal_contact(request)
        if contact is None:
            return redirect("service:portal_signin")
        return view(request, contact, *args, **kwargs)

    return wrapper


@never_cache
@require_http_methods(["GET", "POST"])
def portal_signin(request: HttpRequest) -> HttpResponse:
    """Ask for an e-mail address; the answer is the same whether it belongs to a contact or not."""
    if request.method == "GET" and portal_contact(request) is not None:
        return redirect("service:portal_cases")
    form = PortalSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_link_request(email=form.cleaned_data["email"], ip=client_address(request))
        except services.RateLimited:
            return _page(request, "signin.html", {"form": PortalSignInForm(), "limited": True}, status=429)
        return _page(request, "signin.html", {"sent": True})
    return _page(request, "signin.html", {"form": form}, status=422 if request.method == "POST" else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def portal_enter(request: HttpRequest, token: str) -> HttpResponse:
    """A mailed link. GET shows a button (a mail scanner opening the link does not use it up);
    POST signs the contact in, once."""
    if request.method == "POST":
        contact = services.portal_link_redeem(token=token)
        if contact is None:
            return _page(request, "enter.html", {"invalid": True}, status=410)
        portal_sign_in(request, contact)
        return redirect("service:portal_cases")
    usable = PortalLink.objects.filter(
        token_hash=services.token_hash(token[:200]), used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()
    if not usable:
        return _page(request, "enter.html", {"invalid": True}, status=410)
    return _page(request, "enter.html", {"token": token})


@require_POST
def portal_signout(request: HttpRequest) -> HttpResponse:
    portal_sign_out(request)
    return redirect("service:portal_signin")


def _base(contact: Contact, section: str) -> dict[str, Any]:
    # Allow-list: the contact's name and company, nothing else of either.
    return {"portal_name": contact.name, "portal_company": contact.account.name, "section": section}


@portal_required
def portal_cases(request: HttpRequest, contact: Contact) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in ("open", "closed") else ""
    cases = list(services.portal_case_list(contact, state=state)[:200])
    return _page(request, "cases.html", {**_base(contact, "cases"), "cases": cases, "state": state})


@portal_required
@require_http_methods(["GET", "POST"])
def portal_case_new(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = PortalCaseForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.portal_case_open(
                contact=contact,
                subject=data["subject"],
                description=data["description"],
                category=data["category"],
                priority=data["priority"],
                asset_id=data["asset"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            flash.success(request, _("Your case %(number)s is opened; we will answer soon.") % {"number": case.number})
            return redirect("service:portal_case", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return _page(request, "case_new.html", {**_base(contact, "cases"), "form": form}, status=status)


@portal_required
@require_http_methods(["GET", "POST"])
def portal_case(request: HttpRequest, contact: Contact, pk: int) -> HttpResponse:
    case = services.portal_case_get(contact, pk)
    if case is None:
        # A portal page, not the staff one (whose sign-in button a customer cannot use).
        return _page(request, "not_found.html", _base(contact, "cases"), status=404)
    merged_into = services.portal_case_merged_into(contact, case) if case.merged_into_id else None
    # A merged case takes no message: its conversation goes on on the case it was merged into.
    form = None if case.merged_into_id else PortalReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 409 if form is None else 422
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            message = services.portal_case_reply(contact=contact, case=case, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if message.case_id == case.pk:
                flash.success(request, _("Your message is sent."))
            else:  # a case closed long ago: the message opened a follow-up case
                flash.success(request, _("Your message opened a follow-up case."))
            return redirect("service:portal_case", pk=message.case_id)
    thread = list(services.portal_case_messages(case))
    context = {
        **_base(contact, "cases"),
        "case": case,
        "merged_into": merged_into,
        "thread": thread,
        "answer_by": _answer_by(case, thread),
        "form": form,
    }
    return _page(request, "case.html", context, status=status)


def _answer_by(case: Case, thread: list[CaseMessage]) -> datetime | None:
    """The first-response promise, while it is one: a new case with no reply yet, due in the
    future (a passed date would only tell the customer the target was missed)."""
    due = case.first_response_due
    if due is None or case.status != CaseStatus.NEW or any(m.kind == MessageKind.REPLY for m in thread):
        return None
    return due if due > timezone.now() else None


@portal_required
def portal_assets(request: HttpRequest, contact: Contact) -> HttpResponse:
    assets = list(services.portal_assets(contact)[:500])
    today = timezone.localdate()
    return _page(request, "assets.html", {**_base(contact, "assets"), "assets": assets, "today": today})


@portal_required
def portal_invoices(request: HttpRequest, contact: Contact) -> HttpResponse:
    invoices = list(services.portal_invoices(contact)[:500])
    return _page(request, "invoices.html", {**_base(contact, "invoices"), "invoices": invoices})
