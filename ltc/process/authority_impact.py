"""The dry run of an authority matrix change (授权变更预演): which open decisions would now go to
a different decider. It lives in the process centre because it reads the later stages' open
decisions (deal reviews, quote approvals, contract reviews and changes), which the org app may
not import.

The matrix, the team tree and the people in them are read once, before the change and (the
lines only) inside a savepoint with the change applied, which is then rolled back; every open
decision is routed in memory with the rules of ltc.org.authority. Nothing is written, and decisions already
routed keep their recorded decider whatever the outcome — the list says what would differ for
decisions routed anew."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ltc.contracts.models import ChangeRequest, ContractReview
from ltc.contracts.services.changes import SUBJECT as CHANGE_SUBJECT
from ltc.contracts.services.lifecycle import REVIEW_SUBJECT as CONTRACT_REVIEW_SUBJECT
from ltc.opportunities.choices import ReviewStatus
from ltc.opportunities.models import DecisionReview
from ltc.opportunities.services.reviews import subject_of
from ltc.org.models import Authority, Team, User
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


def _rolled_back(change: Callable[[], Any], read: Callable[[], None]) -> None:
    """`read()` as things stand after `change()`, without keeping the change."""

    class _Undo(Exception):
        pass

    try:
        with transaction.atomic():
            change()
            read()
            raise _Undo
    except _Undo:
        pass


@dataclass(frozen=True)
class _Line:
    subject: str
    currency: str
    role_id: int | None
    user_id: int | None
    max_amount: Decimal | None
    max_discount_pct: Decimal | None
    min_margin_pct: Decimal | None
    pk: int


class _Matrix:
    """The authority matrix, the team tree and the people they name, read in a fixed number of
    queries and then consulted in memory, with the rules of ltc.org.authority (route,
    approvers_above, covers_quote, quote_final_approver): the dry run routes hundreds of
    decisions twice, and those functions query the database at each step up the tree."""

    def __init__(self, teams: dict[int, tuple[int | None, int | None]], *, extra_user_ids: set[int]) -> None:
        self.teams = teams  # id -> (parent id, manager id)
        self.users: dict[int, User] = {}
        self.role_ids: dict[int, set[int]] = {}
        self.lines: list[_Line] = []
        self._known_roles: set[int] = set()
        self._wanted = {manager for _parent, manager in teams.values() if manager is not None} | extra_user_ids
        # PostgreSQL sorts a blank limit (no limit) after every amount, SQLite before; the
        # in-memory order follows the database's, as quote_final_approver's ORDER BY does.
        self._blank_last = connection.features.nulls_order_largest

    @classmethod
    def load(cls, *, extra_user_ids: set[int]) -> _Matrix:
        teams: dict[int, tuple[int | None, int | None]] = {
            pk: (parent, manager) for pk, parent, manager in Team.objects.values_list("pk", "parent_id", "manager_id")
        }
        matrix = cls(teams, extra_user_ids=extra_user_ids)
        matrix.reload_lines()
        return matrix

    def reload_lines(self) -> None:
        """Read the lines again (after a change) and the people they name not read yet."""
        self.lines = [
            _Line(*row)
            for row in Authority.objects.values_list(
                "subject", "currency", "role_id", "user_id", "max_amount", "max_discount_pct", "min_margin_pct", "pk"
            )
        ]
        wanted_users = self._wanted | {line.user_id for line in self.lines if line.user_id is not None}
        wanted_roles = {line.role_id for line in self.lines if line.role_id is not None}
        missing_users = wanted_users - set(self.users)
        missing_roles = wanted_roles - self._known_roles
        if not (missing_users or missing_roles):
            return
        people = {
            user.pk: user
            for user in User.objects.filter(Q(pk__in=missing_users) | Q(roles__in=missing_roles)).distinct()
            if user.pk not in self.users
        }
        for user_id, role_id in User.roles.through.objects.filter(user_id__in=list(people)).values_list(
            "user_id", "role_id"
        ):
            self.role_ids.setdefault(user_id, set()).add(role_id)
        self.users.update(people)
        self._known_roles |= wanted_roles

    def _user(self, pk: int | None) -> User | None:
        return None if pk is None else self.users.get(pk)

    def _applies(self, line: _Line, user: User) -> bool:
        return line.user_id == user.pk or (line.role_id is not None and line.role_id in self.role_ids.get(user.pk, ()))

    def _managers_up(self, owner: User) -> list[User]:
        """The active managers up the owner's team tree, nearest first (the owner excluded)."""
        chain: list[User] = []
        team_id = owner.team_id
        seen: set[int] = set()
        while team_id is not None and team_id in self.teams and team_id not in seen:
            seen.add(team_id)
            parent_id, manager_id = self.teams[team_id]
            manager = self._user(manager_id)
            if manager is not None and manager.pk != owner.pk and manager.is_active:
                chain.append(manager)
            team_id = parent_id
        return chain

    def _covers(self, user: User, subject: str, amount: Decimal, currency: str) -> bool:
        if not user.is_active:
            return False
        limits = [
            line.max_amount
            for line in self.lines
            if line.subject == subject and line.currency == currency and self._applies(line, user)
        ]
        amounts = [limit for limit in limits if limit is not None]
        return bool(limits) and (len(amounts) < len(limits) or amount <= max(amounts))

    def route(self, *, subject: str, amount: Decimal, currency: str, owner: User) -> User | None:
        """authority.route's decider."""
        for manager in self._managers_up(owner):
            if self._covers(manager, subject, amount, currency):
                return manager
        return self._smallest_covering(subject, amount, currency, exclude=owner)

    def _smallest_covering(self, subject: str, amount: Decimal, currency: str, *, exclude: User) -> User | None:
        limits: dict[int, Decimal | None] = {}
        for line in self.lines:
            if line.subject != subject or line.currency != currency:
                continue
            if line.user_id is not None:
                holders = [line.user_id]
            else:
                holders = [
                    pk
                    for pk, user in self.users.items()
                    if user.is_active and line.role_id in self.role_ids.get(pk, ())
                ]
            for pk in holders:
                current = limits.get(pk, Decimal(0))
                limits[pk] = None if current is None or line.max_amount is None else max(current, line.max_amount)
        covering = [
            (limit is None, limit or Decimal(0), pk)
            for pk, limit in limits.items()
            if pk != exclude.pk and (limit is None or amount <= limit)
        ]
        if not covering:
            return None
        decider = self._user(min(covering)[2])
        return decider if decider is not None and decider.is_active else None

    def _quote_lines(self, currency: str) -> list[_Line]:
        return [line for line in self.lines if line.subject == "quote_discount" and line.currency == currency]

    def quote_decider(self, step: QuoteApproval) -> User | None:
        """Who ends the quote's approval from the current step: the first covering approver from
        the one asked now up the author's tree, else the holder of a covering line outside it."""
        version = step.version
        author = version.quote.owner
        figures = (version.grand_total, version.discount_pct, version.margin_pct)
        lines = self._quote_lines(version.currency)
        chain = self._managers_up(author)
        chain = [manager for n, manager in enumerate(chain) if manager not in chain[:n]]
        candidates = chain[chain.index(step.approver) :] if step.approver in chain else [step.approver]
        for candidate in candidates:
            if candidate.is_active and any(
                self._applies(line, candidate) and _line_covers(line, *figures) for line in lines
            ):
                return candidate
        return self.quote_final_approver(*figures, currency=version.currency, exclude=author)

    def quote_final_approver(
        self, amount: Decimal, discount_pct: Decimal, margin_pct: Decimal | None, *, currency: str, exclude: User
    ) -> User | None:
        """authority.quote_final_approver."""
        figures = (amount, discount_pct, margin_pct)
        blank = Decimal("Infinity") if self._blank_last else Decimal("-Infinity")
        lines = sorted(
            self._quote_lines(currency),
            key=lambda line: (blank if line.max_amount is None else line.max_amount, line.pk),
        )
        for line in lines:
            if not _line_covers(line, *figures):
                continue
            if line.user_id is not None:
                holders = [line.user_id]
            else:
                holders = sorted(pk for pk in self.users if line.role_id in self.role_ids.get(pk, ()))
            for pk in holders:
                holder = self._user(pk)
                if holder is not None and holder.is_active and pk != exclude.pk:
                    return holder
        return None


def _line_covers(line: _Line, amount: Decimal, discount_pct: Decimal, margin_pct: Decimal | None) -> bool:
    """authority._rule_covers on a line read into memory."""
    if line.max_amount is not None and amount > line.max_amount:
        return False
    if line.max_discount_pct is not None and discount_pct > line.max_discount_pct:
        return False
    return line.min_margin_pct is None or (margin_pct is not None and margin_pct >= line.min_margin_pct)


Decide = Callable[[_Matrix], User | None]


def _open_decisions() -> list[tuple[str, int, str, str, User | None, Decide]]:
    """(kind, id, label, url, recorded decider, how a matrix would route it) for each open decision."""
    rows: list[tuple[str, int, str, str, User | None, Decide]] = []

    def route(subject: str, amount: Decimal, currency: str, owner: User) -> Decide:
        return lambda matrix: matrix.route(subject=subject, amount=amount, currency=currency, owner=owner)

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
                lambda matrix, step=step: matrix.quote_decider(step),  # type: ignore[misc]
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
    decider than the matrix does today. Nothing is kept: the change runs in a rolled-back savepoint
    that only reads the changed lines back; the decisions are routed in memory, so the queries do
    not grow with their number. A change the service refuses raises its error before anything is
    compared."""
    rows = _open_decisions()
    # The recorded deciders include each quote step's approver, whose own lines are consulted.
    recorded = {current.pk for _kind, _pk, _label, _url, current, _decide in rows if current is not None}
    matrix = _Matrix.load(extra_user_ids=recorded)
    before = {(kind, pk): decide(matrix) for kind, pk, _label, _url, _current, decide in rows}
    _rolled_back(change, matrix.reload_lines)
    after = {(kind, pk): decide(matrix) for kind, pk, _label, _url, _current, decide in rows}
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
