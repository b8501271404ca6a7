"""Quote pages: list, create from a deal, detail with versions and approval, the line editor,
version comparison, the document (HTML preview and PDF) and the customer's page behind the link."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.catalog.models import BundleComponent, Product
from ltc.core import listviews
from ltc.core.actions import Steps, run_step
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.exports import export_response
from ltc.core.forms import ListParams, add_service_errors, is_htmx, is_id, posted_number
from ltc.core.net import client_address
from ltc.core.timeline import timeline_for
from ltc.opportunities import selectors as deal_selectors
from ltc.opportunities.models import BidSection
from ltc.org.types import AuthedRequest
from ltc.quotes import documents, preview, selectors, services
from ltc.quotes.access import can_write
from ltc.quotes.choices import QuoteStatus
from ltc.quotes.forms import (
    TERM_TRIGGERS,
    AnswerForm,
    QuoteCreateForm,
    QuoteFilterForm,
    QuoteHeaderForm,
    SendForm,
    editor_data,
)
from ltc.quotes.lists import QUOTE_LIST
from ltc.quotes.models import PaymentTermTemplate, Quote, QuoteLine, QuoteVersion
from ltc.quotes.services import terms
from ltc.quotes.services.approval import may_approve


@login_required
def quote_list(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    form = QuoteFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.QuoteFilters(
        q=data.get("q", ""),
        status=data.get("status", ""),
        mine=data.get("view") == "mine",
        awaiting_me=data.get("view") == "awaiting",
        opportunity=int(request.GET["opportunity"]) if is_id(request.GET.get("opportunity", "")) else None,
        account=posted_number(request.GET, "account") or None,
        sort=data.get("sort") or "-created",
    )
    queryset = selectors.quote_list(user=request.user, filters=filters)
    state = listviews.list_state(request, QUOTE_LIST)
    if (default := state.default_query()) is not None:
        return redirect(f"{request.path}?{default}")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        columns = listviews.export_columns(QUOTE_LIST, state.columns)
        return export_response(queryset.iterator(chunk_size=2000), columns, fmt=fmt, basename="quotes")
    params = ListParams(request.GET)
    page = params.page(paginate(queryset, limit=params.limit, offset=params.offset))
    template = "quotes/quote_list.html#results" if is_htmx(request) else "quotes/quote_list.html"
    return render(request, template, {"filter_form": form, "page": page, "list": state})


@login_required
def quote_create(request: AuthedRequest) -> HttpResponse:
    raw = request.GET.get("opportunity") or request.POST.get("opportunity") or ""
    if not is_id(raw):
        raise Http404
    opportunity = deal_selectors.opportunity_get(user=request.user, pk=raw)
    if not can_write(request.user, opportunity):
        raise PermissionDenied
    form = QuoteCreateForm(request.POST if request.method == "POST" else None, currency=opportunity.currency)
    if request.method == "POST" and form.is_valid():
        try:
            quote, unmatched = services.quote_create(
                actor=request.user,
                opportunity=opportunity,
                price_book=form.cleaned_data["price_book"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Quote %(number)s opened.") % {"number": quote.number})
            if unmatched:
                messages.warning(
                    request,
                    _("Not in the catalog: %(words)s. Add these lines by hand.") % {"words": "、".join(unmatched)},
                )
            return redirect("quotes:quote_edit", pk=quote.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "quotes/quote_create.html", {"form": form, "opportunity": opportunity}, status=status)


def _version_of(request: HttpRequest, quote: Quote) -> QuoteVersion:
    raw = request.GET.get("v", "")
    return selectors.version_get(quote, int(raw) if is_id(raw) else None)


@login_required
def quote_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    version = _version_of(request, quote)
    pending = next((a for a in version.approvals.all() if a.status == "pending"), None)
    writer = can_write(request.user, quote.opportunity)
    sections = []
    if writer and version.status in (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED):
        sections = list(
            BidSection.objects.filter(bid__opportunity=quote.opportunity_id, kind="commercial").select_related("bid")
        )
    contact_email = next((c.email for c in quote.opportunity.contacts.all() if c.email), "")
    context = {
        "quote": quote,
        "version": version,
        "is_current": version.pk == quote.current_id,
        "tree": selectors.line_tree(version),
        "versions": selectors.versions_of(quote),
        "pending": pending,
        "can_write": writer,
        "can_approve": may_approve(request.user, pending),
        "send_form": SendForm(initial={"to": version.sent_to or contact_email}),
        "answer_form": AnswerForm(),
        "sections": sections,
        "events": timeline_for(quote),
    }
    return render(request, "quotes/quote_detail.html", context)


def _stored_row(line: QuoteLine, parent: str) -> dict[str, Any]:
    return {
        "product": line.product_id,
        "code": line.code,
        "name": line.name,
        "quantity": line.quantity,
        "discount": line.discount_pct,
        "parent": parent,
        "bundle": line.product.is_bundle,
        "net": line.net_amount,
        "unit_price": line.unit_price,
        "source": line.get_price_source_display(),
    }


def _editor_context(
    quote: Quote,
    version: QuoteVersion,
    form: QuoteHeaderForm,
    rows: list[dict[str, Any]] | None = None,
    terms: list[dict[str, Any]] | None = None,
    row_errors: dict[int, list[str]] | None = None,
    *,
    totals: preview.TotalsBox,
) -> dict[str, Any]:
    if rows is None:
        rows = []
        for line, parts in selectors.line_tree(version):
            top = len(rows)
            rows.append(_stored_row(line, ""))
            rows.extend(_stored_row(part, str(top)) for part in parts)
    if terms is None:
        terms = [
            {"label": t.label, "percent": t.percent, "trigger": t.trigger, "days": t.days, "due_date": t.due_date}
            for t in version.terms.all()
        ]
    products = list(Product.objects.active().filter(is_bundle=False).order_by("code"))
    bundles = list(Product.objects.active().filter(is_bundle=True).order_by("code"))
    return {
        "quote": quote,
        "version": version,
        "form": form,
        "rows": rows,
        "terms": [*terms, {"label": "", "percent": "", "trigger": "date", "days": 0, "due_date": None}],
        "triggers": TERM_TRIGGERS,
        "products": products,
        "bundles": bundles,
        "bundle_rows": [(i, r) for i, r in enumerate(rows) if r.get("bundle")],
        "row_errors": row_errors or {},
        "totals": totals,
        "term_templates": list(PaymentTermTemplate.objects.filter(active=True).order_by("name")),
    }


def _with_additions(post: Any, lines: list[dict[str, Any]]) -> None:
    """The editor's "add a product" and "add a bundle" inputs, appended to the lines."""
    product = posted_number(post, "new_product")
    if product:
        item = {
            "product_id": str(product),
            "quantity": post.get("new_quantity") or "1",
            "discount_pct": post.get("new_discount") or "0",
        }
        into = post.get("new_into", "")
        target = next((line for line in lines if str(line.get("_row")) == into), None) if into else None
        if target is not None:
            target.setdefault("components", []).append(item)
        else:
            lines.append(item)
    bundle = posted_number(post, "new_bundle")
    if bundle:
        try:
            quantity = Decimal(post.get("new_bundle_quantity") or "1")
        except ArithmeticError:
            quantity = Decimal(1)
        parts = BundleComponent.objects.filter(bundle_id=bundle, required=True)
        lines.append(
            {
                "product_id": str(bundle),
                "quantity": str(quantity),
                "components": [
                    {"product_id": p.component_id, "quantity": str(p.default_quantity * quantity)} for p in parts
                ],
            }
        )


@login_required
def quote_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    if not can_write(request.user, quote.opportunity):
        raise PermissionDenied
    version = selectors.version_get(quote)
    if not version.is_draft:
        messages.error(
            request,
            _("Version %(n)d is %(status)s and read-only: revise the quote to change it.")
            % {"n": version.number, "status": version.get_status_display()},
        )
        return redirect("quotes:quote_detail", pk=quote.pk)
    initial = {
        "version": quote.version,
        "title": quote.title,
        "price_book": version.price_book_id,
        "valid_until": version.valid_until,
        "document_discount_pct": version.document_discount_pct,
        "delivery_terms": version.delivery_terms,
        "notes": version.notes,
    }
    if request.method != "POST":
        form = QuoteHeaderForm(initial=initial, currency=quote.currency)
        totals = preview.stored_totals(actor=request.user, quote=quote, version=version)
        return render(request, "quotes/quote_edit.html", _editor_context(quote, version, form, totals=totals))
    form = QuoteHeaderForm(request.POST, currency=quote.currency)
    lines, terms, places = editor_data(request.POST)
    _mark_rows(lines, places)  # remember each top line's row, for "add into a bundle"
    _with_additions(request.POST, lines)
    for line in lines:
        line.pop("_row", None)
    status = 422
    rows, row_of = _spec_rows(lines)
    row_errors: dict[int, list[str]] = {}
    if form.is_valid():
        data = {
            name: form.cleaned_data[name]
            for name in ("title", "price_book", "valid_until", "document_discount_pct", "delivery_terms", "notes")
        }
        data |= {"lines": lines, "terms": terms}
        try:
            services.quote_version_update(
                actor=request.user, quote=quote, expected_version=form.cleaned_data["version"], data=data
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                place = key.rsplit(".", 1)[0] if key.count(".") % 2 == 0 else key
                row = row_of.get(place)
                if row is not None:
                    row_errors.setdefault(row, []).extend(errors)
                elif key in form.fields:
                    form.add_error(key, errors)
                else:
                    form.add_error(None, errors)
        except StaleVersionError as exc:
            status = 409
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Quote saved."))
            if request.POST.get("then") == "stay":
                return redirect("quotes:quote_edit", pk=quote.pk)
            return redirect("quotes:quote_detail", pk=quote.pk)
    totals = _posted_totals(request, quote, version)
    context = _editor_context(quote, version, form, rows=rows, terms=terms, row_errors=row_errors, totals=totals)
    return render(request, "quotes/quote_edit.html", context, status=status)


def _posted_totals(request: AuthedRequest, quote: Quote, version: QuoteVersion) -> preview.TotalsBox:
    """The totals of the rows on screen (what "Add" would add is not counted until added)."""
    lines, _terms, _places = editor_data(request.POST)
    return preview.draft_totals(actor=request.user, quote=quote, version=version, lines=lines, data=request.POST)


@login_required
@require_POST
def quote_totals(request: AuthedRequest, pk: int) -> HttpResponse:
    """The editor's totals box, recomputed on the server from the rows as typed (htmx)."""
    quote = selectors.quote_get(user=request.user, pk=pk)
    if not can_write(request.user, quote.opportunity):
        raise PermissionDenied
    version = selectors.version_get(quote)
    if version.is_draft:
        totals = _posted_totals(request, quote, version)
    else:
        totals = preview.stored_totals(actor=request.user, quote=quote, version=version)
    return render(request, "quotes/totals_box.html", {"quote": quote, "totals": totals})


def _mark_rows(lines: list[dict[str, Any]], places: dict[str, int]) -> None:
    for index, line in enumerate(lines):
        line["_row"] = places.get(f"lines.{index}")


def _spec_rows(lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The lines as submitted (additions included), as editor rows to show again with errors;
    and the row of each line's place in the service's error keys (lines.0.components.1)."""
    ids = [str(line["product_id"]) for top in lines for line in [top, *top.get("components", [])]]
    wanted = [pk for i in ids if (pk := posted_number({"id": i}, "id"))]
    products = {str(p.pk): p for p in Product.objects.filter(pk__in=wanted)}
    rows: list[dict[str, Any]] = []

    def row(line: dict[str, Any], parent: str) -> dict[str, Any]:
        product = products.get(str(line["product_id"]))
        return {
            "product": line["product_id"],
            "code": product.code if product else "?",
            "name": product.display_name if product else "?",
            "quantity": line.get("quantity", ""),
            "discount": line.get("discount_pct", "0"),
            "parent": parent,
            "bundle": bool(product and product.is_bundle),
        }

    places: dict[str, int] = {}
    for number, top in enumerate(lines):
        index = len(rows)
        places[f"lines.{number}"] = index
        rows.append(row(top, ""))
        for part_number, part in enumerate(top.get("components", [])):
            places[f"lines.{number}.components.{part_number}"] = len(rows)
            rows.append(row(part, str(index)))
    return rows, places


def _submit(request: AuthedRequest, quote: Quote) -> str:
    version = services.quote_submit(
        actor=request.user, quote=quote, expected_version=posted_number(request.POST, "version")
    )
    if version.status == QuoteStatus.APPROVED:
        return _("Approved within your authority.")
    return _("Submitted for approval.")


def _approve(request: AuthedRequest, quote: Quote) -> str:
    services.quote_approve(actor=request.user, quote=quote, comment=request.POST.get("comment", ""))
    return _("Approval recorded.")


def _reject(request: AuthedRequest, quote: Quote) -> str:
    services.quote_reject(actor=request.user, quote=quote, comment=request.POST.get("comment", ""))
    return _("Quote rejected.")


def _revise(request: AuthedRequest, quote: Quote) -> HttpResponse:
    services.quote_revise(actor=request.user, quote=quote, expected_version=posted_number(request.POST, "version"))
    messages.success(request, _("New version started."))
    return redirect("quotes:quote_edit", pk=quote.pk)


def _send(request: AuthedRequest, quote: Quote) -> str:
    post = request.POST
    link = services.quote_send(actor=request.user, quote=quote, to=post.get("to", ""), message=post.get("message", ""))
    return _("Quote sent. The customer's link: %(link)s") % {"link": link}


def _answer(accept: bool) -> Callable[[AuthedRequest, Quote], str]:
    def record(request: AuthedRequest, quote: Quote) -> str:
        post = request.POST
        services.quote_record_answer(
            actor=request.user,
            quote=quote,
            accept=accept,
            name=post.get("name", ""),
            title=post.get("title", ""),
            note=post.get("note", ""),
        )
        return _("The customer's answer is recorded.")

    return record


def _bid_offer(request: AuthedRequest, quote: Quote) -> str:
    post = request.POST
    section = (
        BidSection.objects.select_related("bid")
        .filter(pk=posted_number(post, "section"), bid__opportunity=quote.opportunity_id)
        .first()
    )
    if section is None:
        raise ValidationError({"section": [_("Choose a bid section of this quote's deal.")]})
    version = selectors.version_get(quote, post.get("number") or 0)
    services.quote_offer_in_bid(actor=request.user, quote=quote, version=version, section=section)
    return _("Offered in the bid.")


def _apply_terms(request: AuthedRequest, quote: Quote) -> HttpResponse:
    template = PaymentTermTemplate.objects.filter(pk=posted_number(request.POST, "template")).first()
    if template is None:
        raise ValidationError({"template": [_("Choose a payment-term template.")]})
    terms.quote_apply_term_template(
        actor=request.user, quote=quote, template=template, expected_version=posted_number(request.POST, "version")
    )
    messages.success(request, _("Payment terms filled from the template %(name)s.") % {"name": template.name})
    return redirect("quotes:quote_edit", pk=quote.pk)


QUOTE_STEPS: Steps[Quote] = {
    "submit": _submit,
    "approve": _approve,
    "reject": _reject,
    "revise": _revise,
    "send": _send,
    "accept": _answer(accept=True),
    "decline": _answer(accept=False),
    "bid_offer": _bid_offer,
    "apply_terms": _apply_terms,
}


@login_required
@require_POST
def quote_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """The quote's process steps as buttons; a refusal comes back as a message."""
    quote = selectors.quote_get(user=request.user, pk=pk)
    page = "quotes:quote_edit" if action == "apply_terms" else "quotes:quote_detail"
    return run_step(request, QUOTE_STEPS, action, quote, then=reverse(page, args=[quote.pk]))


@login_required
def quote_compare(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    numbers = [v.number for v in selectors.versions_of(quote)]
    a = request.GET.get("a", "")
    b = request.GET.get("b", "")
    newest = numbers[0] if numbers else 1
    old = selectors.version_get(quote, int(a) if is_id(a) else max(newest - 1, 1))
    new = selectors.version_get(quote, int(b) if is_id(b) else newest)
    diff = selectors.compare_versions(old, new)
    return render(
        request, "quotes/quote_compare.html", {"quote": quote, "old": old, "new": new, "diff": diff, "numbers": numbers}
    )


@login_required
def quote_document(request: AuthedRequest, pk: int) -> HttpResponse:
    """The document of a version: ?format=pdf for the PDF, else the HTML preview."""
    quote = selectors.quote_get(user=request.user, pk=pk)
    version = _version_of(request, quote)
    if request.GET.get("format") == "pdf":
        return documents.pdf_response(version)
    return HttpResponse(documents.render_html(version))


# --- the customer's page ---------------------------------------------------------------------


def public_quote(request: HttpRequest, token: str) -> HttpResponse:
    """The quote behind its private link, with Accept and Decline (no sign-in: the link is the key)."""
    found = services.version_by_link(token)
    if found is None:
        raise Http404
    version = selectors.version_get(found.quote, found.number)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        answer = request.POST.get("answer")
        accept = answer == "accept"
        if form.is_valid() and answer not in ("accept", "decline"):
            form.add_error(None, _("Choose Accept or Decline."))
        if form.is_valid():
            try:
                services.quote_answer(
                    version=version, accept=accept, address=client_address(request), **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            else:
                return redirect("quote_links:public_quote", token=token)
        else:
            status = 422
    version = selectors.version_get(found.quote, found.number)
    context = {**documents.document_context(version), "form": form, "token": token}
    return render(request, "quotes/public_quote.html", context, status=status)


def public_quote_pdf(request: HttpRequest, token: str) -> HttpResponse:
    found = services.version_by_link(token)
    if found is None:
        raise Http404
    return documents.pdf_response(selectors.version_get(found.quote, found.number), download=True)
