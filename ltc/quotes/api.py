"""/api/v1/quotes: thin over quotes.services and .selectors; the public acceptance endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.catalog.models import PriceBook
from ltc.core.access import fetch_or_404
from ltc.core.api import Page, etag, file_download, if_match_version, paginate
from ltc.core.links import absolute_url
from ltc.core.money import Currency
from ltc.core.net import client_address
from ltc.core.schemas import Money, OneOf, TimelineEventOut, UserRef
from ltc.core.timeline import timeline_for
from ltc.opportunities import selectors as deal_selectors
from ltc.opportunities.models import BidSection
from ltc.org.models import CompanyProfile
from ltc.org.types import AuthedRequest
from ltc.quotes import documents, selectors, services
from ltc.quotes.choices import QuoteStatus, TermTrigger
from ltc.quotes.models import PaymentTermTemplate, PaymentTermTemplateLine, Quote, QuoteLine, QuoteVersion
from ltc.quotes.services import terms

router = Router(tags=["quotes"])
public_router = Router(tags=["public"])


class QuoteOut(Schema):
    id: int
    version: int
    number: str
    title: str
    opportunity_id: int
    account_id: int
    account_name: str
    owner: UserRef
    currency: Annotated[str, OneOf(Currency)]
    status: Annotated[str, OneOf(QuoteStatus)]
    total: Money
    valid_until: date | None
    current_version: int | None
    created_at: datetime

    @staticmethod
    def resolve_account_name(obj: Quote) -> str:
        return obj.account.name

    @staticmethod
    def resolve_current_version(obj: Quote) -> int | None:
        return obj.current.number if obj.current_id and obj.current else None


class QuoteLineOut(Schema):
    position: int
    product_id: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    list_price: Decimal
    unit_price: Decimal
    price_source: str
    discount_pct: Decimal
    base_amount: Money
    net_amount: Money
    tax_rate: int
    tax_amount: Money
    total: Money
    cost_amount: Money
    components: list[QuoteLineOut] = []


class QuoteTermOut(Schema):
    position: int
    label: str
    percent: Decimal
    trigger: str
    days: int
    due_date: date | None
    amount: Money


class ApprovalOut(Schema):
    level: int
    approver: UserRef
    status: str
    comment: str
    requested_at: datetime
    decided_at: datetime | None
    decided_by: UserRef | None
    decided_for: Annotated[
        UserRef | None,
        Field(
            description="Whose delegated authority (授权委托) the deciding delegate used for the approver; null when deciding in their own name."
        ),
    ]


class QuoteVersionSummaryOut(Schema):
    number: int
    status: Annotated[str, OneOf(QuoteStatus)]
    grand_total: Money
    discount_pct: Decimal
    margin_pct: Decimal | None
    valid_until: date
    created_at: datetime


class QuoteVersionOut(QuoteVersionSummaryOut):
    price_book_id: int
    price_book: str
    currency: str
    quote_date: date
    expired: bool
    document_discount_pct: Decimal
    delivery_terms: str
    notes: str
    base_total: Money
    net_total: Money
    tax_total: Money
    cost_total: Money
    approval_reason: str
    sent_at: datetime | None
    sent_to: str
    answered_at: datetime | None
    answer_channel: str
    answer_name: str
    answer_title: str
    lines: list[QuoteLineOut]
    terms: list[QuoteTermOut]
    approvals: list[ApprovalOut]

    @staticmethod
    def resolve_price_book(obj: QuoteVersion) -> str:
        return obj.price_book.name

    @staticmethod
    def resolve_expired(obj: QuoteVersion) -> bool:
        return obj.is_expired()

    @staticmethod
    def resolve_lines(obj: QuoteVersion) -> list[dict[str, Any]]:
        return [_line(top, parts) for top, parts in selectors.line_tree(obj)]

    @staticmethod
    def resolve_terms(obj: QuoteVersion) -> list[Any]:
        return list(obj.terms.all())

    @staticmethod
    def resolve_approvals(obj: QuoteVersion) -> list[Any]:
        return list(obj.approvals.all())


def _line(line: QuoteLine, parts: list[QuoteLine]) -> dict[str, Any]:
    fields = QuoteLineOut.model_fields.keys() - {"components"}
    out = {name: getattr(line, name) for name in fields}
    out["components"] = [_line(part, []) for part in parts]
    return out


class QuoteDetailOut(QuoteOut):
    current: QuoteVersionOut
    unmatched_interest: list[str] = []
    contract_id: int | None = Field(
        description="The contract made from the quote (a live one before a terminated one)."
    )
    contract_url: str | None

    @staticmethod
    def resolve_current(obj: Quote) -> QuoteVersion:
        return selectors.version_get(obj)

    @staticmethod
    def resolve_contract_id(obj: Quote) -> int | None:
        # The reverse side of the contract's quote (quotes do not import contracts).
        made = list(obj.contracts.order_by("-id").values_list("pk", "status")[:20])
        live = next((pk for pk, status in made if status != "terminated"), None)
        return live or (made[0][0] if made else None)

    @staticmethod
    def resolve_contract_url(obj: Quote) -> str | None:
        contract_id = QuoteDetailOut.resolve_contract_id(obj)
        return f"/api/v1/contracts/{contract_id}" if contract_id else None


class QuoteQuery(Schema):
    q: str = ""
    status: Annotated[str, OneOf(QuoteStatus, blank=True)] = ""
    opportunity: int | None = None
    account: int | None = None
    mine: bool = False
    awaiting_me: bool = False
    sort: str = "-created"
    limit: int = 50
    offset: int = 0


class QuoteIn(Schema):
    opportunity_id: int
    price_book_id: int | None = None
    title: str = ""


class LineIn(Schema):
    product_id: int
    quantity: Decimal
    discount_pct: Decimal = Decimal(0)
    components: list[LineIn] = []


class TermIn(Schema):
    label: str
    percent: Decimal
    trigger: Annotated[str, OneOf(TermTrigger)]
    days: int = 0
    due_date: date | None = None


class QuotePatch(Schema):
    title: str | None = None
    price_book_id: int | None = None
    valid_until: date | None = None
    document_discount_pct: Decimal | None = None
    delivery_terms: str | None = None
    notes: str | None = None
    lines: list[LineIn] | None = None
    terms: list[TermIn] | None = None


class CommentIn(Schema):
    comment: str = ""


class SendIn(Schema):
    to: str
    message: str = ""


class SendOut(Schema):
    link: str = Field(description="The customer's page: `{LTC_BASE_URL}/q/<token>/` (returned once, never stored).")
    api_link: str = Field(
        description="The same quote as JSON, no sign-in: `{LTC_BASE_URL}/api/v1/public/quotes/<token>`."
    )
    quote: QuoteOut


class AnswerIn(Schema):
    name: str
    title: str = ""
    note: str = ""


class BidOfferIn(Schema):
    section_id: int
    version: int | None = None


class BidOfferOut(Schema):
    section_id: int
    bid_id: int
    quote_id: int
    version: int


class QuoteChangeOut(Schema):
    field: str
    label: str
    old: str
    new: str


class LineChangeOut(Schema):
    code: str
    name: str
    bundle: str
    kind: str
    changes: list[QuoteChangeOut]


class CompareOut(Schema):
    a: int
    b: int
    changed: bool
    header: list[QuoteChangeOut]
    lines: list[LineChangeOut]
    terms_before: list[str] | None
    terms_after: list[str] | None


# --- what the customer sees: an allow-list, never the internal schemas above --------------------
# (no cost, margin, list price or price source, approval reason, approvals, recipient, or the
# customer's note and address, which are kept for the sales team)


class PublicLineOut(Schema):
    position: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    base_amount: Money
    net_amount: Money
    tax_rate: int
    tax_amount: Money
    total: Money
    components: list[PublicLineOut] = []


class PublicTermOut(Schema):
    position: int
    label: str
    percent: Decimal
    trigger: str
    days: int
    due_date: date | None
    amount: Money


class PublicVersionOut(Schema):
    number: int
    status: str
    currency: str
    quote_date: date
    valid_until: date
    expired: bool
    document_discount_pct: Decimal
    delivery_terms: str
    notes: str
    base_total: Money
    net_total: Money
    tax_total: Money
    grand_total: Money
    answered_at: datetime | None
    answer_name: str
    answer_title: str
    lines: list[PublicLineOut]
    terms: list[PublicTermOut]

    @staticmethod
    def resolve_expired(obj: QuoteVersion) -> bool:
        return obj.is_expired()

    @staticmethod
    def resolve_lines(obj: QuoteVersion) -> list[dict[str, Any]]:
        return [_public_line(top, parts) for top, parts in selectors.line_tree(obj)]

    @staticmethod
    def resolve_terms(obj: QuoteVersion) -> list[Any]:
        return list(obj.terms.all())


def _public_line(line: QuoteLine, parts: list[QuoteLine]) -> dict[str, Any]:
    out = {name: getattr(line, name) for name in PublicLineOut.model_fields.keys() - {"components"}}
    out["components"] = [_public_line(part, []) for part in parts]
    return out


class PublicContactOut(Schema):
    """Whom the customer asks: the quote's author (the company's phone)."""

    name: str
    email: str
    phone: str


class PublicQuoteOut(Schema):
    """A quote as its customer sees it through the private link."""

    number: str
    title: str
    customer: str
    contact: PublicContactOut
    version: PublicVersionOut
    can_answer: bool


def _quote(request: AuthedRequest, quote_id: int) -> Quote:
    return selectors.quote_get(user=request.user, pk=quote_id)


def _answer(response: HttpResponse, quote: Quote) -> Quote:
    response["ETag"] = etag(quote.version)
    return quote


def _fresh(request: AuthedRequest, quote: Quote, response: HttpResponse) -> Quote:
    return _answer(response, _quote(request, quote.pk))


@router.get("/quotes", response=Page[QuoteOut])
def quote_list(request: AuthedRequest, query: Query[QuoteQuery]) -> dict[str, Any]:
    filters = selectors.QuoteFilters(**query.model_dump(exclude={"limit", "offset"}))
    qs = selectors.quote_list(user=request.user, filters=filters).select_related("current")
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/quotes", response={201: QuoteDetailOut})
def quote_create(request: AuthedRequest, payload: QuoteIn, response: HttpResponse) -> Status[Any]:
    """Open a quote on a deal (version 1, a draft with the deal's products of interest)."""
    try:
        opportunity = deal_selectors.opportunity_get(user=request.user, pk=payload.opportunity_id)
    except Http404 as exc:
        raise ValidationError({"opportunity_id": [_("No such opportunity.")]}) from exc
    book = None
    if payload.price_book_id is not None:
        book = PriceBook.objects.filter(pk=payload.price_book_id).first()
        if book is None:
            raise ValidationError({"price_book_id": [_("No such price book.")]})
    quote, unmatched = services.quote_create(
        actor=request.user, opportunity=opportunity, price_book=book, title=payload.title
    )
    response["Location"] = f"/api/v1/quotes/{quote.pk}"
    fresh = _fresh(request, quote, response)
    fresh.unmatched_interest = unmatched  # type: ignore[attr-defined]
    return Status(201, fresh)


@router.get("/quotes/{quote_id}", response=QuoteDetailOut)
def quote_get(request: AuthedRequest, quote_id: int, response: HttpResponse) -> Quote:
    return _answer(response, _quote(request, quote_id))


@router.patch("/quotes/{quote_id}", response=QuoteDetailOut)
def quote_update(request: AuthedRequest, quote_id: int, payload: QuotePatch, response: HttpResponse) -> Quote:
    """Edit the current draft version: header, lines (bundles with components), payment terms.
    Everything is re-priced; needs If-Match."""
    quote = _quote(request, quote_id)
    expected = if_match_version(request, quote)
    data = payload.model_dump(exclude_unset=True)
    if "price_book_id" in data:
        book_id = data.pop("price_book_id")
        data["price_book"] = PriceBook.objects.filter(pk=book_id).first() if book_id else None
    services.quote_version_update(actor=request.user, quote=quote, expected_version=expected, data=data)
    return _fresh(request, quote, response)


@router.get("/quotes/{quote_id}/versions", response=list[QuoteVersionSummaryOut])
def quote_versions(request: AuthedRequest, quote_id: int) -> list[QuoteVersion]:
    return selectors.versions_of(_quote(request, quote_id))


@router.get("/quotes/{quote_id}/versions/{number}", response=QuoteVersionOut)
def quote_version(request: AuthedRequest, quote_id: int, number: int) -> QuoteVersion:
    return selectors.version_get(_quote(request, quote_id), number)


@router.get("/quotes/{quote_id}/compare", response=CompareOut)
def quote_compare(request: AuthedRequest, quote_id: int, a: int, b: int) -> dict[str, Any]:
    """What changed between versions a and b (header, lines, payment terms)."""
    quote = _quote(request, quote_id)
    old, new = selectors.version_get(quote, a), selectors.version_get(quote, b)
    diff = selectors.compare_versions(old, new)
    terms = diff["terms"] or (None, None)
    return {
        "a": a,
        "b": b,
        "changed": diff["changed"],
        "header": [{"field": f, "label": lb, "old": o, "new": n} for f, lb, o, n in diff["header"]],
        "lines": [
            {**vars(c), "changes": [{"field": f, "label": lb, "old": o, "new": n} for f, lb, o, n in c.changes]}
            for c in diff["lines"]
        ],
        "terms_before": terms[0],
        "terms_after": terms[1],
    }


@router.post("/quotes/{quote_id}/revise", response=QuoteDetailOut)
def quote_revise(request: AuthedRequest, quote_id: int, response: HttpResponse) -> Quote:
    """Start the next version as a draft copy of the current one; needs If-Match."""
    quote = _quote(request, quote_id)
    services.quote_revise(actor=request.user, quote=quote, expected_version=if_match_version(request, quote))
    return _fresh(request, quote, response)


@router.post("/quotes/{quote_id}/submit", response=QuoteDetailOut)
def quote_submit(request: AuthedRequest, quote_id: int, response: HttpResponse) -> Quote:
    """Approve within the author's authority, else lock and route for approval; needs If-Match."""
    quote = _quote(request, quote_id)
    services.quote_submit(actor=request.user, quote=quote, expected_version=if_match_version(request, quote))
    return _fresh(request, quote, response)


@router.post("/quotes/{quote_id}/approve", response=QuoteDetailOut)
def quote_approve(request: AuthedRequest, quote_id: int, payload: CommentIn, response: HttpResponse) -> Quote:
    quote = _quote(request, quote_id)
    services.quote_approve(actor=request.user, quote=quote, comment=payload.comment)
    return _fresh(request, quote, response)


@router.post("/quotes/{quote_id}/reject", response=QuoteDetailOut)
def quote_reject(request: AuthedRequest, quote_id: int, payload: CommentIn, response: HttpResponse) -> Quote:
    quote = _quote(request, quote_id)
    services.quote_reject(actor=request.user, quote=quote, comment=payload.comment)
    return _fresh(request, quote, response)


@router.post("/quotes/{quote_id}/send", response=SendOut)
def quote_send(request: AuthedRequest, quote_id: int, payload: SendIn, response: HttpResponse) -> dict[str, Any]:
    """Mail the approved version with a new private link (returned once, never stored), as the
    customer's page and as the public API's address, both on LTC_BASE_URL."""
    quote = _quote(request, quote_id)
    link = services.quote_send(actor=request.user, quote=quote, to=payload.to, message=payload.message)
    token = link.rstrip("/").rsplit("/", 1)[1]
    api_link = absolute_url(reverse("api:public_quote", kwargs={"token": token}))
    return {"link": link, "api_link": api_link, "quote": _fresh(request, quote, response)}


@router.post("/quotes/{quote_id}/accept", response=QuoteDetailOut)
def quote_accept(request: AuthedRequest, quote_id: int, payload: AnswerIn, response: HttpResponse) -> Quote:
    """Record the customer's acceptance given outside the link (name of who accepted)."""
    quote = _quote(request, quote_id)
    services.quote_record_answer(actor=request.user, quote=quote, accept=True, **payload.model_dump())
    return _fresh(request, quote, response)


@router.post("/quotes/{quote_id}/decline", response=QuoteDetailOut)
def quote_decline(request: AuthedRequest, quote_id: int, payload: AnswerIn, response: HttpResponse) -> Quote:
    quote = _quote(request, quote_id)
    services.quote_record_answer(actor=request.user, quote=quote, accept=False, **payload.model_dump())
    return _fresh(request, quote, response)


@router.get("/quotes/{quote_id}/pdf", openapi_extra=file_download("application/pdf"))
def quote_pdf(request: AuthedRequest, quote_id: int, version: int | None = None) -> HttpResponse:
    """The quote document (PDF) of the current version, or of `version`."""
    quote = _quote(request, quote_id)
    chosen = selectors.version_get(quote, version or None)
    return documents.pdf_response(chosen)


@router.post("/quotes/{quote_id}/bid-offer", response=BidOfferOut)
def quote_bid_offer(request: AuthedRequest, quote_id: int, payload: BidOfferIn) -> dict[str, Any]:
    """Offer a version (default: the current one) in a bid's commercial section of the same deal."""
    quote = _quote(request, quote_id)
    section = BidSection.objects.select_related("bid").filter(pk=payload.section_id).first()
    if section is None or section.bid.opportunity_id != quote.opportunity_id:
        raise ValidationError({"section_id": [_("Choose a bid section of this quote's deal.")]})
    version = selectors.version_get(quote, payload.version or None)
    reference = services.quote_offer_in_bid(actor=request.user, quote=quote, version=version, section=section)
    return {
        "section_id": section.pk,
        "bid_id": section.bid_id,
        "quote_id": quote.pk,
        "version": reference.version.number,
    }


@router.get("/quotes/{quote_id}/timeline", response=list[TimelineEventOut])
def quote_timeline(request: AuthedRequest, quote_id: int) -> list[Any]:
    return timeline_for(_quote(request, quote_id))


# --- payment-term templates -------------------------------------------------------------------


class TermTemplateLineOut(Schema):
    position: int
    label: str
    percent: Decimal
    trigger: Annotated[str, OneOf(TermTrigger, only=tuple(terms.TEMPLATE_TRIGGERS))]
    days: int


class TermTemplateOut(Schema):
    id: int
    name: str
    active: bool
    lines: list[TermTemplateLineOut]
    version: int

    @staticmethod
    def resolve_lines(obj: PaymentTermTemplate) -> list[PaymentTermTemplateLine]:
        return list(obj.lines.all())


class TermTemplateLineIn(Schema):
    label: str
    percent: Decimal
    trigger: Annotated[str, OneOf(TermTrigger, only=tuple(terms.TEMPLATE_TRIGGERS))]
    days: int = 0


class TermTemplateIn(Schema):
    name: str
    active: bool = True
    lines: list[TermTemplateLineIn]


class TermTemplatePatch(Schema):
    name: str | None = None
    active: bool | None = None
    lines: list[TermTemplateLineIn] | None = None


class ApplyTermTemplateIn(Schema):
    template_id: int


def _term_template(template_id: int) -> PaymentTermTemplate:
    return fetch_or_404(PaymentTermTemplate.objects.prefetch_related("lines"), pk=template_id)


def _template_answer(response: HttpResponse, template: PaymentTermTemplate) -> PaymentTermTemplate:
    response["ETag"] = etag(template.version)
    return _term_template(template.pk)


@router.get("/payment-term-templates", response=list[TermTemplateOut], tags=["settings"])
def term_template_list(request: AuthedRequest) -> list[PaymentTermTemplate]:
    """Every payment-term template, offered ones first, by name."""
    return list(PaymentTermTemplate.objects.prefetch_related("lines").order_by("-active", "name"))


@router.post("/payment-term-templates", response={201: TermTemplateOut}, tags=["settings"])
def term_template_create(request: AuthedRequest, payload: TermTemplateIn, response: HttpResponse) -> Status[Any]:
    """A new template (administrators): milestones adding up to 100%, none on a fixed date."""
    template = terms.term_template_create(actor=request.user, data=payload.model_dump())
    return Status(201, _template_answer(response, template))


@router.get("/payment-term-templates/{template_id}", response=TermTemplateOut, tags=["settings"])
def term_template_get(request: AuthedRequest, template_id: int, response: HttpResponse) -> PaymentTermTemplate:
    template = _term_template(template_id)
    response["ETag"] = etag(template.version)
    return template


@router.patch("/payment-term-templates/{template_id}", response=TermTemplateOut, tags=["settings"])
def term_template_update(
    request: AuthedRequest, template_id: int, payload: TermTemplatePatch, response: HttpResponse
) -> PaymentTermTemplate:
    """Change a template (administrators; If-Match). Quotes filled from it keep their terms."""
    template = _term_template(template_id)
    expected = if_match_version(request, template)
    template = terms.term_template_update(
        actor=request.user, template=template, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _template_answer(response, template)


@router.post("/payment-term-templates/{template_id}/deactivate", response=TermTemplateOut, tags=["settings"])
def term_template_deactivate(request: AuthedRequest, template_id: int, response: HttpResponse) -> PaymentTermTemplate:
    """Stop offering a template (administrators; If-Match); it is kept with its history."""
    template = _term_template(template_id)
    template = terms.term_template_deactivate(
        actor=request.user, template=template, expected_version=if_match_version(request, template)
    )
    return _template_answer(response, template)


@router.get("/payment-term-templates/{template_id}/timeline", response=list[TimelineEventOut], tags=["settings"])
def term_template_timeline(request: AuthedRequest, template_id: int) -> list[Any]:
    return timeline_for(_term_template(template_id))


@router.post("/quotes/{quote_id}/apply-term-template", response=QuoteDetailOut)
def quote_apply_term_template(
    request: AuthedRequest, quote_id: int, payload: ApplyTermTemplateIn, response: HttpResponse
) -> Quote:
    """Fill the current draft version's payment milestones from a template, amounts split from
    its total (If-Match: the quote's ETag). A version that is not a draft is refused (422)."""
    quote = _quote(request, quote_id)
    expected = if_match_version(request, quote)
    template = PaymentTermTemplate.objects.filter(pk=payload.template_id).prefetch_related("lines").first()
    if template is None:
        raise ValidationError({"template_id": [_("No such payment-term template.")]})
    terms.quote_apply_term_template(actor=request.user, quote=quote, template=template, expected_version=expected)
    return _fresh(request, quote, response)


# --- the customer's side: the private link ---------------------------------------------------


def _by_link(token: str) -> QuoteVersion:
    version = services.version_by_link(token)
    if version is None:
        raise Http404
    return selectors.version_get(version.quote, version.number)


def _public(version: QuoteVersion) -> dict[str, Any]:
    quote = version.quote
    contact = {"name": str(quote.owner), "email": quote.owner.email, "phone": CompanyProfile.current().phone}
    return {
        "number": quote.number,
        "title": quote.title,
        "customer": quote.account.name,
        "contact": contact,
        "version": version,
        "can_answer": version.can_be_answered(),
    }


@public_router.get("/public/quotes/{token}", auth=None, response=PublicQuoteOut)
def public_quote(request: HttpRequest, token: str) -> dict[str, Any]:
    """The quote behind a private link (no sign-in; the link is the key)."""
    return _public(_by_link(token))


@public_router.post("/public/quotes/{token}/accept", auth=None, response=PublicQuoteOut)
def public_accept(request: HttpRequest, token: str, payload: AnswerIn) -> dict[str, Any]:
    version = _by_link(token)
    services.quote_answer(version=version, accept=True, address=client_address(request), **payload.model_dump())
    return _public(selectors.version_get(version.quote, version.number))


@public_router.post("/public/quotes/{token}/decline", auth=None, response=PublicQuoteOut)
def public_decline(request: HttpRequest, token: str, payload: AnswerIn) -> dict[str, Any]:
    version = _by_link(token)
    services.quote_answer(version=version, accept=False, address=client_address(request), **payload.model_dump())
    return _public(selectors.version_get(version.quote, version.number))
