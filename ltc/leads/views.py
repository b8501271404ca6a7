"""Lead pages (ML stage): list, board, detail with its actions, capture, import wizard,
web forms and reports. Thin over leads.services and leads.selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ltc.core import customfields, listviews
from ltc.core.actions import flash_refusal, run_action
from ltc.core.activities import activities_for
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.exports import export_response
from ltc.core.forms import (
    ActivityForm,
    ListParams,
    add_service_errors,
    errors_as_text,
    flash_errors,
    is_htmx,
    posted_number,
)
from ltc.core.links import absolute_url
from ltc.core.net import client_address
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account
from ltc.leads import selectors, services
from ltc.leads.access import (
    can_capture_leads,
    can_change_lead,
    can_import_leads,
    can_manage_webforms,
    can_route,
    can_run_import,
)
from ltc.leads.choices import CheckItem, ImportStatus, LeadSource, LeadStatus
from ltc.leads.dedupe import lead_matches
from ltc.leads.forms import (
    DisqualifyForm,
    ImportFilterForm,
    ImportMappingForm,
    ImportUploadForm,
    ImportValuesForm,
    LeadFilterForm,
    LeadForm,
    PublicLeadForm,
    WebFormForm,
)
from ltc.leads.lists import LEAD_LIST
from ltc.leads.models import UTM_FIELDS, Lead, QualificationPolicy, SavedView, WebForm
from ltc.leads.services.webforms import HONEYPOT_FIELD, PUBLIC_FIELDS
from ltc.org.models import User
from ltc.org.selectors import assignable_users
from ltc.org.types import AuthedRequest

BOARD_CARDS = 20


def _require_writer(user: Any) -> None:
    if not can_capture_leads(user):
        raise PermissionDenied


def _created_message(actor: User, lead: Lead) -> str:
    """Tell the creator where the lead went: they keep reading it, the owner works it."""
    if lead.owner_id is None:
        return _("Lead created. No rule matched: the lead waits in the unassigned pool.")
    if lead.owner_id == actor.pk:
        return _("Lead created; you own it.")
    return _("Lead created. Routed to %(owner)s.") % {"owner": lead.owner}


# --- list, board, reports --------------------------------------------------------------------


@login_required
def lead_list(request: AuthedRequest) -> HttpResponseBase:
    form = LeadFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_bound else selectors.LeadFilters()
    queryset = customfields.filter_records(selectors.lead_list(user=request.user, filters=filters), "lead", request.GET)
    state = listviews.list_state(request, LEAD_LIST)
    if (default := state.default_query()) is not None:
        return redirect(f"{request.path}?{default}")
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        columns = listviews.export_columns(LEAD_LIST, state.columns)
        rows = queryset.iterator(chunk_size=2000)
        if customfields.shows_custom(state.columns):
            rows = customfields.with_values(rows)
        return export_response(rows, columns, fmt=fmt, basename="leads")
    params = ListParams(request.GET)
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    if customfields.shows_custom(state.columns):
        customfields.attach(page["items"])
    query = request.GET.copy()
    query.pop("offset", None)
    context = {
        "filter_form": form,
        "page": page,
        "export_query": query.urlencode(),
        "list": state,
        "saved_views": selectors.saved_views(user=request.user),
        "can_route": can_route(request.user),
        "users": assignable_users(),
        "disqualify_form": DisqualifyForm(),
        "list_record": Lead(),  # later stages' mass actions: {% panels list_record slot="mass_actions" %}
    }
    template = "leads/lead_list.html#results" if is_htmx(request) else "leads/lead_list.html"
    return render(request, template, context)


@login_required
def lead_board(request: AuthedRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_bound else selectors.LeadFilters()
    counts = selectors.lead_status_counts(user=request.user, filters=filters)
    columns = []
    for status in LeadStatus:
        cards = selectors.lead_list(
            user=request.user, filters=selectors.LeadFilters(**{**filters.__dict__, "status": status})
        )[:BOARD_CARDS]
        columns.append({"status": status, "label": status.label, "count": counts.get(status, 0), "cards": cards})
    return render(request, "leads/lead_board.html", {"columns": columns, "filter_form": form})


@login_required
@require_POST
def saved_view_save(request: AuthedRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:60]
    query = request.POST.get("query", "")[:1000]
    if name:
        SavedView.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    return redirect(f"{reverse('leads:lead_list')}?{query}")


@login_required
@require_POST
def saved_view_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    get_object_or_404(SavedView, pk=pk, user=request.user).delete()
    return redirect("leads:lead_list")


@login_required
@require_POST
def lead_bulk(request: AuthedRequest) -> HttpResponse:
    """Bulk actions on the selected leads: assign, disqualify, route by the rules, delete (to the
    recycle bin)."""
    ids = listviews.selected_ids(request.POST)
    if ids is None:
        messages.error(request, _("Select at most %(n)d records at a time.") % {"n": listviews.MASS_ACTION_LIMIT})
        return redirect(request.POST.get("next") or reverse("leads:lead_list"))
    action = request.POST.get("action")
    if action == "delete":
        return listviews.mass_delete(
            request,
            back_to="leads:lead_list",
            records=selectors.lead_list(user=request.user),
            delete=lambda lead, version: services.lead_delete(actor=request.user, lead=lead, expected_version=version),
        )
    leads = list(selectors.lead_list(user=request.user).filter(pk__in=ids))
    done = 0
    if action == "route":
        try:
            done = services.leads_route(actor=request.user, leads=leads)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc) or _("Not allowed.")])))
    elif action in {"assign", "disqualify"}:
        # One service call per lead: a refused lead is reported by name and left as it was.
        owner = User.objects.filter(pk=posted_number(request.POST, "owner")).first()
        reason = request.POST.get("reason", "")
        result = listviews.mass_apply(
            leads,
            lambda lead: (
                services.lead_assign(actor=request.user, lead=lead, owner=owner)
                if action == "assign"
                else services.lead_disqualify(actor=request.user, lead=lead, reason=reason)
            ),
        )
        done = result.done
        for record, why in result.failed:
            messages.error(request, _("“%(record)s” not changed: %(reason)s") % {"record": record, "reason": why})
    messages.info(request, _("%(n)d leads updated.") % {"n": done})
    return redirect(request.POST.get("next") or reverse("leads:lead_list"))


@login_required
def lead_reports(request: AuthedRequest) -> HttpResponse:
    table = selectors.leads_by_source_and_status(user=request.user)
    context = {
        "statuses": list(LeadStatus),
        "rows": [
            {"label": label, "counts": [table.get(code, {}).get(s, 0) for s in LeadStatus]}
            for code, label in LeadSource.choices
            if code in table
        ],
        "conversion": selectors.conversion_by_source(user=request.user),
        "median_hours": selectors.median_hours_to_first_contact(user=request.user),
    }
    return render(request, "leads/reports.html", context)


# --- capture ---------------------------------------------------------------------------------


@login_required
def lead_create(request: AuthedRequest) -> HttpResponse:
    _require_writer(request.user)
    form = LeadForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                lead = services.lead_create(
                    actor=request.user, data=form.data_for_service(), owner=form.cleaned_data.get("owner")
                )
                customfields.custom_values_set(
                    actor=request.user, record=lead, data=customfields.form_data(form), creating=True
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _created_message(request.user, lead))
            return redirect(lead)
    status = 422 if request.method == "POST" else 200
    return render(request, "leads/lead_form.html", {"form": form, "creating": True}, status=status)


@login_required
def lead_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk)
    if not can_change_lead(request.user, lead):
        raise PermissionDenied
    form = LeadForm(request.POST or None, instance=lead, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.lead_update(
                    actor=request.user,
                    lead=lead,
                    data=form.data_for_service(),
                    expected_version=form.cleaned_data.get("version") or 0,
                )
                customfields.custom_values_set(actor=request.user, record=lead, data=customfields.form_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Lead saved."))
            return redirect(lead)
    status = 422 if request.method == "POST" else 200
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead}, status=status)


@login_required
@require_POST
def lead_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move the lead (and its activities) to the recycle bin; refusals go back to the lead."""
    lead = selectors.lead_get(user=request.user, pk=pk)
    try:
        services.lead_delete(actor=request.user, lead=lead, expected_version=posted_number(request.POST, "version"))
    except (ValidationError, StaleVersionError) as exc:
        flash_refusal(request, exc)
        return redirect(lead)
    messages.success(
        request, _("“%(record)s” moved to the recycle bin; you can restore it within 30 days.") % {"record": lead}
    )
    return redirect("leads:lead_list")


# --- detail and actions ----------------------------------------------------------------------


def _possible_duplicates(lead: Lead) -> list[dict[str, Any]]:
    """Other leads, accounts and contacts sharing a key with the lead — not the account and
    contact it became — each with the key named in the reader's language."""
    became = {("account", lead.account_id), ("contact", lead.contact_id)}
    reasons = {
        "credit_code": Lead._meta.get_field("credit_code"),
        "email": Lead._meta.get_field("email"),
        "mobile": Lead._meta.get_field("mobile"),
        "company": Lead._meta.get_field("company_name"),
    }
    return [
        {"kind": m.kind, "pk": m.pk, "label": m.label, "reason": getattr(reasons[m.reason], "verbose_name", m.reason)}
        for m in lead_matches(lead)
        if (m.kind, m.pk) not in became
    ]


@login_required
def lead_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk)
    required = set(QualificationPolicy.current().required_items)
    checklist = [
        {"code": code, "label": CheckItem(code).label, "done": done, "required": code in required}
        for code, done in lead.checklist().items()
    ]
    context = {
        "lead": lead,
        "checklist": checklist,
        "missing": services.missing_for_qualification(lead),
        "duplicates": _possible_duplicates(lead),
        # The account and contact it became are linked only for who may open them.
        "opens_account": lead.account_id is not None
        and Account.objects.filter(account_visible_q(request.user), pk=lead.account_id).exists(),
        "activities": activities_for(lead),
        "events": services.lead_timeline(lead),
        "note_url": reverse("leads:lead_note_add", args=[lead.pk]),
        "can_change": can_change_lead(request.user, lead),
        "can_route": can_route(request.user),
        "is_manager": request.user.has_role("sales_manager", "admin") or bool(request.user.managed_team_ids()),
        "activity_form": ActivityForm(),
        "disqualify_form": DisqualifyForm(),
        "users": assignable_users(),
    }
    return render(request, "leads/lead_detail.html", context)


def _lead_action(request: AuthedRequest, pk: int, action: Callable[[Lead], object], success: str) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk)

    def step() -> str:
        action(lead)
        return success

    return run_action(request, step, then=lead)


@login_required
@require_POST
def lead_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """Tick or untick one verification item (the contact item follows logged activities)."""
    item = request.POST.get("item", "")
    if item not in ("need_confirmed", "budget_confirmed", "decision_maker_identified", "timeframe_known"):
        raise Http404
    value = request.POST.get("value") == "1"
    return _lead_action(
        request,
        pk,
        lambda lead: services.lead_update(
            actor=request.user, lead=lead, data={item: value}, expected_version=posted_number(request.POST, "version")
        ),
        _("Checklist updated."),
    )


@login_required
@require_POST
def lead_qualify(request: AuthedRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("override_reason", "")
    return _lead_action(
        request,
        pk,
        lambda lead: services.lead_qualify(actor=request.user, lead=lead, override_reason=reason),
        _("Lead qualified."),
    )


@login_required
@require_POST
def lead_disqualify(request: AuthedRequest, pk: int) -> HttpResponse:
    form = DisqualifyForm(request.POST)
    reason = request.POST.get("reason", "")
    note = form.data.get("note", "")
    return _lead_action(
        request,
        pk,
        lambda lead: services.lead_disqualify(actor=request.user, lead=lead, reason=reason, note=note),
        _("Lead disqualified."),
    )


@login_required
@require_POST
def lead_recycle(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lead_action(
        request, pk, lambda lead: services.lead_recycle(actor=request.user, lead=lead), _("Lead recycled.")
    )


@login_required
@require_POST
def lead_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    owner = User.objects.filter(pk=posted_number(request.POST, "owner")).first()
    return _lead_action(
        request, pk, lambda lead: services.lead_assign(actor=request.user, lead=lead, owner=owner), _("Lead assigned.")
    )


@login_required
@require_POST
def lead_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    other_id = request.POST.get("other", "")

    def merge(lead: Lead) -> None:
        try:
            other = selectors.lead_get(user=request.user, pk=other_id)
        except Http404 as exc:
            raise ValidationError(_("No such lead.")) from exc
        services.lead_merge(actor=request.user, survivor=lead, other=other)

    return _lead_action(request, pk, merge, _("Leads merged."))


@login_required
@require_POST
def lead_convert(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lead_action(
        request, pk, lambda lead: services.lead_convert(actor=request.user, lead=lead), _("Lead converted.")
    )


@login_required
@require_POST
def lead_activity_add(request: AuthedRequest, pk: int) -> HttpResponse:
    form = ActivityForm(request.POST)
    if not form.is_valid():
        lead = selectors.lead_get(user=request.user, pk=pk)
        messages.error(request, errors_as_text(form))
        return redirect(lead)
    return _lead_action(
        request,
        pk,
        lambda lead: services.lead_activity_log(actor=request.user, lead=lead, **form.cleaned_data),
        _("Activity saved."),
    )


@login_required
@require_POST
def lead_activity_done(request: AuthedRequest, pk: int, activity_id: int) -> HttpResponse:
    def complete(lead: Lead) -> None:
        activity = get_object_or_404(activities_for(lead), pk=activity_id)
        services.lead_activity_complete(
            actor=request.user, lead=lead, activity=activity, outcome=request.POST.get("outcome", "")
        )

    return _lead_action(request, pk, complete, _("Activity done."))


@login_required
@require_POST
def lead_note_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lead_action(
        request,
        pk,
        lambda lead: services.lead_note_add(actor=request.user, lead=lead, text=request.POST.get("text", "")),
        _("Note added."),
    )


# --- imports ---------------------------------------------------------------------------------


@login_required
def import_list(request: AuthedRequest) -> HttpResponse:
    if not can_import_leads(request.user):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        template = form.cleaned_data.get("template")
        try:
            batch = services.lead_import_upload(
                actor=request.user,
                name=upload.name,
                data=upload.read(services.imports.MAX_UPLOAD_BYTES + 1),
                source=form.cleaned_data["source"],
                campaign=form.cleaned_data["campaign"],
                template_id=template.pk if template else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(batch)
    status = 422 if request.method == "POST" else 200
    filter_form = ImportFilterForm(request.GET or None)
    filters = filter_form.filters() if filter_form.is_bound else selectors.ImportFilters()
    params = ListParams(request.GET, default_limit=30)
    imports = selectors.lead_import_list(user=request.user, filters=filters)
    page = params.page(paginate(imports, limit=params.limit, offset=params.offset))
    context = {"form": form, "filter_form": filter_form, "page": page}
    return render(request, "leads/import_list.html", context, status=status)


@login_required
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The wizard after the upload: map the columns, confirm the unknown values, preview, start."""
    batch = selectors.lead_import_get(user=request.user, pk=pk)
    form = ImportMappingForm(request.POST or None, headers=batch.headers, mapping=batch.mapping)
    values_form = None
    preview = None
    if request.method == "POST" and form.is_valid():
        acting = "start" in request.POST or "preview" in request.POST
        try:
            columns = services.lead_import_values(batch=batch, mapping=form.chosen_mapping())
            values_form = ImportValuesForm(request.POST if acting else None, columns=columns)
            if acting and not values_form.complete():
                # New values appeared (the column mapping changed): the user confirms them first.
                values_form = ImportValuesForm(None, columns=columns)
                messages.warning(request, _("Check the values below before you start."))
            elif acting and values_form.is_valid():
                if "start" in request.POST:
                    services.lead_import_start(
                        actor=request.user,
                        batch=batch,
                        mapping=form.chosen_mapping(),
                        value_mapping=values_form.value_mapping(),
                        duplicate_policy=form.cleaned_data["duplicate_policy"],
                        template_name=form.cleaned_data["save_template_as"],
                        template_shared=form.cleaned_data["share_template"],
                    )
                    return redirect(batch)
                preview = services.lead_import_preview(
                    batch=batch, mapping=form.chosen_mapping(), value_mapping=values_form.value_mapping()
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
    can_run = can_run_import(request.user, batch)
    if is_htmx(request):
        return render(request, "leads/import_detail.html#progress", {"batch": batch, "can_run": can_run})
    context = {
        "batch": batch,
        "can_run": can_run,
        "form": form,
        "values_form": values_form,
        "preview": preview,
        "ImportStatus": ImportStatus,
    }
    status = 422 if request.method == "POST" and form.errors else 200
    return render(request, "leads/import_detail.html", context, status=status)


@login_required
def import_rejected(request: AuthedRequest, pk: int) -> FileResponse:
    batch = selectors.lead_import_get(user=request.user, pk=pk)
    if not batch.rejected_path or not Path(batch.rejected_path).exists():
        raise Http404
    return FileResponse(open(batch.rejected_path, "rb"), as_attachment=True, filename=f"rejected-{batch.pk}.csv")  # noqa: SIM115


@login_required
@require_POST
def import_undo(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = selectors.lead_import_get(user=request.user, pk=pk)
    try:
        result = services.lead_import_undo(actor=request.user, batch=batch)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _(
                "Import undone: %(deleted)d leads removed, %(restored)d restored, %(kept)d kept because they were already worked."
            )
            % result,
        )
    return redirect(batch)


# --- web forms -------------------------------------------------------------------------------


@login_required
def webform_list(request: AuthedRequest) -> HttpResponse:
    if not can_manage_webforms(request.user):
        raise PermissionDenied
    form = WebFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.webform_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Web form created."))
            return redirect("leads:webform_list")
    forms_ = WebForm.objects.all()
    base = absolute_url("/").rstrip("/")  # the snippet is pasted on other sites: the public address
    return render(
        request,
        "leads/webform_list.html",
        {"form": form, "webforms": forms_, "base": base, "honeypot": HONEYPOT_FIELD, "public_fields": PUBLIC_FIELDS},
    )


@csrf_exempt
def webform_public(request: HttpRequest, key: str) -> HttpResponse:
    """The public form: no sign-in, no CSRF token (embedded on other sites); key, honeypot, rate limit."""
    webform = get_object_or_404(WebForm, key=key, active=True)
    utm = {name: request.GET.get(name, "")[:100] for name in UTM_FIELDS}
    if request.method == "GET" and request.GET.get("ltc_m"):
        services.webform_visit(form=webform, visitor=request.GET["ltc_m"])
    form = PublicLeadForm(request.POST or None, initial=utm)
    if request.method == "POST" and form.is_valid():
        try:
            services.webform_submit(form=webform, data=form.cleaned_data, ip=client_address(request))
        except services.RateLimited:
            return render(request, "leads/webform_public.html", {"webform": webform, "limited": True}, status=429)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(f"{reverse('leads:webform_thanks', args=[key])}?{urlencode({'ok': 1})}")
    status = 422 if request.method == "POST" else 200
    return render(request, "leads/webform_public.html", {"webform": webform, "form": form}, status=status)


def webform_thanks(request: HttpRequest, key: str) -> HttpResponse:
    webform = get_object_or_404(WebForm, key=key, active=True)
    return render(request, "leads/webform_thanks.html", {"webform": webform})
