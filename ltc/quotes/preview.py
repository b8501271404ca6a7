"""The quote editor's totals box: what the draft on screen adds up to (subtotal, discount, VAT,
total, margin) and whose approval its discount needs, worked out by the same pricing and
authority rules that saving and submitting use. Nothing is saved: a read for the editor."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ltc.catalog.models import PriceBook
from ltc.core.forms import posted_number
from ltc.org.authority import _quote_rules, _rule_covers
from ltc.org.models import User
from ltc.quotes import pricing
from ltc.quotes.models import Quote, QuoteVersion
from ltc.quotes.services.approval import _covers, _next_approver, _someone_covers
from ltc.quotes.services.editing import HUNDRED, _build_lines, _decimal, _read_lines

MAX_LEVELS = 10


@dataclass
class TotalsBox(pricing.Totals):
    """The figures (pricing.Totals) and the approval they need. `route`: who is asked, level by level (the last
    one decides); `blocked`: nobody may approve it; `uncosted`: priced lines whose product has
    no cost in the catalog (the margin leaves their cost out); `incomplete`: some of what was
    typed is not valid yet and is left out of the figures."""

    currency: str
    within: bool = False
    route: list[User] = field(default_factory=list)
    blocked: bool = False
    has_authority: bool = False
    own_limit: Decimal | None = None
    decider_limit: Decimal | None = None
    uncosted: list[str] = field(default_factory=list)
    incomplete: bool = False

    @property
    def discount_amount(self) -> Decimal:
        return self.base_total - self.net_total

    @property
    def margin_amount(self) -> Decimal:
        return self.net_total - self.cost_total

    @property
    def decider(self) -> User | None:
        return self.route[-1] if self.route and not self.blocked else None


def discount_ceiling(
    user: Any, *, amount: Decimal, margin_pct: Decimal | None, currency: str
) -> tuple[bool, Decimal | None]:
    """(whether a quote-discount line of `user` covers this amount and margin, the highest
    discount those lines allow — None meaning any)."""
    limits = [
        rule.max_discount_pct
        for rule in _quote_rules(user, currency)
        if _rule_covers(rule, amount, Decimal(0), margin_pct)
    ]
    if not limits:
        return False, None
    if any(limit is None for limit in limits):
        return True, None
    return True, max(limit for limit in limits if limit is not None)


def _with_approval(box: TotalsBox, *, actor: User, quote: Quote) -> TotalsBox:
    """The route submitting would take: within the actor's authority, or up the author's team
    tree to the first manager who covers it (else the holder of a covering line)."""
    figures = QuoteVersion(
        grand_total=box.grand_total, discount_pct=box.discount_pct, margin_pct=box.margin_pct, currency=box.currency
    )
    box.has_authority, box.own_limit = discount_ceiling(
        actor, amount=box.grand_total, margin_pct=box.margin_pct, currency=box.currency
    )
    if _covers(actor, figures):
        box.within = True
        return box
    if not _someone_covers(figures, quote.owner):
        box.blocked = True
        return box
    approver = _next_approver(figures, quote.owner, actor, starting=True)
    while approver is not None and approver not in box.route and len(box.route) < MAX_LEVELS:
        box.route.append(approver)
        if _covers(approver, figures):
            break
        approver = _next_approver(figures, quote.owner, approver, starting=False)
    box.blocked = not box.route or not _covers(box.route[-1], figures)
    if not box.blocked:
        _has, box.decider_limit = discount_ceiling(
            box.route[-1], amount=box.grand_total, margin_pct=box.margin_pct, currency=box.currency
        )
    return box


def stored_totals(*, actor: User, quote: Quote, version: QuoteVersion) -> TotalsBox:
    """The box for a version as saved."""
    uncosted = [line.code for line in version.lines.all() if line.net_amount > 0 and line.cost_amount == 0]
    box = TotalsBox(
        currency=version.currency,
        base_total=version.base_total,
        net_total=version.net_total,
        tax_total=version.tax_total,
        grand_total=version.grand_total,
        cost_total=version.cost_total,
        discount_pct=version.discount_pct,
        margin_pct=version.margin_pct,
        uncosted=uncosted,
    )
    return _with_approval(box, actor=actor, quote=quote)


def draft_totals(
    *, actor: User, quote: Quote, version: QuoteVersion, lines: list[dict[str, Any]], data: Any
) -> TotalsBox:
    """The box for the editor's unsaved rows (`lines` in the service's input shape) and header
    (`data`: price_book, document_discount_pct), priced from the catalog as saving would."""
    errors: dict[str, list[str]] = {}
    inputs = _read_lines(lines, errors)
    book = version.price_book
    book_id = posted_number(data, "price_book")
    if data.get("price_book") and book_id != version.price_book_id:
        # "²" or a number beyond the column names no book: flagged, never passed to int() or a query.
        chosen = PriceBook.objects.filter(pk=book_id, active=True, currency=quote.currency).first() if book_id else None
        if chosen is None:
            errors["price_book"] = []
        else:
            book = chosen
    discount = _decimal(data.get("document_discount_pct"))
    if discount is None or not 0 <= discount <= HUNDRED:
        errors["document_discount_pct"] = []
        discount = version.document_discount_pct
    priced = _build_lines(inputs, book=book, account=quote.account, on=version.quote_date, errors=errors)
    totals = pricing.price(priced, discount)
    box = TotalsBox(
        **vars(totals),
        currency=version.currency,
        uncosted=[
            line.product.code for line in pricing.flatten(priced) if line.net_amount > 0 and not line.cost_amount
        ],
        incomplete=bool(errors),
    )
    return _with_approval(box, actor=actor, quote=quote)
