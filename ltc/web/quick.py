"""Quick create from anywhere: the top bar's "+" menu opens a modal holding a short form for a
lead, an account, an activity or a deal. Each form is the app's own form cut to its essential
fields, and each save goes through the app's create service, so the rules live once.

A kind the user may not create is not offered (`quick_kinds`) and refused when posted (403).
A saved record answers htmx with HX-Redirect to its page (and a flash message there); field
errors re-render the form in the modal with 422.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import activities, customfields
from ltc.core.access import has_any_role
from ltc.core.forms import ActivityForm, add_service_errors, is_htmx, posted_number
from ltc.customers import selectors as customer_selectors
from ltc.customers import services as customer_services
from ltc.customers.access import may_write_customers
from ltc.customers.forms import AccountForm, AccountPicker
from ltc.customers.models import Account
from ltc.leads import selectors as lead_selectors
from ltc.leads import services as lead_services
from ltc.leads.access import can_capture_leads, can_change_lead
from ltc.leads.forms import QuickLeadForm
from ltc.leads.models import Lead
from ltc.opportunities import selectors as deal_selectors
from ltc.opportunities import services as deal_services
from ltc.opportunities.access import OPPORTUNITY_WRITE_ROLES, can_work
from ltc.opportunities.forms import OpportunityForm, visible_accounts
from ltc.opportunities.models import Opportunity

AuthedRequest = Any  # an HttpRequest whose user is signed in (login_required)


@dataclass(frozen=True)
class QuickKind:
    """One entry of the "+" menu: what it creates, who may, and the shortcut after `c`."""

    key: str
    label: Any
    icon: str
    shortcut: str
    allowed: Callable[[Any], bool]


def _may_create_deals(user: Any) -> bool:
    return has_any_role(user, OPPORTUNITY_WRITE_ROLES)


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


KINDS = (
    QuickKind("lead", gettext_lazy("Lead"), "target-arrow", "l", can_capture_leads),
    QuickKind("account", gettext_lazy("Account"), "building", "a", may_write_customers),
    QuickKind("activity", gettext_lazy("Activity"), "checkbox", "t", _signed_in),
    QuickKind("deal", gettext_lazy("Deal"), "briefcase", "d", _may_create_deals),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def quick_kinds(user: Any) -> list[QuickKind]:
    """The kinds `user` may create, in menu order."""
    return [kind for kind in KINDS if kind.allowed(user)]


# --- forms: the apps' forms, cut to what a quick entry needs --------------------------------------


def keep_required_custom(form: Any, record_type: str) -> None:
    """Cut `form`'s custom fields to the required ones of `record_type` (adding them when the form
    has none yet): a quick entry may skip what the full form leaves optional, never what it requires."""
    if not hasattr(form, "custom_field_names"):
        customfields.extend_form(form, record_type, None)
    required = {f"{customfields.FORM_PREFIX}{f.code}" for f in customfields.definitions(record_type) if f.required}
    for name in form.custom_field_names:
        if name not in required:
            form.fields.pop(name, None)
    form.custom_field_names = [name for name in form.custom_field_names if name in required]
    form.custom_bound = [form[name] for name in form.custom_field_names]


class QuickLeadCreateForm(QuickLeadForm):
    """The quick lead form with the lead's required custom fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep_required_custom(self, "lead")

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v and not k.startswith(customfields.FORM_PREFIX)}


class QuickAccountForm(AccountForm):
    """The account form with name, credit code, industry and region; the rest keeps its defaults."""

    QUICK_FIELDS = ("name", "credit_code", "industry", "region")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in list(self.fields):
            if name not in (*self.QUICK_FIELDS, "confirm_duplicate") and not name.startswith(customfields.FORM_PREFIX):
                del self.fields[name]
        keep_required_custom(self, "account")

    def changed_data_dict(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.QUICK_FIELDS if name in self.cleaned_data}


class QuickDealForm(OpportunityForm):
    """The deal form with name, account, pipeline, amount and expected close; the account is picked
    by search among the accounts the user may change."""

    QUICK_FIELDS = ("name", "account", "pipeline", "amount", "currency", "expected_close_date")

    def __init__(self, *args: Any, user: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, accounts=accounts, **kwargs)
        for name in list(self.fields):
            if name not in self.QUICK_FIELDS and not name.startswith(customfields.FORM_PREFIX):
                del self.fields[name]
        keep_required_custom(self, "deal")
        field: Any = self.fields["account"]
        field.widget = AccountPicker(attrs={"class": "form-select", "id": "id_account"})
        raw = self.data.get("account") if self.is_bound else self.initial.get("account")
        chosen = accounts.filter(pk=posted_number({"account": str(raw or "")}, "account")).first()
        field.widget.choices = [("", "---------")] + ([(chosen.pk, str(chosen))] if chosen else [])

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.QUICK_FIELDS}


def changeable_accounts(user: Any) -> QuerySet[Account]:
    """The accounts `user` sees and may change: their own, their teams', any for an administrator."""
    accounts: QuerySet[Account] = visible_accounts(user)
    if user.has_role("admin"):
        return accounts
    return accounts.filter(Q(owner_id=user.pk) | Q(owner__team_id__in=user.managed_team_ids()))


# --- the subject of an activity -------------------------------------------------------------------


def activity_subject(user: Any, on: str) -> models.Model | None:
    """The record an activity goes on, named "lead:12" or "opportunity:5" (None: a personal
    activity). A record the user may not see is a 404, like one that does not exist; one they see
    but may not work on (an executive's view of a lead) is left out: the activity is their own."""
    kind, _sep, raw = (on or "").partition(":")
    if not kind:
        return None
    pk = posted_number({"id": raw}, "id")
    if kind == "lead":
        lead = lead_selectors.lead_get(user=user, pk=pk)
        return lead if can_change_lead(user, lead) else None
    if kind == "opportunity":
        opportunity = deal_selectors.opportunity_get(user=user, pk=pk)
        return opportunity if can_work(user, opportunity) else None
    raise Http404


def _log_activity(actor: Any, subject: models.Model | None, data: dict[str, Any]) -> Any:
    if isinstance(subject, Lead):
        return lead_services.lead_activity_log(actor=actor, lead=subject, **data)
    if isinstance(subject, Opportunity):
        return deal_services.opportunity_activity_log(actor=actor, opportunity=subject, **data)
    # A personal follow-up hangs on its owner: it shows in their calendar and reminders.
    owner = get_user_model().objects.get(pk=actor.pk)  # the user itself, not the request's lazy proxy
    return activities.activity_create(actor=actor, subject=owner, **data)


# --- the views ----------------------------------------------------------------------------------


@login_required
def quick_create(request: AuthedRequest, kind: str) -> HttpResponse:
    """GET: the modal's form for `kind`; POST: create through the app's service."""
    quick = BY_KEY.get(kind)
    if quick is None:
        raise Http404
    if not quick.allowed(request.user):
        raise PermissionDenied
    handler = {"lead": _lead, "account": _account, "activity": _activity, "deal": _deal}[kind]
    context, created = handler(request)
    if created is not None:
        url = created.get_absolute_url() if hasattr(created, "get_absolute_url") else reverse("web:calendar")
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    context.update({"kind": quick, "action": reverse("web:quick_create", args=[kind])})
    status = 422 if request.method == "POST" else 200
    return render(request, "web/quick/modal.html", context, status=status)


Answer = tuple[dict[str, Any], Any]


def _save_custom(actor: Any, record: models.Model, form: Any) -> None:
    """The form's required custom values on the record just created, in the create's transaction."""
    customfields.custom_values_set(actor=actor, record=record, data=customfields.form_data(form), creating=True)


def _lead(request: AuthedRequest) -> Answer:
    form = QuickLeadCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                lead = lead_services.lead_create(actor=request.user, data=form.data_for_service(), owner=request.user)
                _save_custom(request.user, lead, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lead created; you own it."))
            return {}, lead
    return {"form": form, "fields": list(form)}, None


def _account(request: AuthedRequest) -> Answer:
    form = QuickAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.changed_data_dict()
        duplicates = customer_selectors.account_duplicates(
            user=request.user, name=data["name"], credit_code=data.get("credit_code", "")
        )
        if not form.duplicates_unconfirmed(duplicates):
            try:
                with transaction.atomic():
                    account = customer_services.account_create(actor=request.user, data=data)
                    _save_custom(request.user, account, form)
            except ValidationError as exc:  # a taken credit code too, without naming its holder
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Account “%(name)s” created.") % {"name": account.name})
                return {}, account
    if not duplicates:
        form.fields.pop("confirm_duplicate", None)
    return {"form": form, "fields": list(form), "duplicates": duplicates}, None


def _activity(request: AuthedRequest) -> Answer:
    source = request.POST if request.method == "POST" else request.GET
    on = str(source.get("on", ""))[:40]
    subject = activity_subject(request.user, on)
    form = ActivityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = _log_activity(request.user, subject, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:  # the rights changed since the form was drawn: say so in the modal
            form.add_error(None, _("You may not log an activity on this record."))
        else:
            messages.success(request, _("Activity saved."))
            return {}, subject if subject is not None else activity
    hidden = {"on": on} if subject is not None else {}
    return {"form": form, "fields": list(form), "subject": subject, "hidden": hidden}, None


def _deal(request: AuthedRequest) -> Answer:
    accounts = changeable_accounts(request.user)
    initial = {"account": request.GET.get("account", "")}
    form = QuickDealForm(
        request.POST if request.method == "POST" else None, initial=initial, user=request.user, accounts=accounts
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                opportunity = deal_services.opportunity_create(actor=request.user, data=form.data_for_service())
                _save_custom(request.user, opportunity, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Opportunity created."))
            return {}, opportunity
    return {"form": form, "fields": list(form)}, None


@login_required
def shortcuts_help(request: AuthedRequest) -> HttpResponse:
    """The keyboard shortcuts, as the modal's content (`?` opens it)."""
    return render(request, "web/quick/shortcuts.html", {"kinds": quick_kinds(request.user)})
