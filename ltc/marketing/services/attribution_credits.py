"""Attribution credits (归因记账), kept up to date so the attribution report only adds up rows.

Each outcome — a lead created (and, of it, MQL and SQL), a deal created, a deal won (its CNY
amount), the cash collected on a deal per day (CNY allocations, reversals included) — is shared
among the campaigns of the touches before it, under each model (first touch, last touch, linear):
see ltc.marketing.attribution for which touches count. The shares are `AttributionCredit` rows;
their sums per (model, outcome, campaign, day) are `AttributionDay` rows, what the report reads.

Kept by:
- `credits_rebuild()`: everything again, set-based (installs, repairs: `manage.py
  attribution_rebuild`, the `attribution_rebuild` task);
- `credits_refresh(lead_ids=..., deal_ids=...)`: the outcomes of some leads and deals again (delete
  their rows, insert them again, re-add the days they touch), called by the touch hook and the
  reactions to leads, deals and payments below. Idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ltc.billing.models import Allocation, Invoice, Payment
from ltc.contracts.models import Contract
from ltc.core.money import Currency
from ltc.leads.models import Lead
from ltc.marketing.models import Touch
from ltc.marketing.models.attribution import DEAL_OUTCOMES, LEAD_OUTCOMES, AttributionCredit, AttributionDay
from ltc.opportunities.models import Opportunity

CHUNK = 1000
ZERO = Decimal(0)
CENT = Decimal("0.01")
# The outcomes that carry an amount, which the linear model splits to the cent.
MONEY_OUTCOMES = ("won", "cash")
# A day sum smaller than this is nothing (SQLite adds floats).
NOTHING = Decimal("0.000001")
# One refresher at a time rewrites the day sums (PostgreSQL advisory lock key, held to the end of
# the refreshing transaction: two refreshes of the same day would otherwise both insert its sums).
LOCK_KEY = 190_019


def _tables() -> dict[str, str]:
    return {
        "touch": Touch._meta.db_table,
        "lead": Lead._meta.db_table,
        "deal": Opportunity._meta.db_table,
        "contract": Contract._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "allocation": Allocation._meta.db_table,
        "credit": AttributionCredit._meta.db_table,
        "day": AttributionDay._meta.db_table,
    }


def _day(column: str, params: dict[str, Any]) -> str:
    """SQL for the local date of a timestamp column (the report's periods are local days)."""
    sql, values = connection.ops.datetime_cast_date_sql(column, (), timezone.get_default_timezone_name())
    names = []
    for value in values:
        key = f"p{len(params)}"
        params[key] = value
        names.append(f"%({key})s")
    return sql % tuple(names)


def _ids_sql(ids: list[int] | None) -> str:
    """A filter on a subset of ids (ints only, so safe inline); empty for all."""
    if ids is None:
        return ""
    return "AND {col} IN (" + ",".join(str(int(pk)) for pk in ids) + ")"


# The credit of each (outcome o, campaign c) under each model, from `tt` (o, tid, c, at): linear k/n,
# first and last touch 1 (ties broken by the touch's id).
CREDITS = """
    ranked AS (
        SELECT o, c,
               ROW_NUMBER() OVER (PARTITION BY o ORDER BY at, tid) AS rf,
               ROW_NUMBER() OVER (PARTITION BY o ORDER BY at DESC, tid DESC) AS rl
        FROM tt
    ),
    per AS (SELECT o, c, COUNT(*) AS k FROM tt GROUP BY o, c),
    tot AS (SELECT o, COUNT(*) AS n FROM tt GROUP BY o),
    w AS (
        SELECT 'linear' AS m, per.o, per.c, per.k * 1.0 / tot.n AS credit FROM per JOIN tot ON tot.o = per.o
        UNION ALL SELECT 'first', o, c, 1 FROM ranked WHERE rf = 1
        UNION ALL SELECT 'last', o, c, 1 FROM ranked WHERE rl = 1
    )"""


def _lead_insert(ids: list[int] | None) -> tuple[str, dict[str, Any]]:
    t = _tables()
    params: dict[str, Any] = {}
    day = _day("created_at", params)
    subset = _ids_sql(ids).format(col="id")
    sql = f"""
    INSERT INTO {t["credit"]} (model, outcome, subject_id, campaign_id, day, credit, amount)
    WITH l AS (
        SELECT id, account_id, contact_id, created_at, {day} AS day,
               CASE WHEN temperature IN ('warm', 'hot') OR qualified_at IS NOT NULL THEN 1 ELSE 0 END AS mql,
               CASE WHEN qualified_at IS NOT NULL THEN 1 ELSE 0 END AS sql_
        FROM {t["lead"]}
        WHERE merged_into_id IS NULL {subset}
    ),
    tt AS (
        SELECT l.id AS o, x.id AS tid, x.campaign_id AS c, x.occurred_at AS at
        FROM l JOIN {t["touch"]} x ON x.lead_id = l.id
        UNION ALL
        SELECT l.id, x.id, x.campaign_id, x.occurred_at
        FROM l JOIN {t["touch"]} x ON x.contact_id = l.contact_id AND x.occurred_at <= l.created_at
        WHERE x.lead_id IS NULL OR x.lead_id <> l.id
        UNION ALL
        SELECT l.id, x.id, x.campaign_id, x.occurred_at
        FROM l JOIN {t["touch"]} x ON x.account_id = l.account_id AND x.occurred_at <= l.created_at
        WHERE (x.lead_id IS NULL OR x.lead_id <> l.id)
          AND (x.contact_id IS NULL OR l.contact_id IS NULL OR x.contact_id <> l.contact_id)
    ),
    {CREDITS},
    ko AS (SELECT 'lead' AS outcome UNION ALL SELECT 'mql' UNION ALL SELECT 'sql')
    SELECT w.m, ko.outcome, w.o, w.c, l.day, w.credit, 0
    FROM w JOIN l ON l.id = w.o
    JOIN ko ON ko.outcome = 'lead' OR (ko.outcome = 'mql' AND l.mql = 1) OR (ko.outcome = 'sql' AND l.sql_ = 1)
    """  # noqa: S608 - table names from the models, ids as ints
    return sql, params


def _deal_insert(ids: list[int] | None) -> tuple[str, dict[str, Any]]:
    t = _tables()
    params: dict[str, Any] = {"cny": Currency.CNY.value}
    made_day = _day("d.created_at", params)
    won_day = _day("d.closed_at", params)
    subset = _ids_sql(ids)
    sql = f"""
    INSERT INTO {t["credit"]} (model, outcome, subject_id, campaign_id, day, credit, amount)
    WITH d AS (
        SELECT id, account_id, source_lead_id, created_at, closed_at, status, currency, amount
        FROM {t["deal"]} WHERE 1 = 1 {subset.format(col="id")}
    ),
    tt AS (
        SELECT d.id AS o, x.id AS tid, x.campaign_id AS c, x.occurred_at AS at
        FROM d JOIN {t["touch"]} x ON x.account_id = d.account_id AND x.occurred_at <= d.created_at
        UNION ALL
        SELECT d.id, x.id, x.campaign_id, x.occurred_at
        FROM d JOIN {t["touch"]} x ON x.lead_id = d.source_lead_id AND x.occurred_at <= d.created_at
        WHERE x.account_id IS NULL OR x.account_id <> d.account_id
    ),
    {CREDITS},
    cash AS (
        SELECT ct.opportunity_id AS o, a.applied_on AS day, SUM(a.amount) AS amount
        FROM {t["allocation"]} a
        JOIN {t["invoice"]} i ON i.id = a.invoice_id
        JOIN {t["contract"]} ct ON ct.id = i.contract_id
        WHERE i.currency = %(cny)s AND ct.opportunity_id IS NOT NULL {subset.format(col="ct.opportunity_id")}
        GROUP BY ct.opportunity_id, a.applied_on
    )
    SELECT w.m, 'deal', w.o, w.c, {made_day}, w.credit, 0
    FROM w JOIN d ON d.id = w.o
    UNION ALL
    SELECT w.m, 'won', w.o, w.c, {won_day}, w.credit,
           CASE WHEN d.currency = %(cny)s THEN w.credit * d.amount ELSE 0 END
    FROM w JOIN d ON d.id = w.o
    WHERE d.status = 'won' AND d.closed_at IS NOT NULL
    UNION ALL
    SELECT w.m, 'cash', w.o, w.c, cash.day, w.credit, w.credit * cash.amount
    FROM w JOIN cash ON cash.o = w.o
    """  # noqa: S608 - table names from the models, ids as ints
    return sql, params


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` (to the cent) shared in proportion to `weights`, each share to the cent and the
    shares adding up to `total` exactly (largest remainder: every share cut down to the cent, the
    cents left over go one each to the largest remainders, ties to the earliest in the list)."""
    whole = sum(weights, ZERO)
    if not weights or whole <= 0:
        return [ZERO for _ in weights]
    sign = -1 if total < 0 else 1
    cents = abs(total).quantize(CENT) * 100
    exact = [cents * weight / whole for weight in weights]
    shares = [share.to_integral_value(rounding=ROUND_FLOOR) for share in exact]
    left = int(cents - sum(shares, ZERO))
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return [sign * share / 100 for share in shares]


def _linear_amounts_round(deal_ids: list[int] | None) -> None:
    """The linear shares of each won amount and of each day's cash of these deals (all when
    None) to the cent, adding up to the outcome's amount exactly, so the three models agree on
    the totals (a share left at 1/3 would otherwise round on every campaign's line). The
    outcome's amount is the one first touch credits whole; shares go in campaign order."""
    rows = AttributionCredit.objects.filter(outcome__in=MONEY_OUTCOMES, model__in=("linear", "first"))
    if deal_ids is not None:
        rows = rows.filter(subject_id__in=deal_ids)
    totals: dict[tuple[str, int, date], Decimal] = {}
    groups: dict[tuple[str, int, date], list[tuple[int, Decimal, Decimal]]] = {}
    for pk, model, outcome, subject, day, credit, amount in rows.order_by("campaign_id", "pk").values_list(
        "pk", "model", "outcome", "subject_id", "day", "credit", "amount"
    ):
        key = (outcome, subject, day)
        if model == "first":
            totals[key] = _number(amount).quantize(CENT)
        else:
            groups.setdefault(key, []).append((pk, _number(credit), _number(amount)))
    changed = []
    for key, lines in groups.items():
        shares = _split(totals.get(key, ZERO), [credit for _pk, credit, _amount in lines])
        for (pk, _credit, amount), share in zip(lines, shares, strict=True):
            if share != amount:
                changed.append(AttributionCredit(pk=pk, amount=share))
    AttributionCredit.objects.bulk_update(changed, ["amount"], batch_size=CHUNK)


def _execute(sql: str, params: dict[str, Any] | list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _tune() -> None:
    if connection.vendor == "postgresql":
        _execute("SET LOCAL jit = off; SET LOCAL work_mem = '256MB'")


def _lock() -> None:
    if connection.vendor == "postgresql":
        _execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


@dataclass(frozen=True)
class Rebuilt:
    credits: int
    days: int
    seconds: float


def credits_rebuild() -> Rebuilt:
    """Every credit and day sum again from the leads, deals, touches and allocations, in one
    transaction (the report keeps reading the old rows until it commits)."""
    started = time.perf_counter()
    t = _tables()
    with transaction.atomic():
        _lock()
        _tune()
        _execute(f"DELETE FROM {t['day']}")  # noqa: S608 - table name from the model
        if connection.vendor == "postgresql":
            _execute(f"TRUNCATE {t['credit']}")
        else:
            _execute(f"DELETE FROM {t['credit']}")  # noqa: S608
        credits = 0
        for sql, params in (_lead_insert(None), _deal_insert(None)):
            credits += _execute(sql, params)
        _linear_amounts_round(None)
        days = _execute(
            f"INSERT INTO {t['day']} (model, outcome, campaign_id, day, credit, amount) "  # noqa: S608
            f"SELECT model, outcome, campaign_id, day, SUM(credit), SUM(amount) FROM {t['credit']} "
            "GROUP BY model, outcome, campaign_id, day"
        )
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {t['credit']}; ANALYZE {t['day']}")
    return Rebuilt(credits=credits, days=days, seconds=time.perf_counter() - started)


Sums = dict[tuple[str, str, int, date], tuple[Decimal, Decimal]]


def _number(value: Any) -> Decimal:
    """A database sum as Decimal (SQLite answers floats: read through their shortest repr)."""
    return Decimal(repr(value) if isinstance(value, float) else str(value or 0))


def _sums_of(outcomes: Iterable[str], ids: list[int]) -> Sums:
    rows = (
        AttributionCredit.objects.filter(outcome__in=list(outcomes), subject_id__in=ids)
        .values_list("model", "outcome", "campaign_id", "day")
        .annotate(credit=Sum("credit"), amount=Sum("amount"))
        .order_by()
    )
    return {(m, o, c, d): (_number(credit), _number(amount)) for m, o, c, d, credit, amount in rows}


def _days_add(old: Sums, new: Sums) -> None:
    """Move the day sums by what the credits moved (new − old): one upsert per key that moved,
    and the sums left at nothing removed (a rebuild would not have them)."""
    t = _tables()
    deltas = []
    for key in set(old) | set(new):
        before, after = old.get(key, (ZERO, ZERO)), new.get(key, (ZERO, ZERO))
        credit, amount = after[0] - before[0], after[1] - before[1]
        if credit or amount:
            deltas.append((*key, credit, amount))
    if not deltas:
        return
    ops = connection.ops
    table = t["day"]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (model, outcome, campaign_id, day, credit, amount) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (model, day, campaign_id, outcome) "
            f"DO UPDATE SET credit = {table}.credit + excluded.credit, amount = {table}.amount + excluded.amount",
            [
                (
                    m,
                    o,
                    c,
                    ops.adapt_datefield_value(d),
                    ops.adapt_decimalfield_value(credit, 20, 8),
                    ops.adapt_decimalfield_value(amount, 24, 6),
                )
                for m, o, c, d, credit, amount in deltas
            ],
        )
    days = sorted({d for _m, _o, _c, d, _credit, _amount in deltas})
    for start in range(0, len(days), CHUNK):
        AttributionDay.objects.filter(
            day__in=days[start : start + CHUNK],
            credit__gt=-NOTHING,
            credit__lt=NOTHING,
            amount__gt=-NOTHING,
            amount__lt=NOTHING,
        ).delete()


def credits_refresh(*, lead_ids: Iterable[int | None] = (), deal_ids: Iterable[int | None] = ()) -> None:
    """The credits of these leads and deals again, and the day sums they move. Set-based per
    chunk of a thousand ids; a lead or deal gone (merged, deleted) loses its credits."""
    leads = sorted({int(pk) for pk in lead_ids if pk is not None})
    deals = sorted({int(pk) for pk in deal_ids if pk is not None})
    if not leads and not deals:
        return
    with transaction.atomic():
        _lock()
        for outcomes, ids, insert in ((LEAD_OUTCOMES, leads, _lead_insert), (DEAL_OUTCOMES, deals, _deal_insert)):
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                old = _sums_of(outcomes, chunk)
                AttributionCredit.objects.filter(outcome__in=list(outcomes), subject_id__in=chunk).delete()
                _execute(*insert(chunk))
                if insert is _deal_insert:
                    _linear_amounts_round(chunk)
                _days_add(old, _sums_of(outcomes, chunk))


# What touches, events and payments change ---------------------------------------------------


def _reached(lead_ids: set[int], contact_ids: set[int], account_ids: set[int]) -> tuple[set[int], set[int]]:
    """The leads and deals whose outcomes touches on these leads, contacts and accounts may credit."""
    leads = set(lead_ids)
    deals: set[int] = set()
    for field, ids in (("contact_id__in", contact_ids), ("account_id__in", account_ids)):
        listed = sorted(ids)
        for start in range(0, len(listed), 5000):
            leads.update(Lead.objects.filter(**{field: listed[start : start + 5000]}).values_list("pk", flat=True))
    for field, ids in (("account_id__in", account_ids), ("source_lead_id__in", lead_ids)):
        listed = sorted(ids)
        for start in range(0, len(listed), 5000):
            deals.update(
                Opportunity.objects.filter(**{field: listed[start : start + 5000]}).values_list("pk", flat=True)
            )
    return leads, deals


def attribution_on_touches(touches: list[Touch]) -> None:
    """Touch hook (ltc.marketing.services.touches.on_touches): new touches may change the credits
    of their leads, of the leads of their contacts and accounts, and of those accounts' deals."""
    lead_ids = {t.lead_id for t in touches if t.lead_id is not None}
    contact_ids = {t.contact_id for t in touches if t.contact_id is not None}
    account_ids = {t.account_id for t in touches if t.account_id is not None}
    leads, deals = _reached(lead_ids, contact_ids, account_ids)
    credits_refresh(lead_ids=leads, deal_ids=deals)


def _deals_of_invoices(invoice_ids: Iterable[int]) -> set[int]:
    return set(
        Invoice.objects.filter(pk__in=list(invoice_ids), contract__opportunity__isnull=False).values_list(
            "contract__opportunity_id", flat=True
        )
    )


def leads_changed(events: list[Any]) -> None:
    """A lead was created, qualified, converted or merged: its outcomes again (and the survivor's)."""
    ids: set[int] = set()
    for event in events:
        ids.add(event.subject_id)
        if getattr(event, "into_id", None):
            ids.add(event.into_id)
    credits_refresh(lead_ids=ids)


def lead_changed(event: Any) -> None:
    leads_changed([event])


def deal_changed(event: Any) -> None:
    """A deal was created, won, lost or reopened: its outcomes again."""
    credits_refresh(deal_ids=[event.subject_id])


def payment_allocated(event: Any) -> None:
    """Cash allocated to invoices: the deals of their contracts again."""
    credits_refresh(deal_ids=_deals_of_invoices(line.invoice_id for line in event.invoices))


def payment_recorded(event: Any) -> None:
    """A receipt recorded with its allocations, or reversed: the deals of the invoices it paid."""
    invoices = Allocation.objects.filter(payment__in=Payment.objects.filter(pk=event.subject_id)).values_list(
        "invoice_id", flat=True
    )
    credits_refresh(deal_ids=_deals_of_invoices(invoices))


def register_reactions() -> None:
    """Subscribe (ltc.marketing.reactions): a lead created follows in its transaction (an
    import's chunk at once); the rest after the commit, so a failure never undoes a win or a
    payment (the rebuild repairs what a failed delivery left)."""
    from ltc.billing.events import PaymentAllocated, PaymentReceived, PaymentReversed
    from ltc.core.events import AFTER_COMMIT, IN_TRANSACTION, react
    from ltc.leads.events import LeadConverted, LeadCreated, LeadMerged, LeadQualified
    from ltc.opportunities.events import OpportunityCreated, OpportunityLost, OpportunityReopened, OpportunityWon

    react(LeadCreated, lead_changed, runs=IN_TRANSACTION, many=leads_changed)
    for lead_event in (LeadQualified, LeadConverted, LeadMerged):
        react(lead_event, lead_changed, runs=AFTER_COMMIT)
    for deal_event in (OpportunityCreated, OpportunityWon, OpportunityLost, OpportunityReopened):
        react(deal_event, deal_changed, runs=AFTER_COMMIT)
    react(PaymentAllocated, payment_allocated, runs=AFTER_COMMIT)
    react(PaymentReceived, payment_recorded, runs=AFTER_COMMIT)
    react(PaymentReversed, payment_recorded, runs=AFTER_COMMIT)


def register_touch_hook() -> None:
    """Follow new touches (ltc.marketing.wiring)."""
    from ltc.marketing.services.touches import on_touches

    on_touches(attribution_on_touches)
