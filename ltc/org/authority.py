"""The authority matrix (授权): who may decide what, up to which amount, and where a decision
goes when it is above someone's authority (up the team tree, then to whoever holds enough)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from ltc.org.models import Authority, Delegation, Team, User

UNLIMITED = None


def limit_of(user: Any, subject: str, currency: str) -> tuple[bool, Decimal | None]:
    """(has any authority, the highest amount it covers — None meaning no limit)."""
    if not (user.is_authenticated and user.is_active):
        return False, Decimal(0)
    rules = Authority.objects.filter(subject=subject, currency=currency).filter(
        Q(user=user) | Q(role__code__in=user.role_codes())
    )
    limits = [rule.max_amount for rule in rules]
    if not limits:
        return False, Decimal(0)
    if any(limit is None for limit in limits):
        return True, UNLIMITED
    return True, max(limit for limit in limits if limit is not None)


def covers(user: Any, subject: str, amount: Decimal, currency: str) -> bool:
    has, limit = limit_of(user, subject, currency)
    return has and (limit is None or amount <= limit)


# --- delegation while away (授权委托) -------------------------------------------------------


def delegations_to(user: Any, subject: str, on: date | None = None) -> list[Delegation]:
    """The running delegations `user` received that cover `subject` (only direct ones: a
    delegate never passes on what was delegated to them)."""
    if not (user.is_authenticated and user.is_active):
        return []
    running = Delegation.objects.active(on).filter(delegate=user).select_related("principal").order_by("pk")
    return [d for d in running if d.covers_subject(subject)]


def triangle_ids(record: Any) -> frozenset[int]:
    """The ids of a deal's or contract's iron triangle (AR, SR, FR; unnamed roles left out)."""
    return frozenset(pk for pk in (record.owner_id, record.sr_id, record.fr_id) if pk)


def triangle_q(user: Any, prefix: str = "") -> Q:
    """Rows whose deal or contract (reached through `prefix`) has `user` on its iron triangle."""
    return Q(**{f"{prefix}owner_id": user.pk}) | Q(**{f"{prefix}sr_id": user.pk}) | Q(**{f"{prefix}fr_id": user.pk})


def delegation_used(
    user: Any,
    subject: str,
    amount: Decimal,
    currency: str,
    on: date | None = None,
    *,
    prefer: Any = None,
    parties: Collection[int] = (),
) -> Delegation | None:
    """The delegation whose principal's authority lets `user` decide when their own does not
    (None when their own authority suffices, or no running delegation covers the decision).
    `prefer`: the decider the decision was routed to (a user or their id), chosen first when
    they delegated to `user`. `parties`: the ids of who the record is about (its iron triangle,
    its author or requester) — none of them decides it in someone else's name."""
    if covers(user, subject, amount, currency):
        return None
    if getattr(user, "pk", None) in parties:
        return None
    candidates = delegations_to(user, subject, on)
    prefer_id = getattr(prefer, "pk", prefer)
    candidates.sort(key=lambda d: d.principal_id != prefer_id)
    return next((d for d in candidates if covers(d.principal, subject, amount, currency)), None)


def acting_for(
    user: Any,
    subject: str,
    amount: Decimal,
    currency: str,
    on: date | None = None,
    *,
    prefer: Any = None,
    parties: Collection[int] = (),
) -> User | None:
    """The principal in whose name `user` decides (None: in their own name, or not at all)."""
    delegation = delegation_used(user, subject, amount, currency, on, prefer=prefer, parties=parties)
    return delegation.principal if delegation is not None else None


def may_decide(
    user: Any, subject: str, amount: Decimal, currency: str, *, prefer: Any = None, parties: Collection[int] = ()
) -> bool:
    """Whether `user` may decide, by their own authority or one delegated to them today (never
    delegated, for one of the record's `parties`)."""
    return covers(user, subject, amount, currency) or (
        delegation_used(user, subject, amount, currency, prefer=prefer, parties=parties) is not None
    )


def delegation_between(principal: Any, delegate: Any, subject: str, on: date | None = None) -> Delegation | None:
    """The running delegation from `principal` (a user or their id) to `delegate` covering
    `subject`, if any."""
    if principal is None or not (delegate.is_authenticated and delegate.is_active):
        return None
    running = Delegation.objects.active(on).filter(principal=principal, delegate=delegate).order_by("pk")
    return next((d for d in running if d.covers_subject(subject)), None)


def stand_in(decider: User, subject: str, on: date | None = None) -> User | None:
    """Who decides for `decider` while away today: the delegate of their running delegation
    covering `subject` (None: the decider is not away for it)."""
    running = Delegation.objects.active(on).filter(principal=decider).select_related("delegate").order_by("pk")
    return next((d.delegate for d in running if d.covers_subject(subject) and d.delegate.is_active), None)


def principals_stood_in_for(user: Any, subject: str, on: date | None = None) -> QuerySet[Delegation, Any]:
    """The ids of the principals `user` decides `subject` for today (running delegations to
    `user` covering it), as a subquery: access rules OR it into their filters, so it costs no
    query of its own and none per row."""
    if not (user.is_authenticated and user.is_active):
        return Delegation.objects.none().values("principal_id")
    # Subjects are a JSON list of codes ([] = all); matched on the list's text, quotes included,
    # so that one code never matches inside another (a JSON "contains" has no SQLite form).
    covering = Q(subjects=[]) | Q(subjects__icontains=f'"{subject}"')
    return Delegation.objects.active(on).filter(covering, delegate_id=user.pk).values("principal_id")


def stood_in_decisions_q(user: Any, subject: str, *, waiting: Q, decider: str = "decider", prefix: str = "") -> Q:
    """The decisions (rows reached through `prefix`) the user takes for someone away today: still
    open (`waiting`, prefixed by the caller) and routed to the principal (field `decider`), or
    already taken by the user in the principal's name. Both end with the delegation; an open one
    also ends when someone else decides it. Subqueries only: no query of its own."""
    principals = principals_stood_in_for(user, subject)
    routed = Q(**{f"{prefix}{decider}_id__in": principals})
    taken = Q(**{f"{prefix}decided_by_id": user.pk, f"{prefix}decided_for_id__in": principals})
    return (waiting & routed) | taken


def route(*, subject: str, amount: Decimal, currency: str, owner: User) -> tuple[User | None, list[User]]:
    """Who decides: the first manager up the owner's team tree whose authority covers the amount.
    Returns (decider, the managers passed over because the amount was above their authority).
    When no manager in the tree may decide, the decider is whoever holds the smallest covering
    authority (an executive, typically); None when nobody does."""
    passed: list[User] = []
    team: Team | None = owner.team
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        manager = team.manager
        if manager is not None and manager.pk != owner.pk and manager.is_active:
            if covers(manager, subject, amount, currency):
                return manager, passed
            passed.append(manager)
        team = team.parent
    return _smallest_covering(subject, amount, currency, exclude=owner), passed


def _smallest_covering(subject: str, amount: Decimal, currency: str, *, exclude: User) -> User | None:
    """The active user whose authority covers `amount` with the smallest limit (ties: lowest id)."""
    limits: dict[int, Decimal | None] = {}
    for rule in Authority.objects.filter(subject=subject, currency=currency):
        if rule.user_id is not None:
            holders = [rule.user_id]
        else:
            holders = list(User.objects.filter(roles=rule.role_id, is_active=True).values_list("pk", flat=True))
        for pk in holders:
            current = limits.get(pk, Decimal(0))
            limits[pk] = None if current is None or rule.max_amount is None else max(current, rule.max_amount)
    covering = [
        (limit is None, limit or Decimal(0), pk)
        for pk, limit in limits.items()
        if pk != exclude.pk and (limit is None or amount <= limit)
    ]
    if not covering:
        return None
    return User.objects.filter(pk=min(covering)[2], is_active=True).first()


# --- quote discounts: amount, discount and margin together ----------------------------------


def _quote_rules(user: Any, currency: str) -> list[Authority]:
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        Authority.objects.filter(subject="quote_discount", currency=currency).filter(
            Q(user=user) | Q(role__code__in=user.role_codes())
        )
    )


def _rule_covers(rule: Authority, amount: Decimal, discount_pct: Decimal, margin_pct: Decimal | None) -> bool:
    if rule.max_amount is not None and amount > rule.max_amount:
        return False
    if rule.max_discount_pct is not None and discount_pct > rule.max_discount_pct:
        return False
    return rule.min_margin_pct is None or (margin_pct is not None and margin_pct >= rule.min_margin_pct)


def covers_quote(
    user: Any, *, amount: Decimal, discount_pct: Decimal, margin_pct: Decimal | None, currency: str
) -> bool:
    """Whether one of the user's quote-discount lines covers the amount, the discount and the
    margin together (a quote with no known margin passes only lines without a margin floor)."""
    return any(_rule_covers(rule, amount, discount_pct, margin_pct) for rule in _quote_rules(user, currency))


def approvers_above(owner: User) -> list[User]:
    """The active managers up the owner's team tree, nearest first (the owner excluded)."""
    chain: list[User] = []
    team: Team | None = owner.team
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        manager = team.manager
        if manager is not None and manager.pk != owner.pk and manager.is_active and manager not in chain:
            chain.append(manager)
        team = team.parent
    return chain


def quote_final_approver(
    *, amount: Decimal, discount_pct: Decimal, margin_pct: Decimal | None, currency: str, exclude: User
) -> User | None:
    """Who approves when nobody up the tree may: the active holder of a covering line,
    preferring named users, then the lowest id (an executive, typically)."""
    for rule in Authority.objects.filter(subject="quote_discount", currency=currency).order_by("max_amount", "pk"):
        if not _rule_covers(rule, amount, discount_pct, margin_pct):
            continue
        holders = (
            User.objects.filter(pk=rule.user_id, is_active=True)
            if rule.user_id is not None
            else User.objects.filter(roles=rule.role_id, is_active=True)
        )
        holder = holders.exclude(pk=exclude.pk).order_by("pk").first()
        if holder is not None:
            return holder
    return None
