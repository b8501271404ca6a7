"""Server-rendered account and contact pages: thin over services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core import customfields, listviews
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.exports import Column, export_response
from ltc.core.forms import ListParams, add_service_errors, is_htmx, is_id, posted_number
from ltc.core.timeline import timeline_for
from ltc.customers import selectors, services
from ltc.customers.access import can_change_account, can_merge_account, may_write_customers
from ltc.customers.forms import AccountFilterForm, AccountForm, ContactFilterForm, ContactForm, MergeForm
from ltc.customers.lists import ACCOUNT_LIST
from ltc.customers.models import Account, Contact
from ltc.org.selectors import assignable_users
from ltc.org.types import AuthedRequest

LOOKUP_LIMIT = 20
MERGE_CHOICES = 50
ACCOUNT_CONTACTS_SHOWN = 5  # as the panels of the account's page: the rest behind "view all"
CONTACT_COLUMNS: list[Column] = [
    (gettext_lazy("Name"), lambda c: c.name),
    (gettext_lazy("Account"), lambda c: c.account.name),
    (gettext_lazy("Title"), lambda c: c.title),
    (gettext_lazy("Department"), lambda c: c.department),
    (gettext_lazy("Mobile"), lambda c: c.mobile),
    (gettext_lazy("Phone"), lambda c: c.phone),
    (gettext_lazy("Email"), lambda c: c.email),
]


def _list_page(
    request: AuthedRequest, queryset: Any, *, template: str, columns: list[Column], basename: str, extra: dict[str, Any]
) -> HttpResponseBase:
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = queryset.iterator(chunk_size=2000)
        if "list" in extra and customfields.shows_custom(extra["list"].columns):
            rows = customfields.with_values(rows)
        return export_response(rows, columns, fmt=fmt, basename=basename)
    params = ListParams(request.GET)
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    if "list" in extra and customfields.shows_custom(extra["list"].columns):
        customfields.attach(page["items"])
    export_query = request.GET.copy()
    export_query.pop("offset", None)
    context = {**extra, "page": page, "export_query": export_query.urlencode()}
    return render(request, f"{template}#results" if is_htmx(request) else template, context)


def _can_change_account(user: Any, account: Account) -> bool:
    return can_change_account(user, account)


def _can_merge(user: Any, account: Account) -> bool:
    return may_write_customers(user) and can_merge_account(user, account)


def _follow_merge(request: AuthedRequest, exc: selectors.MergedRecord) -> HttpResponse:
    """A merged record's page sends the reader to the record it was merged into (if they may see it)."""
    if exc.target is None:
        raise exc
    messages.info(request, _("That record was merged into “%(name)s”.") % {"name": exc.target})
    return redirect(exc.target)


def _credit_code_error(form: AccountForm, user: Any, exc: services.CreditCodeTaken) -> None:
    """The form error for a taken credit code: a link to the existing account only if `user` may see it."""
    if selectors.account_visible_to(user=user, account=exc.existing):
        message = format_html(
            '{} <a href="{}">{}</a>',
            _("This unified social credit code is already registered to “%(name)s”.") % {"name": exc.existing.name},
            exc.existing.get_absolute_url(),
            _("Open the existing account"),
        )
        form.add_error("credit_code", message)
    else:
        add_service_errors(form, exc)


# --- accounts --------------------------------------------------------------------------------


@login_required
def account_list(request: AuthedRequest) -> HttpResponseBase:
    form = AccountFilterForm(request.GET or None)
    queryset = selectors.account_list(
        user=request.user, filters=form.filters(request.user) if form.is_bound else selectors.AccountFilters()
    ).select_related("owner__team")
    queryset = customfields.filter_records(queryset, "account", request.GET)
    state = listviews.list_state(request, ACCOUNT_LIST)
    if (default := state.default_query()) is not None:
        return redirect(f"{request.path}?{default}")
    return _list_page(
        request,
        queryset,
        template="customers/account_list.html",
        columns=listviews.export_columns(ACCOUNT_LIST, state.columns),
        basename="accounts",
        extra={
            "filter_form": form,
            "can_create": may_write_customers(request.user),
            "list": state,
            **listviews.mass_context(request.user, assignable_users().select_related("team")),
        },
    )


@login_required
def account_lookup(request: AuthedRequest) -> HttpResponse:
    """Options for the account picker: the first matches by name."""
    q = request.GET.get(request.GET.get("field", "q"), "") or request.GET.get("q", "")
    accounts = (
        selectors.account_list(user=request.user, filters=selectors.AccountFilters(q=q))[:LOOKUP_LIMIT]
        if q.strip()
        else []
    )
    return render(request, "customers/account_options.html", {"accounts": accounts})


@login_required
def account_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        account = selectors.account_get(user=request.user, pk=pk)
    except selectors.MergedRecord as exc:
        return _follow_merge(request, exc)
    duplicates = selectors.account_duplicates(
        user=request.user, name=account.name, credit_code=account.credit_code, exclude_pk=account.pk
    )
    can_merge = _can_merge(request.user, account)
    context = {
        "account": account,
        "contacts": account.contacts.active().order_by("name", "id")[:ACCOUNT_CONTACTS_SHOWN],
        # Links lead somewhere: only the related accounts this reader may open are linked.
        "subsidiaries": selectors.account_list(user=request.user).filter(parent=account)[:50],
        "parent_visible": account.parent is not None
        and selectors.account_visible_to(user=request.user, account=account.parent),
        "duplicates": duplicates,
        "events": timeline_for(account),
        "note_url": reverse("customers:account_note_add", args=[account.pk]),
        "can_change": _can_change_account(request.user, account),
        "merge_form": MergeForm(
            instance=account, choices=[(d.pk, d.name) for d in duplicates if d.visible], picker=True
        )
        if can_merge
        else None,
    }
    return render(request, "customers/account_detail.html", context)


def _require_customer_writer(user: Any) -> None:
    if not may_write_customers(user):
        raise PermissionDenied


@login_required
def account_create(request: AuthedRequest) -> HttpResponse:
    _require_customer_writer(request.user)
    form = AccountForm(request.POST or None, user=request.user)
    duplicates: list[selectors.Duplicate] = []
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.changed_data_dict()
        taken = selectors.account_by_credit_code(data.get("credit_code", ""))
        duplicates = selectors.account_duplicates(
            user=request.user, name=data["name"], credit_code=data.get("credit_code", "")
        )
        try:
            if taken is not None:
                raise services.CreditCodeTaken(taken)  # no second account, confirmed or not
            if not form.duplicates_unconfirmed(duplicates):
                with transaction.atomic():
                    account = services.account_create(actor=request.user, data=data)
                    customfields.custom_values_set(
                        actor=request.user, record=account, data=customfields.form_data(form), creating=True
                    )
                messages.success(request, _("Account “%(name)s” created.") % {"name": account.name})
                return redirect(account)
        except services.CreditCodeTaken as exc:
            _credit_code_error(form, request.user, exc)
            form.fields.pop("confirm_duplicate")  # confirming cannot make a second holder of the code
            conflict = True
        except ValidationError as exc:
            add_service_errors(form, exc)
    status = (409 if conflict else 422) if request.method == "POST" else 200
    return render(
        request,
        "customers/account_form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
        status=status,
    )


@login_required
def account_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    if not _can_change_account(request.user, account):
        raise PermissionDenied
    form = AccountForm(request.POST or None, instance=account, user=request.user)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.account_update(
                    actor=request.user,
                    account=account,
                    data=form.changed_data_dict(),
                    expected_version=form.cleaned_data.get("version") or 0,
                )
                customfields.custom_values_set(actor=request.user, record=account, data=customfields.form_data(form))
        except services.CreditCodeTaken as exc:
            _credit_code_error(form, request.user, exc)
            conflict = True
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Account saved."))
            return redirect(account)
    status = (409 if conflict else 422) if request.method == "POST" else 200
    return render(request, "customers/account_form.html", {"form": form, "account": account}, status=status)


@login_required
@require_POST
def account_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    try:
        services.account_delete(
            actor=request.user, account=account, expected_version=posted_number(request.POST, "version")
        )
    except (ValidationError, StaleVersionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(account)
    messages.success(
        request,
        _("“%(record)s” moved to the recycle bin; you can restore it within 30 days.") % {"record": account.name},
    )
    return redirect("customers:account_list")


def _merge_action(request: AuthedRequest, target: Account | Contact, get: Any, merge: Any, done: str) -> HttpResponse:
    """POST {source, version}: merge the chosen duplicate into `target`, then show the target."""
    source_id = request.POST.get("source", "")
    try:
        try:
            source = get(user=request.user, pk=source_id)
        except Http404 as exc:
            raise ValidationError(_("Choose the duplicate to merge.")) from exc
        merge(
            actor=request.user,
            target=target,
            source=source,
            expected_version=posted_number(request.POST, "version"),
        )
    except (ValidationError, StaleVersionError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, done)
    return redirect(target)


@login_required
@require_POST
def account_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    if not _can_merge(request.user, account):
        raise PermissionDenied
    return _merge_action(request, account, selectors.account_get, services.account_merge, _("Accounts merged."))


@login_required
@require_POST
def account_note_add(request: AuthedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    try:
        services.account_note_add(actor=request.user, account=account, text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{account.get_absolute_url()}#timeline")


# --- contacts --------------------------------------------------------------------------------


@login_required
def contact_list(request: AuthedRequest) -> HttpResponseBase:
    form = ContactFilterForm(request.GET or None)
    queryset = selectors.contact_list(
        user=request.user, filters=form.filters() if form.is_bound else selectors.ContactFilters()
    ).select_related("account__owner")
    return _list_page(
        request,
        queryset,
        template="customers/contact_list.html",
        columns=CONTACT_COLUMNS,
        basename="contacts",
        extra={
            "filter_form": form,
            "can_create": may_write_customers(request.user),
            "mass_delete_on": may_write_customers(request.user),
            "mass_limit": listviews.MASS_ACTION_LIMIT,
            "list_record": Contact(),  # later stages' mass actions: {% panels list_record slot="mass_actions" %}
        },
    )


@login_required
def contact_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        contact = selectors.contact_get(user=request.user, pk=pk)
    except selectors.MergedRecord as exc:
        return _follow_merge(request, exc)
    duplicates = selectors.contact_duplicates(
        user=request.user, email=contact.email, mobile=contact.mobile, exclude_pk=contact.pk
    )
    merge_form = None
    if _can_merge(request.user, contact.account):
        # The duplicates found by email or mobile first, then the others at the same account.
        choices = [(d.pk, d.name) for d in duplicates if d.visible]
        seen = {pk for pk, _name in choices} | {contact.pk}
        colleagues = contact.account.contacts.active().exclude(pk__in=seen).order_by("name", "id")
        choices += [(c.pk, f"{c.name} · {c.title}" if c.title else c.name) for c in colleagues[:MERGE_CHOICES]]
        merge_form = MergeForm(instance=contact, choices=choices)
    context = {
        "contact": contact,
        "duplicates": duplicates,
        "events": timeline_for(contact),
        "note_url": reverse("customers:contact_note_add", args=[contact.pk]),
        "can_change": _can_change_account(request.user, contact.account),
        "merge_form": merge_form,
    }
    return render(request, "customers/contact_detail.html", context)


@login_required
def contact_create(request: AuthedRequest) -> HttpResponse:
    _require_customer_writer(request.user)
    initial = {"account": request.GET.get("account")} if is_id(request.GET.get("account", "")) else {}
    form = ContactForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                contact = services.contact_create(actor=request.user, data=form.changed_data_dict())
                customfields.custom_values_set(
                    actor=request.user, record=contact, data=customfields.form_data(form), creating=True
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("account", str(exc) or _("You may not add contacts to this account."))
        else:
            duplicates = selectors.contact_duplicates(
                user=request.user, email=contact.email, mobile=contact.mobile, exclude_pk=contact.pk
            )
            if duplicates:
                messages.warning(request, _("Saved, but another contact has the same email or mobile: see below."))
            else:
                messages.success(request, _("Contact “%(name)s” created.") % {"name": contact.name})
            return redirect(contact)
    status = 422 if request.method == "POST" else 200
    return render(request, "customers/contact_form.html", {"form": form, "creating": True}, status=status)


@login_required
def contact_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    if not _can_change_account(request.user, contact.account):
        raise PermissionDenied
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.contact_update(
                    actor=request.user,
                    contact=contact,
                    data=form.changed_data_dict(),
                    expected_version=form.cleaned_data.get("version") or 0,
                )
                customfields.custom_values_set(actor=request.user, record=contact, data=customfields.form_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        except PermissionDenied as exc:
            form.add_error("account", str(exc))
        else:
            messages.success(request, _("Contact saved."))
            return redirect(contact)
    status = 422 if request.method == "POST" else 200
    return render(request, "customers/contact_form.html", {"form": form, "contact": contact}, status=status)


@login_required
@require_POST
def contact_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    try:
        services.contact_delete(
            actor=request.user, contact=contact, expected_version=posted_number(request.POST, "version")
        )
    except (ValidationError, StaleVersionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(contact)
    messages.success(
        request,
        _("“%(record)s” moved to the recycle bin; you can restore it within 30 days.") % {"record": contact.name},
    )
    return redirect(contact.account)


@login_required
@require_POST
def contact_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    if not _can_merge(request.user, contact.account):
        raise PermissionDenied
    return _merge_action(request, contact, selectors.contact_get, services.contact_merge, _("Contacts merged."))


@login_required
@require_POST
def contact_note_add(request: AuthedRequest, pk: int) -> HttpResponse:
    contact: Contact = selectors.contact_get(user=request.user, pk=pk)
    try:
        services.contact_note_add(actor=request.user, contact=contact, text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{contact.get_absolute_url()}#timeline")
