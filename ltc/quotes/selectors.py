"""Every read of quotes, with access applied: a quote is visible to whoever sees its deal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from ltc.core.access import fetch_or_404
from ltc.quotes.access import quote_scope
from ltc.quotes.choices import ApprovalStatus, QuoteStatus
from ltc.quotes.models import PaymentTerm, Quote, QuoteApproval, QuoteLine, QuoteVersion

QUOTE_SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "-total": ("-total", "-id"),
    "valid": ("valid_until", "id"),
    "number": ("number",),
}


@dataclass(frozen=True)
class QuoteFilters:
    q: str = ""
    status: str = ""
    opportunity: int | None = None
    account: int | None = None
    mine: bool = False
    awaiting_me: bool = False
    sort: str = "-created"


def quote_list(*, user: Any, filters: QuoteFilters = QuoteFilters()) -> QuerySet[Quote]:
    qs = Quote.objects.select_related("account", "owner", "opportunity")
    if term := filters.q.strip()[:100]:
        # The matching ids first, from the search column's index alone; then access and order.
        matching = Quote.objects.filter(search_text__contains=term.lower()).values("pk")
        qs = qs.filter(pk__in=matching)
    qs = quote_scope(qs, user)
    if filters.status in QuoteStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.opportunity:
        qs = qs.filter(opportunity_id=filters.opportunity)
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.mine:
        qs = qs.filter(owner_id=user.pk)
    if filters.awaiting_me:
        qs = qs.filter(current__approvals__approver_id=user.pk, current__approvals__status=ApprovalStatus.PENDING)
    return qs.order_by(*QUOTE_SORTS.get(filters.sort, QUOTE_SORTS["-created"]))


def quote_get(*, user: Any, pk: Any) -> Quote:
    """Fetch and authorise: a quote whose deal the user may not see does not exist for them."""
    qs = Quote.objects.select_related(
        "account",
        "owner",
        "opportunity",
        "opportunity__owner",
        "opportunity__pipeline",
        "current",
        "current__price_book",
    )
    return fetch_or_404(quote_scope(qs, user), pk=pk)


def version_get(quote: Quote, number: Any = None) -> QuoteVersion:
    """A version of a quote the caller already holds (`number`, default the current one), with
    lines, terms and approvals (4 queries)."""
    which: dict[str, Any] = {"pk": quote.current_id} if number is None else {"quote": quote, "number": number}
    lines = QuoteLine.objects.select_related("product").order_by("position")
    approvals = QuoteApproval.objects.select_related("approver", "decided_by", "decided_for").order_by("level")
    return fetch_or_404(
        (
            QuoteVersion.objects.select_related("price_book", "created_by", "answer_recorded_by").prefetch_related(
                Prefetch("lines", queryset=lines),
                Prefetch("terms", queryset=PaymentTerm.objects.order_by("position")),
                Prefetch("approvals", queryset=approvals),
            )
        ),
        **which,
    )


def versions_of(quote: Quote) -> list[QuoteVersion]:
    return list(quote.versions.order_by("-number"))


def line_tree(version: QuoteVersion) -> list[tuple[QuoteLine, list[QuoteLine]]]:
    """Top lines with their components, in position order (from the prefetched lines)."""
    lines = list(version.lines.all())
    children: dict[int, list[QuoteLine]] = {}
    for line in lines:
        if line.parent_id is not None:
            children.setdefault(line.parent_id, []).append(line)
    return [(line, children.get(line.pk, [])) for line in lines if line.parent_id is None]


# --- comparing two versions ------------------------------------------------------------------


@dataclass
class LineChange:
    code: str
    name: str
    bundle: str
    kind: str  # added, removed, changed, same
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # (field, label, old, new)


LINE_FIELDS = ("quantity", "unit_price", "discount_pct", "net_amount", "total")
HEADER_FIELDS = (
    "price_book",
    "valid_until",
    "document_discount_pct",
    "discount_pct",
    "margin_pct",
    "net_total",
    "tax_total",
    "grand_total",
    "delivery_terms",
)


def _label(model: Any, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _line_key(line: QuoteLine, codes: dict[int, str]) -> tuple[str, str]:
    return (codes.get(line.parent_id, "") if line.parent_id else "", line.code)


def compare_versions(old: QuoteVersion, new: QuoteVersion) -> dict[str, Any]:
    """What changed from `old` to `new`: header fields, lines (by product within its bundle)
    and payment terms, each change as (field, label, old, new)."""
    header = [
        (
            name,
            _label(QuoteVersion, name),
            str(getattr(old, name) if getattr(old, name) is not None else "—"),
            str(getattr(new, name) if getattr(new, name) is not None else "—"),
        )
        for name in HEADER_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    old_lines, new_lines = list(old.lines.all()), list(new.lines.all())
    old_codes = {line.pk: line.code for line in old_lines}
    new_codes = {line.pk: line.code for line in new_lines}
    before = {_line_key(line, old_codes): line for line in old_lines}
    after = {_line_key(line, new_codes): line for line in new_lines}
    lines: list[LineChange] = []
    for key, line in after.items():
        previous = before.get(key)
        if previous is None:
            lines.append(LineChange(line.code, line.name, key[0], "added"))
            continue
        changed = [
            (
                name,
                _label(QuoteLine, name),
                str(getattr(previous, name)),
                str(getattr(line, name)),
            )
            for name in LINE_FIELDS
            if getattr(previous, name) != getattr(line, name)
        ]
        lines.append(LineChange(line.code, line.name, key[0], "changed" if changed else "same", changed))
    lines += [LineChange(line.code, line.name, key[0], "removed") for key, line in before.items() if key not in after]

    def term_text(term: PaymentTerm) -> str:
        days = f" +{term.days}d" if term.days else ""
        return f"{term.label} {term.percent}% ({term.get_trigger_display()}{days})"

    old_terms = [term_text(t) for t in old.terms.all()]
    new_terms = [term_text(t) for t in new.terms.all()]
    return {
        "header": header,
        "lines": lines,
        "terms": (old_terms, new_terms) if old_terms != new_terms else None,
        "changed": bool(header or any(c.kind != "same" for c in lines) or old_terms != new_terms),
    }
