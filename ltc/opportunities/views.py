"""Deal pages: list, board, detail with the stage path and checklist, forms and actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core import customfields, listviews
from ltc.core.access import has_any_role
from ltc.core.actions import run_action
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
    is_id,
    posted_number,
)
from ltc.core.timeline import timeline_for
from ltc.customers import selectors as customer_selectors
from ltc.customers.models import Contact
from ltc.leads import selectors as lead_selectors
from ltc.opportunities import selectors, services
from ltc.opportunities.access import OPPORTUNITY_WRITE_ROLES, can_override, can_steer, can_work
from ltc.opportunities.choices import (
    BID_RESULTS,
    AssessorRole,
    BidSectionKind,
    BidStatus,
    Decision,
    DecisionRole,
    ForecastCategory,
)
from ltc.opportunities.forms import (
    BidForm,
    FromLeadForm,
    LoseForm,
    OpportunityFilterForm,
    OpportunityForm,
    StakeholderForm,
    WinForm,
    visible_accounts,
)
from ltc.opportunities.lists import DEAL_LIST
from ltc.opportunities.models import (
    BidDocumentVersion,
    Opportunity,
    ReviewCriterion,
    StageRequirement,
    StageTemplate,
    StageTemplateVersion,
    attach_criteria,
)
from ltc.opportunities.services import config, reviews
from ltc.opportunities.services.criteria import active_criteria
from ltc.org import authority
from ltc.org.models import User
from ltc.org.selectors import assignable_users
from ltc.org.types import AuthedRequest


@login_required
def opportunity_list(request: AuthedRequest) -> HttpResponseBase:
    form = OpportunityFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else selectors.OpportunityFilters()
    # The account's page links its deals here; the scope of opportunity_list still applies.
    filters = replace(filters, account=posted_number(request.GET, "account") or None)
    params = ListParams(request.GET)
    queryset = selectors.opportunity_list(user=request.user, filters=filters)
    queryset = customfields.filter_records(queryset, "deal", request.GET)
    state = listviews.list_state(request, DEAL_LIST)
    if (default := state.default_query()) is not None:
        return redirect(f"{request.path}?{default}")
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        columns = listviews.export_columns(DEAL_LIST, state.columns)
        rows = queryset.iterator(chunk_size=2000)
        if customfields.shows_custom(state.columns):
            rows = customfields.with_values(rows)
        return export_response(rows, columns, fmt=fmt, basename="opportunities")
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    if customfields.shows_custom(state.columns):
        customfields.attach(page["items"])
    context = {
        "filter_form": form,
        "page": page,
        "can_create": has_any_role(request.user, OPPORTUNITY_WRITE_ROLES),
        "list": state,
        **listviews.mass_context(request.user, assignable_users().select_related("team")),
    }
    template = (
        "opportunities/opportunity_list.html#results" if is_htmx(request) else "opportunities/opportunity_list.html"
    )
    return render(request, template, context)


@login_required
def opportunity_board(request: AuthedRequest) -> HttpResponse:
    pipelines = list(selectors.pipelines())
    chosen = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == chosen), pipelines[0] if pipelines else None)
    mine = request.GET.get("mine", "")
    columns = selectors.board(user=request.user, pipeline=pipeline, mine=mine, with_facts=True) if pipeline else []
    context = {"pipelines": pipelines, "pipeline": pipeline, "columns": columns, "mine": mine}
    return render(request, "opportunities/board.html", context)


@login_required
@require_POST
def opportunity_move(request: AuthedRequest, pk: int) -> JsonResponse:
    """The board's drop: move a deal to a stage with the version the card was drawn with.
    Answers JSON; a refusal carries the reason so the card snaps back with it."""
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    stage_id = request.POST.get("stage", "")
    stage = next((s for s in opportunity.pipeline.stages.all() if str(s.pk) == stage_id), None)
    try:
        if stage is None:
            raise ValidationError({"stage": [_("No such stage in this pipeline.")]})
        services.opportunity_advance(
            actor=request.user,
            opportunity=opportunity,
            expected_version=posted_number(request.POST, "version"),
            to_stage=stage,
            override_reason=request.POST.get("override_reason", ""),
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=422)
    except StaleVersionError as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=412)
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "error": str(exc) or _("You may not move this deal.")}, status=403)
    return JsonResponse({"ok": True, "version": opportunity.version, "stage": opportunity.stage_id})


@login_required
def opportunity_create(request: AuthedRequest) -> HttpResponse:
    services.require_writer(request.user)
    accounts = visible_accounts(request.user)
    initial = {"account": request.GET.get("account")} if is_id(request.GET.get("account", "")) else None
    form = OpportunityForm(request.POST or None, initial=initial, user=request.user, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                opportunity = services.opportunity_create(actor=request.user, data=form.data_for_service())
                customfields.custom_values_set(
                    actor=request.user, record=opportunity, data=customfields.form_data(form), creating=True
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Opportunity created."))
            return redirect(opportunity)
    status = 422 if request.method == "POST" else 200
    return render(request, "opportunities/opportunity_form.html", {"form": form, "creating": True}, status=status)


@login_required
def opportunity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    if not can_steer(request.user, opportunity):
        raise PermissionDenied
    accounts = visible_accounts(request.user)
    form = OpportunityForm(request.POST or None, instance=opportunity, user=request.user, accounts=accounts)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.opportunity_update(
                    actor=request.user,
                    opportunity=opportunity,
                    data=form.data_for_service(),
                    expected_version=form.cleaned_data.get("version") or 0,
                )
                customfields.custom_values_set(
                    actor=request.user, record=opportunity, data=customfields.form_data(form)
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            stale = True
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect(opportunity)
    status = (409 if stale else 422) if request.method == "POST" else 200
    context = {"form": form, "opportunity": opportunity, "creating": False}
    return render(request, "opportunities/opportunity_form.html", context, status=status)


@login_required
def opportunity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    following = services.next_stage(opportunity) if opportunity.is_open else None
    stages = list(opportunity.pipeline.stages.all())
    chain = list(opportunity.stakeholders.select_related("contact"))
    works = can_work(request.user, opportunity)
    context = {
        "opportunity": opportunity,
        "stages": stages,
        "checklist": services.checklist(opportunity),
        "next_stage": following,
        "missing": services.missing_to_move(opportunity, following) if following else [],
        "open_stages": [s for s in stages if s.category == "open" and s.active and s.pk != opportunity.stage_id],
        "activities": activities_for(opportunity),
        "events": timeline_for(opportunity),
        "contacts": list(opportunity.contacts.all()),
        # The note form is drawn only for who may add one (the deal's people and the AR side).
        "note_url": reverse("opportunities:opportunity_note_add", args=[opportunity.pk]) if works else None,
        "can_steer": can_steer(request.user, opportunity),
        "can_work": works,
        "can_override": can_override(request.user, opportunity),
        # Someone who reads the deal through its contract (finance, legal) may not read the customer.
        "sees_customer": customer_selectors.account_list(user=request.user).filter(pk=opportunity.account_id).exists(),
        "activity_form": ActivityForm(),
        "win_form": WinForm(),
        "lose_form": LoseForm(),
        "reviews": list(selectors.review_list(user=request.user, opportunity=opportunity.pk)),
        "review_types": selectors.review_types_of(opportunity.pipeline),
        "chain": chain,
        "chain_roles": [(label, [s for s in chain if s.role == code]) for code, label in DecisionRole.choices],
        "chain_warnings": services.chain_warnings(chain),
        "stakeholder_form": StakeholderForm(),
        "account_contacts": list(opportunity.account.contacts.all()),
        "bids": list(selectors.bid_list(user=request.user, opportunity=opportunity.pk)),
        "documents": list(opportunity.documents.select_related("uploaded_by")),
        "bid_form": BidForm(),
    }
    return render(request, "opportunities/opportunity_detail.html", context)


def _action(request: AuthedRequest, pk: int, action: Callable[[Opportunity], object], success: str) -> HttpResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)

    def step() -> str:
        action(opportunity)
        return success

    return run_action(request, step, then=opportunity)


@login_required
@require_POST
def opportunity_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    def advance(opportunity: Opportunity) -> None:
        stage_id = request.POST.get("stage", "")
        stage = next((s for s in opportunity.pipeline.stages.all() if str(s.pk) == stage_id), None)
        if stage_id and stage is None:
            raise ValidationError({"stage": [_("No such stage in this pipeline.")]})
        services.opportunity_advance(
            actor=request.user,
            opportunity=opportunity,
            expected_version=posted_number(request.POST, "version"),
            to_stage=stage,
            override_reason=request.POST.get("override_reason", ""),
        )

    return _action(request, pk, advance, _("Stage changed."))


@login_required
@require_POST
def opportunity_win(request: AuthedRequest, pk: int) -> HttpResponse:
    form = WinForm(request.POST)
    return _action(
        request,
        pk,
        lambda o: services.opportunity_win(
            actor=request.user,
            opportunity=o,
            expected_version=posted_number(request.POST, "version"),
            reason=form.data.get("reason", ""),
            note=form.data.get("note", ""),
            override_reason=request.POST.get("override_reason", ""),
        ),
        _("Deal won."),
    )


@login_required
@require_POST
def opportunity_lose(request: AuthedRequest, pk: int) -> HttpResponse:
    form = LoseForm(request.POST)
    return _action(
        request,
        pk,
        lambda o: services.opportunity_lose(
            actor=request.user,
            opportunity=o,
            expected_version=posted_number(request.POST, "version"),
            reason=form.data.get("reason", ""),
            competitor=form.data.get("competitor", ""),
            note=form.data.get("note", ""),
        ),
        _("Deal lost."),
    )


@login_required
@require_POST
def opportunity_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda o: services.opportunity_reopen(
            actor=request.user, opportunity=o, expected_version=posted_number(request.POST, "version")
        ),
        _("Deal reopened."),
    )


@login_required
@require_POST
def opportunity_check(request: AuthedRequest, pk: int) -> HttpResponse:
    requirement_id = request.POST.get("requirement", "")
    if not is_id(requirement_id):
        raise Http404
    requirement = get_object_or_404(StageRequirement.objects.select_related("stage"), pk=requirement_id)
    done = request.POST.get("done") == "1"
    return _action(
        request,
        pk,
        lambda o: services.opportunity_check(actor=request.user, opportunity=o, requirement=requirement, done=done),
        _("Checklist updated."),
    )


@login_required
@require_POST
def opportunity_activity_add(request: AuthedRequest, pk: int) -> HttpResponse:
    form = ActivityForm(request.POST)
    if not form.is_valid():
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        messages.error(request, errors_as_text(form))
        return redirect(opportunity)
    return _action(
        request,
        pk,
        lambda o: services.opportunity_activity_log(actor=request.user, opportunity=o, **form.cleaned_data),
        _("Activity saved."),
    )


@login_required
@require_POST
def opportunity_activity_done(request: AuthedRequest, pk: int, activity_id: int) -> HttpResponse:
    def complete(opportunity: Opportunity) -> None:
        activity = get_object_or_404(activities_for(opportunity), pk=activity_id)
        services.opportunity_activity_complete(
            actor=request.user, opportunity=opportunity, activity=activity, outcome=request.POST.get("outcome", "")
        )

    return _action(request, pk, complete, _("Activity done."))


@login_required
@require_POST
def opportunity_note_add(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)

    def add() -> str:
        note = services.opportunity_note_add(
            actor=request.user, opportunity=opportunity, text=request.POST.get("text", "")
        )
        blind = getattr(note, "not_notified", [])
        if blind:
            names = ", ".join(u.username for u in blind)
            return _("Note added. %(names)s cannot see this record, not notified.") % {"names": names}
        return _("Note added.")

    return run_action(request, add, then=opportunity)


@login_required
def opportunity_from_lead(request: AuthedRequest, lead_pk: int) -> HttpResponse:
    """Convert a qualified lead into a deal: choose the pipeline and the stage it enters at."""
    services.require_writer(request.user)
    lead = lead_selectors.lead_get(user=request.user, pk=lead_pk)
    form = FromLeadForm(request.POST or None, initial={"amount": lead.budget_amount})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_from_lead(
                actor=request.user,
                lead=lead,
                pipeline=data["pipeline"],
                stage=data["stage"],
                name=data["name"],
                amount=data["amount"],
                expected_close_date=data["expected_close_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lead converted; the deal is open."))
            return redirect(opportunity)
    status = 422 if request.method == "POST" else 200
    return render(request, "opportunities/from_lead.html", {"form": form, "lead": lead}, status=status)


# --- decision reviews ------------------------------------------------------------------------


@login_required
@require_POST
def review_open(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    try:
        review = services.review_open(
            actor=request.user, opportunity=opportunity, review_type=request.POST.get("review_type", "")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(opportunity)
    messages.success(request, _("Review opened."))
    return redirect(review)


@login_required
def review_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    return render(request, "opportunities/review_detail.html", _review_context(request, review))


def _key_products(opportunity: Opportunity) -> list[str]:
    words = [w.strip() for w in opportunity.products_of_interest.replace("，", ",").replace("\n", ",").split(",")]
    return [w for w in words if w][:8]


def _review_context(
    request: AuthedRequest,
    review: Any,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The review page: the deal in brief, the iron triangle's assessments and the decide form
    (no outcome chosen in advance; `errors` and `posted` when a decision was refused)."""
    opportunity = review.opportunity
    assessments = list(review.assessments.all())
    attach_criteria(assessments)
    given = {a.role: a for a in assessments}
    current: dict[str, list[ReviewCriterion]] = {}
    active = ReviewCriterion.objects.active().filter(review_type=review.review_type).order_by("order", "id")
    for criterion in active:
        current.setdefault(criterion.role, []).append(criterion)
    deal = Opportunity.objects.select_related("account", "stage", "owner", "sr", "fr").get(pk=opportunity.pk)
    roles = []
    for role in AssessorRole:
        member = getattr(deal, reviews.MEMBER_OF_ROLE[role])
        assessment = given.get(role)
        criteria = [
            {
                "code": c.code,
                "label": c.label,
                "help": c.help,
                "score": assessment.scores.get(c.code) if assessment else None,
            }
            for c in current.get(role, [])
        ]
        roles.append(
            {
                "code": role.value,
                "label": role.label,
                "member": member,
                "assessment": assessment,
                "criteria": criteria,
                "mine": review.is_open and member is not None and member.pk == request.user.pk,
            }
        )
    return {
        "review": review,
        "opportunity": opportunity,
        "deal": deal,
        "key_products": _key_products(deal),
        "unnamed_roles": [str(role["code"]).upper() for role in roles if role["member"] is None],
        "roles": roles,
        "missing": reviews.missing_assessments(review) if review.is_open else [],
        "can_decide": review.is_open
        and authority.may_decide(
            request.user,
            reviews.subject_of(review.review_type),
            review.amount,
            review.currency,
            prefer=review.decider_id,
            parties=authority.triangle_ids(opportunity),
        ),
        "decisions": Decision.choices,
        "scores": range(1, 6),
        "decide_errors": errors or {},
        "posted": posted or {},
    }


def _review_action(request: AuthedRequest, pk: int, action: Any, success: str) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    try:
        action(review)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, success)
    return redirect(review)


@login_required
@require_POST
def review_assess(request: AuthedRequest, pk: int) -> HttpResponse:
    role = request.POST.get("role", "")
    review = selectors.review_get(user=request.user, pk=pk)
    codes = [c.code for c in active_criteria(review.review_type, role)]
    scores = {code: request.POST.get(f"score_{code}", "") for code in codes}
    return _review_action(
        request,
        pk,
        lambda r: services.review_assess(
            actor=request.user, review=r, role=role, scores=scores, comments=request.POST.get("comments", "")
        ),
        _("Assessment saved."),
    )


@login_required
@require_POST
def review_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the decision; refused (nothing decided), the page comes back with the errors on
    their fields and what was typed kept."""
    review = selectors.review_get(user=request.user, pk=pk)
    posted = {name: request.POST.get(name, "") for name in ("decision", "note", "conditions")}
    try:
        services.review_decide(actor=request.user, review=review, **posted)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"review": exc.messages}
    except PermissionDenied as exc:
        # Above the actor's authority: the page says so and names who decides, not a bare 403.
        errors = {"review": [str(exc)]}
    else:
        messages.success(request, _("Decision recorded."))
        return redirect(review)
    context = _review_context(request, review, errors=errors, posted=posted)
    return render(request, "opportunities/review_detail.html", context, status=422)


# --- decision chain --------------------------------------------------------------------------


@login_required
@require_POST
def stakeholder_set(request: AuthedRequest, pk: int) -> HttpResponse:
    form = StakeholderForm(request.POST)

    def save(opportunity: Opportunity) -> None:
        contact_id = request.POST.get("contact", "")
        contact = (
            Contact.objects.filter(pk=contact_id, account_id=opportunity.account_id).first()
            if is_id(contact_id)
            else None
        )
        if contact is None:
            raise ValidationError({"contact": [_("Choose a contact of the deal's account.")]})
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.stakeholder_set(actor=request.user, opportunity=opportunity, contact=contact, data=form.cleaned_data)

    return _action(request, pk, save, _("Decision chain updated."))


@login_required
@require_POST
def stakeholder_remove(request: AuthedRequest, pk: int, stakeholder_id: int) -> HttpResponse:
    def remove(opportunity: Opportunity) -> None:
        stakeholder = get_object_or_404(opportunity.stakeholders.select_related("contact"), pk=stakeholder_id)
        services.stakeholder_remove(actor=request.user, stakeholder=stakeholder)

    return _action(request, pk, remove, _("Removed from the decision chain."))


# --- funnel and forecast ---------------------------------------------------------------------


@login_required
def opportunity_funnel(request: AuthedRequest) -> HttpResponse:
    pipelines = list(selectors.pipelines())
    chosen = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == chosen), pipelines[0] if pipelines else None)
    group = request.GET.get("group", "month")
    group = group if group in selectors.FORECAST_GROUPS else "month"
    start = timezone.localdate().replace(day=1)
    result = selectors.funnel(user=request.user, pipeline=pipeline) if pipeline else None
    chart = [{"name": s.stage.name, "value": s.reached} for s in result.stages] if result else []
    context = {
        "pipelines": pipelines,
        "pipeline": pipeline,
        "funnel": result,
        "chart": chart,
        "group": group,
        "groups": [("month", _("By close month")), ("owner", _("By owner")), ("team", _("By team"))],
        "forecast": selectors.forecast(user=request.user, start=start, months=6, group=group),
        "categories": [c for c in ForecastCategory if c != ForecastCategory.OMITTED],
    }
    return render(request, "opportunities/funnel.html", context)


# --- bids ------------------------------------------------------------------------------------


@login_required
@require_POST
def bid_create(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    form = BidForm(request.POST)
    if not form.is_valid():
        flash_errors(request, ValidationError(form.errors))
        return redirect(opportunity)
    try:
        bid = services.bid_create(actor=request.user, opportunity=opportunity, data=form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(opportunity)
    messages.success(request, _("Bid started."))
    return redirect(bid)


@login_required
def bid_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    bid = selectors.bid_get(user=request.user, pk=pk)
    opportunity = bid.opportunity
    context = {
        "bid": bid,
        "opportunity": opportunity,
        "sections": list(bid.sections.all()),
        "documents": list(bid.documents.all()),
        "missing": services.missing_to_submit(bid) if bid.is_preparing else [],
        "can_steer": can_steer(request.user, opportunity),
        "can_work": can_work(request.user, opportunity),
        "section_kinds": BidSectionKind.choices,
        "results": [(s.value, s.label) for s in BidStatus if s in BID_RESULTS],
        "users": assignable_users(),
    }
    return render(request, "opportunities/bid_detail.html", context)


def _bid_action(request: AuthedRequest, pk: int, action: Any, success: str) -> HttpResponse:
    bid = selectors.bid_get(user=request.user, pk=pk)
    try:
        action(bid)
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(bid)


def _datetime(raw: str) -> Any:
    return forms.DateTimeField().clean(raw) if raw else None


@login_required
@require_POST
def bid_section_set(request: AuthedRequest, pk: int) -> HttpResponse:
    def save(bid: Any) -> None:
        owner = User.objects.filter(pk=posted_number(request.POST, "owner")).first()
        services.bid_section_set(
            actor=request.user,
            bid=bid,
            kind=request.POST.get("kind", ""),
            owner=owner,
            due_at=_datetime(request.POST.get("due_at", "")),
        )

    return _bid_action(request, pk, save, _("Section planned."))


@login_required
@require_POST
def bid_section_done(request: AuthedRequest, pk: int, section_id: int) -> HttpResponse:
    def done(bid: Any) -> None:
        section = get_object_or_404(bid.sections.select_related("task", "bid__opportunity"), pk=section_id)
        services.bid_section_done(actor=request.user, section=section)

    return _bid_action(request, pk, done, _("Section done."))


@login_required
@require_POST
def bid_document_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _bid_action(
        request,
        pk,
        lambda bid: services.bid_document_add(
            actor=request.user,
            bid=bid,
            title=request.POST.get("title", ""),
            required=request.POST.get("required") == "on",
        ),
        _("Document added to the checklist."),
    )


@login_required
@require_POST
def bid_document_upload(request: AuthedRequest, pk: int, document_id: int) -> HttpResponse:
    def upload(bid: Any) -> None:
        document = get_object_or_404(bid.documents.all(), pk=document_id)
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        services.bid_document_upload(actor=request.user, document=document, upload=file)

    return _bid_action(request, pk, upload, _("New version uploaded."))


@login_required
def bid_document_download(request: AuthedRequest, pk: int, version_id: int) -> FileResponse:
    bid = selectors.bid_get(user=request.user, pk=pk)
    version = get_object_or_404(BidDocumentVersion.objects.filter(document__bid=bid), pk=version_id)
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.original_name)


@login_required
@require_POST
def bid_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _bid_action(
        request,
        pk,
        lambda bid: services.bid_submit(
            actor=request.user, bid=bid, expected_version=posted_number(request.POST, "version")
        ),
        _("Bid submitted."),
    )


@login_required
@require_POST
def bid_result(request: AuthedRequest, pk: int) -> HttpResponse:
    def record(bid: Any) -> None:
        raw_price = request.POST.get("price", "").strip()
        try:
            price = Decimal(raw_price) if raw_price else None
        except InvalidOperation as exc:
            raise ValidationError({"price": [_("Enter an amount.")]}) from exc
        services.bid_record_result(
            actor=request.user,
            bid=bid,
            expected_version=posted_number(request.POST, "version"),
            result=request.POST.get("result", ""),
            price=price,
            competitor=request.POST.get("competitor", ""),
            note=request.POST.get("note", ""),
        )

    return _bid_action(request, pk, record, _("Result recorded."))


# --- documents -------------------------------------------------------------------------------


@login_required
@require_POST
def opportunity_document_add(request: AuthedRequest, pk: int) -> HttpResponse:
    def attach(opportunity: Opportunity) -> None:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        requirement_id = request.POST.get("requirement", "")
        requirement = (
            StageRequirement.objects.select_related("stage").filter(pk=requirement_id).first()
            if is_id(requirement_id)
            else None
        )
        services.opportunity_document_add(
            actor=request.user,
            opportunity=opportunity,
            upload=upload,
            title=request.POST.get("title", ""),
            requirement=requirement,
        )

    return _action(request, pk, attach, _("Document attached."))


@login_required
def opportunity_document_download(request: AuthedRequest, pk: int, document_id: int) -> FileResponse:
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    document = get_object_or_404(opportunity.documents.all(), pk=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)


@login_required
def stage_template_download(request: AuthedRequest, pk: int) -> FileResponse:
    """A stage's guidance template, for anyone who works on deals (internal sales material)."""
    if not has_any_role(request.user, (*OPPORTUNITY_WRITE_ROLES, "fr", "executive")):
        raise PermissionDenied
    template = get_object_or_404(StageTemplate.objects.filter(active=True).prefetch_related("versions"), pk=pk)
    current = template.current_version
    if current is None:
        raise Http404
    return FileResponse(current.file.open("rb"), as_attachment=True, filename=Path(current.file.name).name)


@login_required
def stage_template_version_download(request: AuthedRequest, pk: int, number: int) -> FileResponse:
    """Any version of a stage template, a removed one's too (who configures its stage: the history)."""
    version = get_object_or_404(
        StageTemplateVersion.objects.select_related("template__stage__pipeline"), template_id=pk, number=number
    )
    if not config.can_configure(request.user, stage=version.template.stage):
        raise PermissionDenied
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=Path(version.file.name).name)
