"""Pages of business calendars and SLA policies (configurers: administrators and service team
managers; service staff read the policies) and of entitlements (read through the account, changed
by service staff). Thin over ltc.service.services.{calendars,policies,entitlements}."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, add_service_errors, flash_errors, posted_number
from ltc.core.timeline import timeline_for
from ltc.org.types import AuthedRequest
from ltc.service.access import can_configure_service, can_work_service
from ltc.service.forms_sla import (
    CalendarDayForm,
    CalendarForm,
    CalendarImportForm,
    EntitlementCancelForm,
    EntitlementForm,
    PolicyForm,
)
from ltc.service.models import EntitlementStatus, Priority, SupportLevel
from ltc.service.services import calendars, entitlements, policies

# --- calendars -----------------------------------------------------------------------------------


@login_required
def calendar_list(request: AuthedRequest) -> HttpResponse:
    items = list(calendars.calendar_list(user=request.user))
    return render(request, "service/calendar_list.html", {"calendars": items})


def _calendar_form_page(request: AuthedRequest, form: CalendarForm, calendar: Any, status: int) -> HttpResponse:
    return render(request, "service/calendar_form.html", {"form": form, "calendar": calendar}, status=status)


@login_required
def calendar_create(request: AuthedRequest) -> HttpResponse:
    if not can_configure_service(request.user):
        raise PermissionDenied
    form = CalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar = calendars.calendar_create(actor=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Calendar created."))
            return redirect("service:calendar_detail", calendar.pk)
    return _calendar_form_page(request, form, None, 422 if request.method == "POST" else 200)


@login_required
def calendar_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = calendars.calendar_get(user=request.user, pk=pk)
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            calendars.calendar_update(
                actor=request.user,
                calendar=calendars.calendar_get(user=request.user, pk=pk),
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Calendar saved."))
            return redirect("service:calendar_detail", pk)
    return _calendar_form_page(request, form, calendar, 422 if request.method == "POST" else 200)


@login_required
def calendar_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = calendars.calendar_get(user=request.user, pk=pk)
    year = posted_number(request.GET, "year")
    if not 1900 <= year <= 2200:  # a year a calendar may hold; anything else shows this year
        year = timezone.localdate().year
    context = {
        "calendar": calendar,
        "year": year,
        "years": calendars.calendar_years(calendar=calendar),
        "days": list(calendars.calendar_days(calendar=calendar, year=year)),
        "library_years": calendars.library_years(),
        "day_form": CalendarDayForm(),
        "import_form": CalendarImportForm(initial={"year": year}),
        "events": timeline_for(calendar, limit=20),
    }
    return render(request, "service/calendar_detail.html", context)


def _back_to_year(pk: int, year: int) -> HttpResponse:
    return redirect(f"{reverse('service:calendar_detail', args=[pk])}?year={year}")


@login_required
@require_POST
def calendar_day_set(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = calendars.calendar_get(user=request.user, pk=pk)
    form = CalendarDayForm(request.POST)
    year = timezone.localdate().year
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back_to_year(pk, year)
    day: date = form.cleaned_data["day"]
    try:
        calendars.calendar_day_set(
            actor=request.user,
            calendar=calendar,
            day=day,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            expected_version=posted_number(request.POST, "version"),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Day saved."))
    return _back_to_year(pk, day.year)


@login_required
@require_POST
def calendar_day_remove(request: AuthedRequest, pk: int, day: str) -> HttpResponse:
    calendar = calendars.calendar_get(user=request.user, pk=pk)
    try:
        when = date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    try:
        calendars.calendar_day_remove(
            actor=request.user, calendar=calendar, day=when, expected_version=posted_number(request.POST, "version")
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Day removed: it follows Monday to Friday again."))
    return _back_to_year(pk, when.year)


@login_required
@require_POST
def calendar_import(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = calendars.calendar_get(user=request.user, pk=pk)
    year = request.POST.get("year", "")
    try:
        stored = calendars.calendar_import_year(
            actor=request.user, calendar=calendar, year=year, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return _back_to_year(pk, timezone.localdate().year)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
        return _back_to_year(pk, timezone.localdate().year)
    messages.success(request, _("%(n)d days of %(year)s imported.") % {"n": stored, "year": year})
    return _back_to_year(pk, int(year))


# --- policies ------------------------------------------------------------------------------------


def _target_rows(policy: Any) -> list[dict[str, Any]]:
    targets = policies.policy_targets(policy)
    rows = []
    for priority, label in Priority.choices:
        target = targets.get(priority)
        if target is None:
            continue
        rows.append(
            {
                "label": label,
                "first": target.first_response_minutes,
                "first_text": policies.hours_text(target.first_response_minutes),
                "resolution": target.resolution_minutes,
                "resolution_text": policies.hours_text(target.resolution_minutes),
            }
        )
    return rows


@login_required
def policy_list(request: AuthedRequest) -> HttpResponse:
    items = [(policy, _target_rows(policy)) for policy in policies.policy_list(user=request.user)]
    context = {
        "policies": items,
        "can_configure": can_configure_service(request.user),
    }
    return render(request, "service/policy_list.html", context)


@login_required
def policy_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    policy = policies.policy_get(user=request.user, pk=pk)
    context = {
        "policy": policy,
        "rows": _target_rows(policy),
        "can_configure": can_configure_service(request.user),
        "is_standard": policy.is_default,
        "entitlements_count": policy.entitlements.filter(status=EntitlementStatus.ACTIVE).count(),
        "events": timeline_for(policy, limit=20),
    }
    return render(request, "service/policy_detail.html", context)


def _policy_form_page(request: AuthedRequest, form: PolicyForm, policy: Any, status: int) -> HttpResponse:
    return render(request, "service/policy_form.html", {"form": form, "policy": policy}, status=status)


@login_required
def policy_create(request: AuthedRequest) -> HttpResponse:
    if not can_configure_service(request.user):
        raise PermissionDenied
    form = PolicyForm(request.POST or None, initial={"warn_at_pct": 80, "active": True})
    if request.method == "POST" and form.is_valid():
        try:
            policy = policies.policy_create(actor=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("SLA policy created."))
            return redirect("service:policy_detail", policy.pk)
    return _policy_form_page(request, form, None, 422 if request.method == "POST" else 200)


@login_required
def policy_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    policy = policies.policy_get(user=request.user, pk=pk)
    if not can_configure_service(request.user):
        raise PermissionDenied
    form = PolicyForm(request.POST or None, instance=policy, targets=policies.policy_targets(policy))
    if request.method == "POST" and form.is_valid():
        try:
            policies.policy_update(
                actor=request.user,
                policy=policies.policy_get(user=request.user, pk=pk),
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("SLA policy saved."))
            return redirect("service:policy_detail", pk)
    return _policy_form_page(request, form, policy, 422 if request.method == "POST" else 200)


# --- entitlements --------------------------------------------------------------------------------


@login_required
def entitlement_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in EntitlementStatus.values else ""
    q = request.GET.get("q", "").strip()[:100]
    params = ListParams(request.GET)
    page = params.page(
        paginate(
            entitlements.entitlement_list(user=request.user, status=status, q=q, account_id=request.GET.get("account")),
            limit=params.limit,
            offset=params.offset,
        )
    )
    context = {
        "page": page,
        "status": status,
        "q": q,
        "statuses": EntitlementStatus.choices,
        "can_work": can_work_service(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "service/entitlement_list.html", context)


@login_required
def entitlement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    entitlement = entitlements.entitlement_get(user=request.user, pk=pk)
    can_work = can_work_service(request.user)
    context = {
        "entitlement": entitlement,
        "products": list(entitlement.products.all()),
        "rows": _target_rows(entitlement.policy),
        "can_work": can_work,
        "active": entitlement.status == EntitlementStatus.ACTIVE,
        "cancel_form": EntitlementCancelForm(),
        "today": timezone.localdate(),
        "events": timeline_for(entitlement, limit=20),
    }
    return render(request, "service/entitlement_detail.html", context)


def _entitlement_form_page(
    request: AuthedRequest, form: EntitlementForm, entitlement: Any, status: int
) -> HttpResponse:
    context = {"form": form, "entitlement": entitlement}
    return render(request, "service/entitlement_form.html", context, status=status)


@login_required
def entitlement_create(request: AuthedRequest) -> HttpResponse:
    if not can_work_service(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {
        "level": SupportLevel.STANDARD,
        "policy": policies.default_policy().pk,
        "starts_on": today,
        "ends_on": entitlements.add_months(today, 12) - timedelta(days=1),
        "account": request.GET.get("account"),
    }
    form = EntitlementForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        try:
            entitlement = entitlements.entitlement_create(
                actor=request.user, account=form.cleaned_data["account"], **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Entitlement created."))
            return redirect(entitlement)
    return _entitlement_form_page(request, form, None, 422 if request.method == "POST" else 200)


@login_required
def entitlement_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    entitlement = entitlements.entitlement_get(user=request.user, pk=pk)
    if not can_work_service(request.user) or entitlement.status != EntitlementStatus.ACTIVE:
        raise PermissionDenied
    form = EntitlementForm(request.POST or None, instance=entitlement, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entitlements.entitlement_update(
                actor=request.user,
                entitlement=entitlements.entitlement_get(user=request.user, pk=pk),
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Entitlement saved."))
            return redirect(entitlement)
    return _entitlement_form_page(request, form, entitlement, 422 if request.method == "POST" else 200)


@login_required
@require_POST
def entitlement_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    entitlement = entitlements.entitlement_get(user=request.user, pk=pk)
    if not can_work_service(request.user):
        raise PermissionDenied
    form = EntitlementCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        entitlements.entitlement_cancel(
            actor=request.user,
            entitlement=entitlement,
            expected_version=posted_number(request.POST, "version"),
            reason=reason,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Entitlement cancelled."))
    return redirect(entitlement)
