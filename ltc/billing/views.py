"""Billing pages: invoices, the contract's schedule, payments, bank statements, receivables and
collections. Thin over billing.services and .selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, When
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.billing import documents, selectors, services
from ltc.billing.access import can_bill
from ltc.billing.choices import InvoiceKind, InvoiceStatus, StatementLineStatus
from ltc.billing.forms import AgingForm, InvoiceFilterForm, PaymentFilterForm, PaymentForm, StatementForm
from ltc.billing.lists import INVOICE_LIST, PAYMENT_LIST
from ltc.billing.models import Invoice
from ltc.core import listviews
from ltc.core.actions import Steps, run_step
from ltc.core.api import paginate
from ltc.core.exports import export_response
from ltc.core.forms import ListParams, add_service_errors, flash_errors, is_htmx, is_id, posted_number
from ltc.core.timeline import timeline_for
from ltc.customers.models import Account
from ltc.org.types import AuthedRequest

STATEMENT_SHOWN = 200
# The customer choosers list this many (by name); the chosen one is always among them.
MAX_ACCOUNTS = 1000


def _listing(
    request: AuthedRequest,
    queryset: Any,
    template: str,
    context: dict[str, Any],
    spec: listviews.ListSpec,
    name: str,
) -> HttpResponse | StreamingHttpResponse:
    """A list page with its tools (chosen columns, saved views; htmx asks for the results only),
    or its export as CSV / XLSX of the chosen columns."""
    state = listviews.list_state(request, spec)
    if (default := state.default_query()) is not None:
        return redirect(f"{request.path}?{default}")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        columns = listviews.export_columns(spec, state.columns)
        return export_response(queryset.iterator(chunk_size=2000), columns, fmt=fmt, basename=name)
    params = ListParams(request.GET)
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    shown = f"{template}#results" if is_htmx(request) else template
    return render(request, shown, {**context, "page": page, "list": state})


def _account_param(raw: str) -> int | None:
    # As core.forms.posted_number: a number beyond any column names nothing (not a database error).
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


# --- invoices --------------------------------------------------------------------------------


@login_required
def invoice_list(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    form = InvoiceFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.InvoiceFilters(
        q=data.get("q", ""),
        status=data.get("status", ""),
        kind=data.get("kind", ""),
        overdue=bool(data.get("overdue")),
        account=_account_param(request.GET.get("account", "")),
        contract=_account_param(request.GET.get("contract", "")),
        sort=data.get("sort") or "-created",
    )
    queryset = selectors.invoice_list(user=request.user, filters=filters)
    drafts = selectors.invoice_list(user=request.user, filters=selectors.InvoiceFilters(status=InvoiceStatus.DRAFT))
    return _listing(
        request,
        queryset,
        "billing/invoice_list.html",
        {
            "filter_form": form,
            "drafts": drafts.count() if can_bill(request.user) else 0,
            "today": timezone.localdate(),
            "can_bill": can_bill(request.user),
        },
        INVOICE_LIST,
        "invoices",
    )


@login_required
def invoice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    lines = list(invoice.lines.all())
    context = {
        "invoice": invoice,
        "contract": invoice.contract,
        "lines": lines,
        "vat": documents.vat_summary(lines),
        "allocations": list(invoice.allocations.select_related("payment").order_by("id")),
        "credit_notes": list(invoice.credit_notes.order_by("id")),
        "promises": list(invoice.promises.all()),
        "steps": list(invoice.collection_steps.all()),
        "acceptance_url": documents.acceptance_url(invoice),
        "timeline": timeline_for(invoice)[:30],
        "can_bill": can_bill(request.user),
        "may_collect": services.may_collect(request.user, invoice),
        "today": timezone.localdate(),
    }
    return render(request, "billing/invoice_detail.html", context)


@login_required
def invoice_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    return documents.pdf_response(selectors.invoice_get(user=request.user, pk=pk))


def _invoice_update(request: AuthedRequest, invoice: Invoice) -> str:
    post = request.POST
    services.invoice_update(
        actor=request.user, invoice=invoice, expected_version=posted_number(post, "version"), data=post.dict()
    )
    return _("Draft saved.")


def _invoice_issue(request: AuthedRequest, invoice: Invoice) -> str:
    post = request.POST
    services.invoice_issue(
        actor=request.user,
        invoice=invoice,
        expected_version=posted_number(post, "version"),
        issue_date=post.get("issue_date"),
    )
    invoice.refresh_from_db()
    return _("Invoice %(n)s issued.") % {"n": invoice.number}


def _invoice_cancel(request: AuthedRequest, invoice: Invoice) -> str:
    services.invoice_cancel(actor=request.user, invoice=invoice, reason=request.POST.get("reason", ""))
    return _("Invoice cancelled.")


def _invoice_credit(request: AuthedRequest, invoice: Invoice) -> str:
    post = request.POST
    note = services.invoice_credit(
        actor=request.user, invoice=invoice, value=post.get("amount"), reason=post.get("reason")
    )
    return _("Credit note %(n)s issued.") % {"n": note.number}


def _tax_invoice(request: AuthedRequest, invoice: Invoice) -> str:
    post = request.POST
    services.tax_invoice_record(
        actor=request.user,
        invoice=invoice,
        number=post.get("tax_invoice_number"),
        issued_on=post.get("tax_invoice_date"),
    )
    return _("Tax invoice recorded.")


def _promise(request: AuthedRequest, invoice: Invoice) -> str:
    services.promise_add(actor=request.user, invoice=invoice, data=request.POST.dict())
    return _("Promise to pay recorded.")


INVOICE_STEPS: Steps[Invoice] = {
    "update": _invoice_update,
    "issue": _invoice_issue,
    "cancel": _invoice_cancel,
    "credit": _invoice_credit,
    "tax": _tax_invoice,
    "promise": _promise,
}


@require_POST
@login_required
def invoice_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return run_step(request, INVOICE_STEPS, action, invoice, then=invoice)


# --- schedule --------------------------------------------------------------------------------


@login_required
def schedule_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = selectors.schedule_contract(user=request.user, pk=pk)
    lines = selectors.schedule_lines(contract)
    invoices, readable = selectors.schedule_invoices(user=request.user, contract=contract)
    context = {
        "contract": contract,
        "lines": lines,
        "invoices": invoices,
        "readable": readable,
        "can_bill": can_bill(request.user),
        "invoiced": sum((i.total for i in invoices if i.kind == InvoiceKind.INVOICE and i.number), 0),
        "open": sum((i.open_amount for i in invoices if i.kind == InvoiceKind.INVOICE), 0),
    }
    return render(request, "billing/schedule.html", context)


@require_POST
@login_required
def line_invoice(request: AuthedRequest, pk: int) -> HttpResponse:
    line = selectors.schedule_line_get(user=request.user, pk=pk)
    contract = line.contract
    try:
        invoice = services.billing_line_invoice(actor=request.user, line=line)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("billing:schedule", pk=contract.pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("billing:schedule", pk=contract.pk)
    messages.success(request, _("Draft invoice made."))
    return redirect("billing:invoice_detail", pk=invoice.pk)


# --- payments --------------------------------------------------------------------------------


@login_required
def payment_list(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    form = PaymentFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.PaymentFilters(
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        account=_account_param(request.GET.get("account", "")),
        unallocated=bool(data.get("unallocated")),
    )
    queryset = selectors.payment_list(user=request.user, filters=filters)
    context = {"filter_form": form, "can_bill": can_bill(request.user)}
    return _listing(request, queryset, "billing/payment_list.html", context, PAYMENT_LIST, "payments")


def _open_invoices(user: Any, account: int, currency: str | None = None) -> list[Invoice]:
    qs = selectors.invoice_list(
        user=user,
        filters=selectors.InvoiceFilters(
            account=account, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE, sort="due"
        ),
    ).filter(open_amount__gt=0)
    if currency:
        qs = qs.filter(currency=currency)
    return list(qs[:200])


def _accounts(chosen: Account | None) -> list[Account]:
    """The customers to choose from (finance sees every account), the chosen one included."""
    accounts = list(Account.objects.active().order_by("name")[:MAX_ACCOUNTS])
    if chosen is not None and chosen not in accounts:
        accounts.insert(0, chosen)
    return accounts


def _allocations_from(post: Any) -> list[dict[str, str]]:
    """The form's "alloc-<invoice id>" inputs that carry an amount."""
    return [
        {"invoice_id": name[6:], "amount": value.strip()}
        for name, value in post.items()
        if name.startswith("alloc-") and is_id(name[6:]) and value.strip()
    ]


@login_required
def payment_create(request: AuthedRequest) -> HttpResponse:
    if not can_bill(request.user):
        raise Http404
    raw = request.POST.get("account") or request.GET.get("account", "")
    account = Account.objects.filter(pk=int(raw)).first() if is_id(raw) else None
    form = PaymentForm(request.POST or None, initial={"received_on": timezone.localdate()})
    status = 200
    if request.method == "POST" and account is not None:
        data = {**request.POST.dict(), "account_id": account.pk, "allocations": _allocations_from(request.POST)}
        try:
            payment = services.payment_record(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            messages.success(request, _("Payment %(n)s recorded.") % {"n": payment.number})
            return redirect("billing:payment_detail", pk=payment.pk)
    elif request.method == "POST":
        messages.error(request, _("Choose the customer who paid."))
        status = 422
    context = {
        "form": form,
        "account": account,
        "accounts": _accounts(account),
        "open_invoices": _open_invoices(request.user, account.pk) if account else [],
    }
    return render(request, "billing/payment_form.html", context, status=status)


@login_required
def payment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(user=request.user, pk=pk)
    context = {
        "payment": payment,
        "allocations": list(payment.allocations.select_related("invoice").order_by("id")),
        "followers": list(payment.followers.order_by("id")),
        "open_invoices": _open_invoices(request.user, payment.account_id, payment.currency)
        if payment.is_receipt and payment.unallocated > 0
        else [],
        "timeline": timeline_for(payment)[:30],
        "can_bill": can_bill(request.user),
    }
    return render(request, "billing/payment_detail.html", context)


@require_POST
@login_required
def payment_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    payment = selectors.payment_get(user=request.user, pk=pk)
    post, actor = request.POST, request.user
    try:
        if action == "allocate":
            services.payment_allocate(actor=actor, payment=payment, items=_allocations_from(post))
            done = _("Allocated.")
        elif action == "refund":
            refund = services.payment_refund(actor=actor, payment=payment, data=post.dict())
            done = _("Refund %(n)s recorded.") % {"n": refund.number}
        elif action == "reverse":
            reversal = services.payment_reverse(actor=actor, payment=payment, reason=post.get("reason"))
            done = _("Reversed as %(n)s.") % {"n": reversal.number}
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("billing:payment_detail", pk=payment.pk)


# --- bank statements -------------------------------------------------------------------------


@login_required
def statement_list(request: AuthedRequest) -> HttpResponse:
    if not can_bill(request.user):
        raise Http404
    form = StatementForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            statement = services.statement_import(actor=request.user, filename=upload.name, content=upload.read())
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            messages.success(request, _("%(n)d credits imported.") % {"n": statement.line_count})
            return redirect("billing:statement_detail", pk=statement.pk)
    elif request.method == "POST":
        status = 422
    statements = list(selectors.statement_list(user=request.user).select_related("imported_by")[:50])
    return render(request, "billing/statement_list.html", {"form": form, "statements": statements}, status=status)


@login_required
def statement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    statement = selectors.statement_get(user=request.user, pk=pk)
    # Each open line's suggestions cost a query or two: the page shows the lines to match first.
    lines = statement.lines.select_related("payment").order_by(
        Case(When(status=StatementLineStatus.OPEN, then=0), default=1), "row"
    )[:STATEMENT_SHOWN]
    rows = [(line, services.suggestions(line) if line.status == StatementLineStatus.OPEN else []) for line in lines]
    context = {
        "statement": statement,
        "rows": rows,
        "accounts": _accounts(None),
        "more": statement.line_count > STATEMENT_SHOWN,
    }
    return render(request, "billing/statement_detail.html", context)


@require_POST
@login_required
def statement_line_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    line = selectors.statement_line_get(user=request.user, pk=pk)
    statement = line.statement
    try:
        if action == "record":
            invoice_id = request.POST.get("invoice", "")
            allocations = [{"invoice_id": invoice_id, "amount": request.POST.get("amount", "")}] if invoice_id else []
            payment = services.statement_line_record(
                actor=request.user, line=line, account_id=request.POST.get("account", ""), allocations=allocations
            )
            messages.success(request, _("Payment %(n)s recorded.") % {"n": payment.number})
        elif action == "ignore":
            services.statement_line_ignore(actor=request.user, line=line)
            messages.success(request, _("Line set aside."))
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("billing:statement_detail", pk=statement.pk)


# --- receivables and collections -------------------------------------------------------------


@login_required
def receivables(request: AuthedRequest) -> HttpResponse:
    form = AgingForm(request.GET or None, initial={"as_of": timezone.localdate()})
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    as_of = data.get("as_of") or today
    group = data.get("group") or "customer"
    currency = data.get("currency") or "CNY"
    report = selectors.aging(user=request.user, as_of=as_of, group=group, currency=currency, limit=100)
    context = {
        "form": form,
        "can_bill": can_bill(request.user),
        "report": report,
        "group": group,
        "dso": selectors.dso(user=request.user, as_of=as_of, currency=currency, receivable=report.grand_total),
        "forecast": selectors.forecast(user=request.user, today=today, currency=currency),
        "buckets": [
            ("not_due", _("Not due")),
            ("d1_30", _("1–30 days")),
            ("d31_60", _("31–60 days")),
            ("d61_90", _("61–90 days")),
            ("d90_plus", _("Over 90 days")),
        ],
    }
    return render(request, "billing/receivables.html", context)


@login_required
def collections(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        if not can_bill(request.user):
            raise Http404
        taken = services.collections_run(today=today)
        messages.success(request, _("Collection run: %(n)d steps taken.") % {"n": taken})
        return redirect("billing:collections")
    invoices = list(selectors.overdue_list(user=request.user, today=today)[:200])
    return render(
        request,
        "billing/collections.html",
        {"invoices": invoices, "today": today, "can_bill": can_bill(request.user)},
    )
