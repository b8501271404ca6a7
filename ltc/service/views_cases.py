"""Case pages: the agent's and the manager's queues (the list), a case's page with its customer
thread apart from its internal notes and the actions the viewer may take, and the phone case an
agent opens. Thin over ltc.service.services.cases and ltc.service.selectors: every change goes
through a service with the version the page was read at; what the viewer may not do is not drawn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.access import may_see, visible_ids
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, add_service_errors, is_htmx, posted_number
from ltc.core.timeline import timeline_for
from ltc.customers.models import Account
from ltc.org.types import AuthedRequest
from ltc.service import selectors
from ltc.service.access import can_work_service, sees_service
from ltc.service.forms_cases import (
    OPEN,
    VIEWS,
    AssignForm,
    BodyForm,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    MergeForm,
    StatusForm,
    VersionForm,
)
from ltc.service.models import OPEN_CASE_STATUSES, Case, CaseMessage, CaseStatus, MessageKind
from ltc.service.services import cases as services


def _require_worker(user: Any) -> None:
    if not can_work_service(user):
        raise PermissionDenied


def _allowed_statuses(case: Case) -> list[str]:
    """The statuses the status form offers: the services' transitions, except the way back from
    resolved or closed, which is the reopen button (within its window)."""
    if case.merged_into_id:
        return []
    done = case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
    return [s for s in services.TRANSITIONS.get(case.status, ()) if not (done and s == CaseStatus.IN_PROGRESS)]


def _may_reopen(case: Case) -> bool:
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED) or case.merged_into_id:
        return False
    return case.resolved_at is not None and case.resolved_at >= timezone.now() - timedelta(days=services.reopen_days())


def _merge_targets(case: Case) -> Any:
    """The open cases of the same account a duplicate may be merged into."""
    return (
        Case.objects.filter(account_id=case.account_id, status__in=OPEN_CASE_STATUSES, merged_into__isnull=True)
        .exclude(pk=case.pk)
        .order_by("-opened_at", "-id")
    )


# --- the list ----------------------------------------------------------------------------------


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not sees_service(user):
        raise PermissionDenied
    worker = can_work_service(user)
    views = VIEWS if worker else [v for v in VIEWS if v[0] == "all"]
    view = request.GET.get("view", "")
    if view not in {key for key, _label in views}:
        view = "mine" if worker else "all"
    form = CaseFilterForm(request.GET)
    filters = form.filters()
    status = filters.get("status", "")
    account_id = posted_number(request.GET, "account") or None
    cases = selectors.case_list(
        user,
        view=view,
        status="" if status == OPEN else status,
        priority=filters.get("priority", ""),
        sla=filters.get("sla", ""),
        account_id=account_id,
        q=filters.get("q", ""),
    )
    if status == OPEN:
        cases = cases.filter(status__in=OPEN_CASE_STATUSES)
    params = ListParams(request.GET)
    page = params.page(paginate(cases, limit=params.limit, offset=params.offset))
    linked = visible_ids(user, Account, [c.account_id for c in page["items"]])
    rows = [(case, case.account_id in linked) for case in page["items"]]
    query = request.GET.copy()
    for name in ("view", "offset"):
        query.pop(name, None)
    tabs = []
    for key, label in views:
        query["view"] = key
        tabs.append({"key": key, "label": label, "url": "?" + query.urlencode(), "active": key == view})
    context = {
        "filter_form": form,
        "page": page,
        "rows": rows,
        "tabs": tabs,
        "view": view,
        "account_id": account_id,
        "can_work": worker,
    }
    template = "service/case_list.html#results" if is_htmx(request) else "service/case_list.html"
    return render(request, template, context)


# --- a case's page -----------------------------------------------------------------------------


def _detail(request: AuthedRequest, case: Case, *, status: int = 200, **bound: Any) -> HttpResponse:
    """The case's page, with the forms the viewer may use (a form that failed is passed bound)."""
    user = request.user
    worker = can_work_service(user)
    is_open = case.is_open and not case.merged_into_id
    thread: list[CaseMessage] = []
    notes: list[CaseMessage] = []
    for message in selectors.case_messages(user, case):
        (notes if message.kind == MessageKind.NOTE else thread).append(message)
    allowed = _allowed_statuses(case)
    context: dict[str, Any] = {
        "case": case,
        "thread": thread,
        "notes": notes,
        "account_linked": may_see(user, case.account),
        "contact_linked": may_see(user, case.contact),
        "asset_linked": may_see(user, case.asset),
        "can_work": worker,
        "can_flag_upsell": worker and not case.merged_into_id,
        "reopen_days": services.reopen_days(),
        "events": timeline_for(case, limit=50),
        # Whoever may read a case adds internal notes: service staff and the account's sales readers.
        "note_form": bound.get("note_form") or BodyForm(prefix="note", label=_("Internal note")),
    }
    if worker:
        if is_open:
            context["reply_form"] = bound.get("reply_form") or BodyForm(
                prefix="reply", label=_("Reply to the customer")
            )
            context["assign_form"] = bound.get("assign_form") or AssignForm(case=case, prefix="assign")
            context["edit_form"] = bound.get("edit_form") or CaseEditForm(case=case, prefix="edit")
            targets = _merge_targets(case)
            context["merge_form"] = bound.get("merge_form") or MergeForm(case=case, targets=targets, prefix="merge")
        if allowed:
            context["status_form"] = bound.get("status_form") or StatusForm(case=case, allowed=allowed, prefix="status")
        if _may_reopen(case):
            context["reopen_form"] = bound.get("reopen_form") or VersionForm(case=case, prefix="reopen")
    return render(request, "service/case_detail.html", context, status=status)


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.case_get(request.user, pk))


def _run(request: AuthedRequest, case: Case, form: Any, name: str, action: Any, done: str) -> HttpResponse:
    """Call `action(form)` (one service) when the form parses; its refusal is shown on the form's
    fields (422), a stale version on top (409); success goes back to the case's page."""
    if form.is_valid():
        try:
            action(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            return _detail(request, selectors.case_get(request.user, case.pk), status=409, **{name: form})
        else:
            messages.success(request, done)
            return redirect(reverse("service:case_detail", args=[case.pk]))
    return _detail(request, case, status=422, **{name: form})


@login_required
@require_POST
def case_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    _require_worker(request.user)
    form = BodyForm(request.POST, prefix="reply", label=_("Reply to the customer"))
    return _run(
        request,
        case,
        form,
        "reply_form",
        lambda f: services.case_reply(actor=request.user, case=case, body=f.cleaned_data["body"]),
        _("Reply sent to the customer."),
    )


@login_required
@require_POST
def case_note(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    form = BodyForm(request.POST, prefix="note", label=_("Internal note"))
    return _run(
        request,
        case,
        form,
        "note_form",
        lambda f: services.case_reply(actor=request.user, case=case, body=f.cleaned_data["body"], internal=True),
        _("Internal note added."),
    )


@login_required
@require_POST
def case_status(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    _require_worker(request.user)
    form = StatusForm(request.POST, case=case, allowed=_allowed_statuses(case), prefix="status")
    return _run(
        request,
        case,
        form,
        "status_form",
        lambda f: services.case_set_status(
            actor=request.user,
            case=case,
            status=f.cleaned_data["status"],
            version=f.cleaned_data["version"],
            resolution=f.cleaned_data["resolution"],
        ),
        _("Status changed."),
    )


@login_required
@require_POST
def case_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    _require_worker(request.user)
    form = AssignForm(request.POST, case=case, prefix="assign")
    return _run(
        request,
        case,
        form,
        "assign_form",
        lambda f: services.case_assign(
            actor=request.user, case=case, owner=f.cleaned_data["owner"], version=f.cleaned_data["version"]
        ),
        _("Case assigned."),
    )


@login_required
@require_POST
def case_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    _require_worker(request.user)
    form = CaseEditForm(request.POST, case=case, prefix="edit")
    return _run(
        request,
        case,
        form,
        "edit_form",
        lambda f: services.case_update(
            actor=request.user, case=case, version=f.cleaned_data["version"], data=f.changes()
        ),
        _("Case saved."),
    )


@login_required
@require_POST
def case_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    _require_worker(request.user)
    form = VersionForm(request.POST, case=case, prefix="reopen")
    return _run(
        request,
        case,
        form,
        "reopen_form",
        lambda f: services.case_reopen(actor=request.user, case=case, version=f.cleaned_data["version"]),
        _("Case reopened."),
    )


@login_required
@require_POST
def case_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    _require_worker(request.user)
    form = MergeForm(request.POST, case=case, targets=_merge_targets(case), prefix="merge")

    def merge(f: MergeForm) -> None:
        if f.cleaned_data["version"] != case.version:
            raise StaleVersionError(case.version)
        services.case_merge(actor=request.user, duplicate=case, into=f.cleaned_data["into"])

    return _run(request, case, form, "merge_form", merge, _("Case merged into the other one."))


# --- a new case (an agent on the phone) --------------------------------------------------------


@login_required
def case_create(request: AuthedRequest) -> HttpResponse:
    _require_worker(request.user)
    if request.method == "POST":
        form = CaseCreateForm(request.POST, user=request.user)
    else:
        preset = request.GET.get("account", "")
        form = CaseCreateForm(initial={"account": preset} if preset else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(actor=request.user, **form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect(reverse("service:case_detail", args=[case.pk]))
    status = 422 if request.method == "POST" else 200
    return render(request, "service/case_form.html", {"form": form}, status=status)
