"""The dry run of an authority matrix change (授权变更预演): which open decisions would now go to
a different decider. It lives in the process centre because it reads the later stages' open
decisions (deal reviews, quote approvals, contract reviews and changes), which the org app may
not import.

The change is applied in a savepoint and rolled back: nothing is written, and decisions already
routed keep their recorded decider whatever the outcome — the list says what would differ for
decisions routed anew."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ltc.contracts.models import ChangeRequest, ContractReview
from ltc.contracts.services.changes import SUBJECT as CHANGE_SUBJECT
from ltc.contracts.services.lifecycle import REVIEW_SUBJECT as CONTRACT_REVIEW_SUBJECT
from ltc.opportunities.choices import ReviewStatus
from ltc.opportunities.models import DecisionReview
from ltc.opportunities.services.reviews import subject_of
from ltc.org import authority
from ltc.org.models import User
from ltc.quotes.choices import ApprovalStatus
from ltc.quotes.models import QuoteApproval

# Open decisions examined per kind, oldest first; beyond this the dry run says it stopped.
EXAMINED = 200


@dataclass
class Affected:
    kind: str  # deal review, quote approval, contract review, contract change
    label: str  # what the decision is about, e.g. "ATB 锦程项目"
    url: str
    current: User | None  # who decides today (recorded)
    new: User | None  # who the changed matrix would route it to (None: nobody may)


@dataclass
class Impact:
    affected: list[Affected]
    examined: int
    truncated: bool


def _rolled_back(change: Callable[[], Any], read: Callable[[], dict[tuple[str, int], User | None]]) -> Any:
    """`read()` as it would answer after `change()`, without keeping the change."""

    class _Undo(Exception):
        pass

    result: dict[tuple[str, int], User | None] = {}
    try:
        with transaction.atomic():
            change()
            result = read()
            raise _Undo
    except _Undo:
        pass
    return result


def _quote_decider(step: QuoteApproval) -> User | None:
    """Who ends the quote's approval from the current step: the first covering approver from the
    one asked now up the author's tree, else the holder of a covering line outside it."""
    version = step.version
    author = version.quote.owner
    figures: dict[str, Any] = {
        "amount": version.grand_total,
        "discount_pct": version.discount_pct,
        "margin_pct": version.margin_pct,
        "currency": version.currency,
    }
    chain = authority.approvers_above(author)
    candidates = chain[chain.index(step.approver) :] if step.approver in chain else [step.approver]
    for candidate in candidates:
        if authority.covers_quote(candidate, **figures):
            return candidate
    return authority.quote_final_approver(**figures, exclude=author)


def _open_decisions() -> list[tuple[str, int, str, str, User | None, Callable[[], User | None]]]:
    """(kind, id, label, url, recorded decider, how it would be routed now) for each open decision."""
    rows: list[tuple[str, int, str, str, User | None, Callable[[], User | None]]] = []

    def route(subject: str, amount: Decimal, currency: str, owner: User) -> Callable[[], User | None]:
        return lambda: authority.route(subject=subject, amount=amount, currency=currency, owner=owner)[0]

    reviews = DecisionReview.objects.filter(status=ReviewStatus.OPEN).select_related(
        "opportunity__owner__team", "decider"
    )
    for review in reviews.order_by("pk")[:EXAMINED]:
        deal = review.opportunity
        rows.append(
            (
                _("Deal review"),
                review.pk,
                f"{review.review_type} · {deal.name}",
                f"/opportunities/{deal.pk}/",
                review.decider,
                route(subject_of(review.review_type), review.amount, review.currency, deal.owner),
            )
        )
    steps = QuoteApproval.objects.filter(status=ApprovalStatus.PENDING).select_related(
        "version__quote__owner__team", "approver"
    )
    for step in steps.order_by("pk")[:EXAMINED]:
        quote = step.version.quote
        rows.append(
            (
                _("Quote approval"),
                step.pk,
                quote.number or str(quote),
                f"/quotes/{quote.pk}/",
                step.approver,
                lambda step=step: _quote_decider(step),  # type: ignore[misc]
            )
        )
    contract_reviews = ContractReview.objects.filter(decision="").select_related(
        "contract__owner__team", "version", "decider"
    )
    for contract_review in contract_reviews.order_by("pk")[:EXAMINED]:
        contract = contract_review.contract
        rows.append(
            (
                _("Contract review"),
                contract_review.pk,
                contract.number,
                f"/contracts/{contract.pk}/",
                contract_review.decider,
                route(CONTRACT_REVIEW_SUBJECT, contract_review.version.grand_total, contract.currency, contract.owner),
            )
        )
    changes = ChangeRequest.objects.filter(status="assessing").select_related("contract__owner__team", "decider")
    for change in changes.order_by("pk")[:EXAMINED]:
        contract = change.contract
        rows.append(
            (
                _("Contract change"),
                change.pk,
                f"{contract.number} #{change.number}",
                f"/contracts/{contract.pk}/",
                change.decider,
                route(CHANGE_SUBJECT, abs(change.total_after - change.total_before), contract.currency, contract.owner),
            )
        )
    return rows


def authority_change_impact(change: Callable[[], Any]) -> Impact:
    """The open decisions that `change()` (an authority service call) would send to a different
    decider than the matrix does today. Nothing is kept: the change runs in a rolled-back savepoint.
    A change the service refuses raises its error before anything is compared."""
    rows = _open_decisions()
    before = {(kind, pk): decide() for kind, pk, _label, _url, _current, decide in rows}
    after = _rolled_back(change, lambda: {(kind, pk): decide() for kind, pk, _label, _url, _current, decide in rows})
    quote_kind = _("Quote approval")
    # A quote step names who is asked next; who decides is whoever would end the approval.
    affected = [
        Affected(kind, label, url, before[(kind, pk)] if kind == quote_kind else current, after[(kind, pk)])
        for kind, pk, label, url, current, _decide in rows
        if before[(kind, pk)] != after[(kind, pk)]
    ]
    truncated = any(
        model.objects.filter(**flt).count() > EXAMINED
        for model, flt in (
            (DecisionReview, {"status": ReviewStatus.OPEN}),
            (QuoteApproval, {"status": ApprovalStatus.PENDING}),
            (ContractReview, {"decision": ""}),
            (ChangeRequest, {"status": "assessing"}),
        )
    )
    return Impact(affected=affected, examined=len(rows), truncated=truncated)
