"""Contract pages: the list, the contract with its process steps (review, signature, hand-over,
delivery plan, orders, risks, versions), the draft editor, version comparison, change requests,
orders with their deliveries, and the evaluation report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.catalog.models import Product
from ltc.contracts import amendments, selectors, services
from ltc.contracts.access import can_check, can_deliver, can_steer, can_work, may_raise_change
from ltc.contracts.choices import (
    CHECKLIST,
    EXECUTING,
    SIGNED_OR_LATER,
    ChangeRole,
    ChangeStatus,
    CheckResult,
    ContractStatus,
    OrderStatus,
    ReviewArea,
)
from ltc.contracts.files import stored_file
from ltc.contracts.forms import (
    TERM_TRIGGERS,
    AcceptanceForm,
    AssessForm,
    ChangeForm,
    CloseForm,
    ContractDraftForm,
    ContractFilterForm,
    DeliveryForm,
    HandoverForm,
    MilestoneForm,
    OrderForm,
    RiskForm,
    SignForm,
    proposal_from_post,
)
from ltc.contracts.lists import CONTRACT_LIST
from ltc.contracts.models import Contract, ContractRisk, Evaluation, Handover, Milestone, ReviewCheck
from ltc.contracts.services.changes import MEMBER_OF_ROLE, change_parties
from ltc.contracts.services.common import current_of
from ltc.contracts.services.execution import deliverable_lines, ordered_by_key
from ltc.contracts.services.lifecycle import Loaded, item_label
from ltc.core import listviews
from ltc.core.actions import Steps, run_step
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.exports import export_response
from ltc.core.forms import ListParams, add_service_errors, flash_errors, is_htmx, posted_number
from ltc.core.timeline import timeline_for
from ltc.org import authority
from ltc.org.types import AuthedRequest
from ltc.quotes import selectors as quote_selectors

HANDED_OVER = (
    ContractStatus.ACCEPTED,
    ContractStatus.IN_EXECUTION,
    ContractStatus.COMPLETED,
    ContractStatus.CLOSED,
    ContractStatus.TERMINATED,
)
TIMELINE_SHOWN = 100  # the newest entries (the page folds them); the API gives more
STEPS: list[ContractStatus] = [
    ContractStatus.DRAFT,
    ContractStatus.IN_REVIEW,
    ContractStatus.APPROVED,
    ContractStatus.SIGNED,
    ContractStatus.ACCEPTED,
    ContractStatus.IN_EXECUTION,
    ContractStatus.COMPLETED,
    ContractStatus.CLOSED,
]


@login_required
def contract_list(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    form = ContractFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.ContractFilters(
        q=data.get("q", ""),
        status=data.get("status", ""),
        mine=data.get("view") == "mine",
        account=posted_number(request.GET, "account") or None,
        sort=data.get("sort") or "-created",
    )
    queryset = selectors.contract_list(user=request.user, filters=filters)
    state = listviews.list_state(request, CONTRACT_LIST)
    if (default := state.default_query()) is not None:
        return redirect(f"{request.path}?{default}")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        columns = listviews.export_columns(CONTRACT_LIST, state.columns)
        return export_response(queryset.iterator(chunk_size=2000), columns, fmt=fmt, basename="contracts")
    params = ListParams(request.GET)
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    template = "contracts/contract_list.html#results" if is_htmx(request) else "contracts/contract_list.html"
    return render(request, template, {"filter_form": form, "page": page, "list": state})


@require_POST
@login_required
def contract_create(request: AuthedRequest) -> HttpResponse:
    """Make the contract from the accepted quote named in the form (from the quote's page)."""
    raw = request.POST.get("quote", "")
    quote = quote_selectors.quote_get(user=request.user, pk=raw if raw.isdigit() else 0)
    try:
        contract = services.contract_create(actor=request.user, quote=quote)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("quotes:quote_detail", pk=quote.pk)
    messages.success(request, _("Contract %(n)s made from the accepted quote.") % {"n": contract.number})
    return redirect("contracts:contract_detail", pk=contract.pk)


def _version_of(request: HttpRequest, contract: Contract) -> Any:
    raw = request.GET.get("v", "")
    return selectors.version_get(contract, int(raw) if raw.isdigit() else None, shown=True)


def _review_context(request: AuthedRequest, contract: Contract) -> dict[str, Any]:
    with_checker = ReviewCheck.objects.select_related("checked_by").order_by("id")
    review = (
        contract.reviews.select_related("decider", "decided_by", "version")
        .prefetch_related(Prefetch("checks", queryset=with_checker))
        .first()
    )
    if review is None:
        return {"review": None}
    checks = list(review.checks.all())
    areas = []
    for area in CHECKLIST:
        rows = [(check, item_label(check.item)) for check in checks if check.area == area]
        if rows:
            areas.append((ReviewArea(area).label, rows, can_check(request.user, contract, area)))
    return {
        "review": review,
        "review_areas": areas,
        "can_decide": review.is_open
        and authority.may_decide(
            request.user,
            "review_atc",
            review.version.grand_total,
            contract.currency,
            prefer=review.decider_id,
            parties=authority.triangle_ids(contract),
        ),
        "results": [(CheckResult.OK, CheckResult.OK.label), (CheckResult.CONCERN, CheckResult.CONCERN.label)],
    }


@login_required
def contract_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    version = _version_of(request, contract)
    is_current = version.pk == contract.current_id
    current_lines = list(version.lines.all()) if is_current else None
    steer, deliver = can_steer(request.user, contract), can_deliver(request.user, contract)
    milestones = selectors.milestones_of(contract)
    orders = selectors.orders_of(contract)
    terms = list(version.terms.all())
    by_id = {m.pk: m for m in milestones}
    for term in terms:  # the plan is read already; a removed milestone is read on its own
        if term.milestone_id in by_id:
            term.milestone = by_id[term.milestone_id]
    status = contract.status
    risks = list(contract.risks.select_related("owner"))
    loaded = Loaded(lines=current_lines, milestones=milestones, orders=orders, risks=risks)
    context: dict[str, Any] = {
        "contract": contract,
        "version": version,
        "is_current": is_current,
        "tree": selectors.line_tree(version),
        "terms": terms,
        "versions": selectors.versions_of(contract),
        "milestones": milestones,
        "orders": orders,
        "risks": risks,
        "changes": list(contract.changes.select_related("decider").order_by("-number")),
        "handover": Handover.objects.filter(contract=contract).first() if status in HANDED_OVER else None,
        "evaluation": Evaluation.objects.filter(contract=contract).first() if status == ContractStatus.CLOSED else None,
        "can_steer": steer,
        "can_deliver": deliver,
        "can_work": steer or deliver or can_work(request.user, contract),
        "can_raise_change": status in SIGNED_OR_LATER and may_raise_change(request.user, contract),
        "steps": [
            (s, s.label, STEPS.index(s) <= STEPS.index(ContractStatus(status)) if status in STEPS else False)
            for s in STEPS
        ],
        "missing": services.missing_to_review(contract) if status == ContractStatus.DRAFT else [],
        # What stands before the next step: completing delivery in execution, closing once completed.
        "problems": services.execution_problems(contract, loaded)
        if status == ContractStatus.IN_EXECUTION
        else services.close_problems(contract, loaded)
        if status == ContractStatus.COMPLETED
        else [],
        "milestone_form": MilestoneForm(terms=terms, prefix="ms"),
        "sign_form": SignForm(initial={"version": contract.version, "our_signatory": str(request.user)}),
        "handover_form": HandoverForm(initial={"version": contract.version}),
        "close_form": CloseForm(initial={"version": contract.version}),
        "order_form": OrderForm(milestones=milestones),
        "to_order": _to_order(contract, current_lines) if status in EXECUTING and deliver else [],
        "acceptance_form": AcceptanceForm(),
        "risk_form": RiskForm(),
        "events": timeline_for(contract, limit=TIMELINE_SHOWN),
        **_review_context(request, contract),
    }
    return render(request, "contracts/contract_detail.html", context)


def _to_order(contract: Contract, lines: list[Any] | None) -> list[tuple[Any, Any]]:
    """The deliverable lines with what is left to order of each."""
    ordered = ordered_by_key(contract)
    rows = [(line, line.quantity - ordered.get(line.key, 0)) for line in deliverable_lines(contract, lines)]
    return [(line, left) for line, left in rows if left > 0]


@login_required
def contract_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    if not can_steer(request.user, contract) or contract.status != ContractStatus.DRAFT:
        raise Http404
    version = current_of(contract)
    initial = {
        "version": contract.version,
        "title": contract.title,
        "sr": contract.sr_id,
        "fr": contract.fr_id,
        "sponsor": contract.sponsor_id,
        **{name: getattr(version, name) for name in amendments.HEADER_FIELDS},
    }
    form = ContractDraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.contract_update(
                actor=request.user, contract=contract, expected_version=form.cleaned_data["version"], data=data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Contract saved."))
            return redirect("contracts:contract_detail", pk=contract.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "contracts/contract_edit.html", {"contract": contract, "form": form}, status=status)


@login_required
def contract_compare(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    numbers = [v.number for v in selectors.versions_of(contract)]
    newest = numbers[0] if numbers else 1
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    old = selectors.version_get(contract, int(a) if a.isdigit() else max(newest - 1, 1))
    new = selectors.version_get(contract, int(b) if b.isdigit() else newest)
    diff = amendments.diff(amendments.snapshot_of(old), amendments.snapshot_of(new))
    context = {"contract": contract, "old": old, "new": new, "diff": diff, "numbers": numbers}
    return render(request, "contracts/contract_compare.html", context)


def _quantities(post: Any) -> dict[str, str]:
    """The form's "qty-<line>" inputs that were filled in."""
    return {
        name.removeprefix("qty-"): str(post.get(name, ""))
        for name in post
        if name.startswith("qty-") and str(post.get(name, "")).strip()
    }


def _form_data(form: Any) -> dict[str, Any]:
    """A process form's values for the service; the form's own errors become the service's."""
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return {k: v for k, v in form.cleaned_data.items() if k != "version"}


def _submit(request: AuthedRequest, contract: Contract) -> str:
    services.contract_submit_review(
        actor=request.user, contract=contract, expected_version=posted_number(request.POST, "version")
    )
    return _("Submitted for review.")


def _check(request: AuthedRequest, contract: Contract) -> str:
    post = request.POST
    services.review_check(
        actor=request.user,
        contract=contract,
        item=post.get("item", ""),
        result=post.get("result", ""),
        comment=post.get("comment", ""),
    )
    return _("Checked.")


def _approve(request: AuthedRequest, contract: Contract) -> str:
    services.review_decide(actor=request.user, contract=contract, decision="approve", note=request.POST.get("note", ""))
    return _("Review approved.")


def _reject(request: AuthedRequest, contract: Contract) -> str:
    services.review_decide(actor=request.user, contract=contract, decision="reject", note=request.POST.get("note", ""))
    return _("Sent back to draft.")


def _sign(request: AuthedRequest, contract: Contract) -> str:
    data = _form_data(SignForm(request.POST, request.FILES))
    services.contract_sign(
        actor=request.user, contract=contract, expected_version=posted_number(request.POST, "version"), **data
    )
    return _("Signature recorded.")


def _accept(request: AuthedRequest, contract: Contract) -> str:
    services.contract_accept(
        actor=request.user,
        contract=contract,
        expected_version=posted_number(request.POST, "version"),
        data=_form_data(HandoverForm(request.POST)),
    )
    return _("Accepted for delivery.")


def _complete(request: AuthedRequest, contract: Contract) -> str:
    services.contract_complete(
        actor=request.user, contract=contract, expected_version=posted_number(request.POST, "version")
    )
    return _("Contract completed.")


def _close(request: AuthedRequest, contract: Contract) -> str:
    data = _form_data(CloseForm(request.POST))
    services.contract_close(
        actor=request.user, contract=contract, expected_version=posted_number(request.POST, "version"), **data
    )
    return _("Contract closed and evaluated.")


def _terminate(request: AuthedRequest, contract: Contract) -> str:
    services.contract_terminate(
        actor=request.user,
        contract=contract,
        expected_version=posted_number(request.POST, "version"),
        reason=request.POST.get("reason", ""),
    )
    return _("Contract terminated.")


def _milestone_add(request: AuthedRequest, contract: Contract) -> str:
    terms = list(contract.current.terms.all()) if contract.current else []
    data = _form_data(MilestoneForm(request.POST, terms=terms, prefix="ms"))
    services.milestone_save(actor=request.user, contract=contract, data=data)
    return _("Milestone added.")


def _milestone_remove(request: AuthedRequest, contract: Contract) -> str:
    milestone = contract.milestones.filter(pk=posted_number(request.POST, "milestone")).first()
    if milestone is None:
        raise ValidationError({"milestone": [_("No such milestone.")]})
    services.milestone_remove(actor=request.user, milestone=milestone)
    return _("Milestone removed.")


def _order(request: AuthedRequest, contract: Contract) -> str:
    post = request.POST
    data = _form_data(OrderForm(post, milestones=selectors.milestones_of(contract)))
    milestone = contract.milestones.filter(pk=data["milestone"]).first() if data["milestone"] else None
    quantities = _quantities(post)
    order = services.order_generate(
        actor=request.user,
        contract=contract,
        title=data["title"],
        quantities=quantities if post.get("scope") == "batch" else None,
        milestone=milestone,
        planned_date=data["planned_date"],
    )
    return _("Order %(n)s generated.") % {"n": order.number}


def _risk_add(request: AuthedRequest, contract: Contract) -> str:
    services.risk_add(actor=request.user, contract=contract, data=_form_data(RiskForm(request.POST)))
    return _("Added to the register.")


def _risk_close(request: AuthedRequest, contract: Contract) -> str:
    risk = ContractRisk.objects.filter(contract=contract, pk=posted_number(request.POST, "risk")).first()
    if risk is None:
        raise ValidationError({"risk": [_("No such entry.")]})
    services.risk_update(actor=request.user, risk=risk, data={"status": "closed"})
    return _("Closed.")


CONTRACT_STEPS: Steps[Contract] = {
    "submit": _submit,
    "check": _check,
    "approve": _approve,
    "reject": _reject,
    "sign": _sign,
    "accept": _accept,
    "complete": _complete,
    "close": _close,
    "terminate": _terminate,
    "milestone_add": _milestone_add,
    "milestone_remove": _milestone_remove,
    "order": _order,
    "risk_add": _risk_add,
    "risk_close": _risk_close,
}


@require_POST
@login_required
def contract_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """The contract's process steps as forms; a refusal comes back as messages."""
    contract = selectors.contract_get(user=request.user, pk=pk)
    return run_step(request, CONTRACT_STEPS, action, contract, then=contract)


@login_required
def signed_copy(request: AuthedRequest, pk: int) -> FileResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    return stored_file(contract.signed_copy)


# --- milestones and orders -------------------------------------------------------------------


def _deliver(request: AuthedRequest, milestone: Milestone) -> str:
    data = _form_data(DeliveryForm({"kind": "goods", "delivered_on": request.POST.get("delivered_on", "")}))
    services.milestone_deliver(actor=request.user, milestone=milestone, delivered_on=data["delivered_on"])
    return _("Milestone delivered.")


def _milestone_accept(request: AuthedRequest, milestone: Milestone) -> str:
    data = _form_data(AcceptanceForm(request.POST, request.FILES))
    services.milestone_accept(
        actor=request.user,
        milestone=milestone,
        accepted_on=data["accepted_on"],
        accepted_by_name=data["accepted_by_name"],
        document=data["acceptance_document"],
        note=data["note"],
    )
    return _("Acceptance recorded.")


def _refuse(request: AuthedRequest, milestone: Milestone) -> str:
    services.milestone_refuse(actor=request.user, milestone=milestone, note=request.POST.get("note", ""))
    return _("Refusal recorded.")


MILESTONE_STEPS: Steps[Milestone] = {"deliver": _deliver, "accept": _milestone_accept, "refuse": _refuse}


@require_POST
@login_required
def milestone_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    milestone = selectors.milestone_get(user=request.user, pk=pk)
    return run_step(request, MILESTONE_STEPS, action, milestone, then=milestone.contract)


@login_required
def milestone_document(request: AuthedRequest, pk: int) -> FileResponse:
    milestone: Milestone = selectors.milestone_get(user=request.user, pk=pk)
    return stored_file(milestone.acceptance_document)


@login_required
def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, pk=pk)
    form = DeliveryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "erp":
                services.order_update(
                    actor=request.user,
                    order=order,
                    expected_version=posted_number(request.POST, "version"),
                    erp_reference=request.POST.get("erp_reference", ""),
                )
                messages.success(request, _("ERP reference saved."))
                return redirect("contracts:order_detail", pk=order.pk)
            data = _form_data(form)
            quantities = _quantities(request.POST)
            delivery = services.delivery_record(actor=request.user, order=order, quantities=quantities, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        except StaleVersionError as exc:
            messages.error(request, str(exc))
            return redirect("contracts:order_detail", pk=order.pk)
        else:
            messages.success(request, _("Delivery %(n)s recorded.") % {"n": delivery.number})
            return redirect("contracts:order_detail", pk=order.pk)
    context = {
        "order": order,
        "contract": order.contract,
        "lines": list(order.lines.all()),
        "deliveries": list(selectors.delivery_list(user=request.user, order=order.pk)),
        "form": form,
        "can_deliver": can_deliver(request.user, order.contract),
        "can_record": can_deliver(request.user, order.contract)
        and order.status in (OrderStatus.OPEN, OrderStatus.PARTLY)
        and order.contract.status == ContractStatus.IN_EXECUTION,
    }
    return render(request, "contracts/order_detail.html", context, status=status)


# --- change requests -------------------------------------------------------------------------


def _change_form_context(contract: Contract, form: ChangeForm, post: Any = None) -> dict[str, Any]:
    version = selectors.version_get(contract)
    return {
        "contract": contract,
        "form": form,
        "lines": list(version.lines.all()),
        "terms": list(version.terms.all()),
        "milestones": selectors.milestones_of(contract),
        "products": list(Product.objects.active().filter(is_bundle=False).order_by("code")),
        "triggers": TERM_TRIGGERS,
        "post": post or {},
    }


@login_required
def change_create(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    if not may_raise_change(request.user, contract):
        raise PermissionDenied
    version = current_of(contract)
    form = ChangeForm(
        request.POST or None, initial={"end_date": version.end_date, "delivery_terms": version.delivery_terms}
    )
    if request.method == "POST" and form.is_valid():
        context = _change_form_context(contract, form)
        proposal = proposal_from_post(request.POST, context["lines"], context["milestones"], context["terms"])
        data = form.cleaned_data
        if data["end_date"] and data["end_date"] != version.end_date:
            proposal["end_date"] = data["end_date"].isoformat()
        if "delivery_terms" in request.POST and data["delivery_terms"] != version.delivery_terms:
            proposal["delivery_terms"] = data["delivery_terms"]
        try:
            change = services.change_create(
                actor=request.user,
                contract=contract,
                origin=data["origin"],
                title=data["title"],
                reason=data["reason"],
                proposal=proposal,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Change request CR%(n)d raised.") % {"n": change.number})
            return redirect("contracts:change_detail", pk=change.pk)
    status = 422 if request.method == "POST" else 200
    context = _change_form_context(contract, form, request.POST if request.method == "POST" else None)
    return render(request, "contracts/change_form.html", context, status=status)


@login_required
def change_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    change = selectors.change_get(user=request.user, pk=pk)
    contract = change.contract
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "assess":
                data = _form_data(AssessForm(post))
                services.change_assess(actor=request.user, change=change, role=post.get("role", ""), **data)
                text = _("Assessment recorded.")
            elif post.get("action") == "decide":
                services.change_decide(
                    actor=request.user, change=change, approve=post.get("approve") == "1", note=post.get("note", "")
                )
                text = _("Decision recorded.")
            else:
                raise Http404
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, text)
        return redirect("contracts:change_detail", pk=change.pk)
    base = amendments.snapshot_of(change.base_version)
    after = base
    if change.result_version is not None:
        after = amendments.snapshot_of(change.result_version)
    elif change.status == ChangeStatus.ASSESSING:
        try:
            _base, after = services.change_preview(contract, change.proposal)
        except ValidationError as exc:
            messages.warning(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    given = {a.role: a for a in change.assessments.all()}
    roles = [
        (role, role.label, given.get(role), getattr(contract, f"{MEMBER_OF_ROLE[role]}_id") == request.user.pk)
        for role in ChangeRole
        if getattr(contract, f"{MEMBER_OF_ROLE[role]}_id") is not None
    ]
    context = {
        "change": change,
        "contract": contract,
        "title": f"{contract.number} · CR{change.number} · {change.title}",
        "diff": amendments.diff(base, after),
        "roles": roles,
        "assess_form": AssessForm(),
        "missing": services.missing_assessments(change),
        "can_decide": change.status == ChangeStatus.ASSESSING
        and authority.may_decide(
            request.user,
            "contract_change",
            abs(change.delta),
            contract.currency,
            prefer=change.decider_id,
            parties=change_parties(change, contract),
        ),
    }
    return render(request, "contracts/change_detail.html", context)


@login_required
def evaluation_report(request: AuthedRequest) -> HttpResponse:
    context = {
        "evaluations": list(selectors.evaluation_list(user=request.user)[:200]),
        "summary": selectors.evaluation_summary(user=request.user),
    }
    return render(request, "contracts/evaluation_report.html", context)
