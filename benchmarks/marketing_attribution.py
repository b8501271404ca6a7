"""Benchmark marketing attribution to cash (#19): the attribution report over 1M deals and 5M
touches, under first-touch, last-touch and linear attribution, reading the precomputed credits
(ltc.marketing.services.attribution_credits), against the raw SQL of the same aggregation on the
precomputed day sums, the same sum straight from the credit rows, and the old read-time
computation (window functions over the touches, kept below as LEGACY_* for comparison only).

Seeds set-based (COPY on PostgreSQL through ltc.core.bulk, and grouped UPDATEs): deals spread over
accounts (two per account) with one in five converted from a seeded lead, won deals with
contracts, one invoice per contract paid by two receipts (a fifth partly), 50 campaigns with
costs, and touches on the accounts (four in five) and on the leads (one in five) over two years.
The report is asked for the whole two years (every outcome in play: the worst case).

After seeding the credits are rebuilt whole (`credits_rebuild()`, timed apart: rows/s); one
incremental refresh of 1,000 deals is timed too.

Target (#19): < 2 s on PostgreSQL. usage: python benchmarks/marketing_attribution.py
[--deals 1000000] [--touches 5000000] [--runs 5] [--legacy-runs 1]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.billing.models import Allocation, Invoice  # noqa: E402
from ltc.contracts.models import Contract  # noqa: E402
from ltc.core.bulk import bulk_insert, next_ids  # noqa: E402
from ltc.core.money import Currency  # noqa: E402
from ltc.customers.models import Account  # noqa: E402
from ltc.leads.models import Lead  # noqa: E402
from ltc.marketing.attribution import day_sums_sql, period_of, sql_params  # noqa: E402
from ltc.marketing.models import Campaign, CampaignCost, CampaignKind, Touch  # noqa: E402
from ltc.marketing.models.attribution import AttributionCredit, AttributionDay  # noqa: E402
from ltc.marketing.services.attribution_credits import credits_rebuild, credits_refresh  # noqa: E402
from ltc.opportunities.models import Opportunity  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.web.demo import seed_scale  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from billing import seed_ledger  # noqa: E402
from contracts import seed_contracts  # noqa: E402
from opportunities import seed as seed_deals  # noqa: E402

CHUNK = 50_000
CAMPAIGNS = 50
DAYS = 730
TOUCH_FIELDS = ("id", "campaign_id", "kind", "occurred_at", "lead_id", "contact_id", "account_id", "key")


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _analyze() -> None:
    _sql("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def seed_leads(total: int, rng: random.Random) -> None:
    """`total` leads, a fifth warm and a tenth qualified, built from an unsaved template so the
    rows follow the model's current insert fields."""
    have = Lead.objects.count()
    now = timezone.now()
    template = Lead(source="campaign", company_name="基准线索公司", status="new", temperature="cold")
    fields = [f.attname for f in Lead._meta.concrete_fields]  # every column, defaults from the model
    values = [getattr(template, name) for name in fields]
    at = {name: i for i, name in enumerate(fields)}
    while have < total:
        count = min(CHUNK, total - have)
        with transaction.atomic():
            rows = []
            for pk in next_ids(Lead, count):
                row = list(values)
                created = now - timedelta(minutes=rng.randrange(DAYS * 1440))
                row[at["id"]] = pk
                row[at["created_at"]] = row[at["updated_at"]] = created
                if pk % 5 == 0:
                    row[at["temperature"]] = "warm"
                if pk % 10 == 0:
                    row[at["status"]] = "qualified"
                rows.append(row)
            bulk_insert(Lead, fields, rows)
        have += count
    Lead.objects.filter(status="qualified", qualified_at__isnull=True).update(qualified_at=F("created_at"))


def seed(deals: int, touches: int) -> None:
    rng = random.Random(19)
    if Touch.objects.count() >= touches:
        return
    start = time.perf_counter()
    seed_scale(scale=max(1, deals // 2))
    seed_deals(deals, deals // 5, rng)
    seed_leads(deals // 5, rng)
    print(f"  accounts, deals, leads in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    accounts = list(Account.objects.order_by("id").values_list("id", flat=True))
    leads = list(Lead.objects.order_by("id").values_list("id", flat=True))
    deal_table, lead_table = Opportunity._meta.db_table, Lead._meta.db_table
    first_account, account_count = accounts[0], len(accounts)
    # Accounts were inserted in one id run; deals go two per account, created over two years
    # (won ones closed a month later), one in five from a lead converted a week before.
    with transaction.atomic():
        _sql(
            f"UPDATE {deal_table} SET account_id = %s + (id %% %s), "  # noqa: S608 - model tables
            f"created_at = created_at - (id %% {DAYS}) * INTERVAL '1 day'"
            if connection.vendor == "postgresql"
            else f"UPDATE {deal_table} SET account_id = %s + (id %% %s), "  # noqa: S608
            f"created_at = datetime(created_at, '-' || (id %% {DAYS}) || ' days')",
            [first_account, account_count],
        )
        _sql(
            f"UPDATE {deal_table} SET closed_at = created_at + INTERVAL '30 days' WHERE status = 'won'"  # noqa: S608
            if connection.vendor == "postgresql"
            else f"UPDATE {deal_table} SET closed_at = datetime(created_at, '+30 days') WHERE status = 'won'"  # noqa: S608
        )
        _sql(
            f"UPDATE {deal_table} d SET source_lead_id = l.id FROM "  # noqa: S608
            f"(SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {lead_table}) l "
            f"WHERE d.id %% 5 = 0 AND l.rn = d.id / 5"
            if connection.vendor == "postgresql"
            else f"UPDATE {deal_table} SET source_lead_id = l.id FROM "  # noqa: S608
            f"(SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {lead_table}) l "
            f"WHERE {deal_table}.id %% 5 = 0 AND l.rn = {deal_table}.id / 5"
        )
    won = list(Opportunity.objects.filter(status="won").order_by("id").values_list("id", "account_id"))
    contract_count = min(len(won), max(1, deals // 10))
    seed_contracts(contract_count, rng)
    contract_ids = list(Contract.objects.order_by("id").values_list("id", flat=True)[:contract_count])
    # Each contract belongs to a won deal (and its account).
    contract_table = Contract._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for start_at in range(0, len(contract_ids), CHUNK):
            pairs = [
                (won[i][0], won[i][1], contract_ids[i])
                for i in range(start_at, min(start_at + CHUNK, len(contract_ids)))
            ]
            cursor.executemany(
                f"UPDATE {contract_table} SET opportunity_id = %s, account_id = %s WHERE id = %s",  # noqa: S608
                pairs,
            )
    seed_ledger(contract_count, contract_ids)
    print(f"  contracts and ledger in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    marketing = User.objects.get(username="sun")
    kinds = CampaignKind.values
    today = timezone.localdate()
    campaigns = []
    for n in range(CAMPAIGNS):
        campaign, _ = Campaign.objects.get_or_create(
            code=f"BENCH-{n}",
            defaults={"name": f"基准活动{n}", "kind": kinds[n % len(kinds)], "owner": marketing},
        )
        campaigns.append(campaign.pk)
        CampaignCost.objects.create(
            campaign=campaign,
            spent_on=today - timedelta(days=n * 7),
            description="基准费用",
            amount=Decimal(10_000 + 1_000 * n),
        )
    now = timezone.now()
    done = Touch.objects.count()
    while done < touches:
        count = min(CHUNK, touches - done)
        with transaction.atomic():
            ids = next_ids(Touch, count)
            rows = []
            for pk in ids:
                at = now - timedelta(minutes=rng.randrange(DAYS * 1440))
                on_lead = pk % 5 == 0
                rows.append(
                    (
                        pk,
                        campaigns[rng.randrange(CAMPAIGNS)],
                        "form" if on_lead else "open",
                        at,
                        leads[rng.randrange(len(leads))] if on_lead else None,
                        None,
                        None if on_lead else accounts[rng.randrange(account_count)],
                        f"bench-{pk}",
                    )
                )
            bulk_insert(Touch, TOUCH_FIELDS, rows)
        done += count
        print(f"  touches {done:,} / {touches:,}", file=sys.stderr)
    _analyze()
    print(f"seeded in {time.perf_counter() - start:.0f} s", file=sys.stderr)


REPORT_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"


# The old read-time computation (before the credits were precomputed), for comparison only.
def _legacy_credit_sql(model: str) -> str:
    if model == "linear":
        return """
        per AS (SELECT o, c, COUNT(*) AS k FROM tt GROUP BY o, c),
        tot AS (SELECT o, COUNT(*) AS n FROM tt GROUP BY o),
        w AS (SELECT per.o, per.c, per.k, tot.n FROM per JOIN tot ON tot.o = per.o)"""
    order = "at, tid" if model == "first" else "at DESC, tid DESC"
    return f"""
        ranked AS (SELECT o, c, ROW_NUMBER() OVER (PARTITION BY o ORDER BY {order}) AS rk FROM tt),
        w AS (SELECT o, c, 1 AS k, 1 AS n FROM ranked WHERE rk = 1)"""  # noqa: S608 - fixed words


def legacy_sql(model: str) -> list[str]:
    touch, lead, deal = Touch._meta.db_table, Lead._meta.db_table, Opportunity._meta.db_table
    contract, invoice, allocation = Contract._meta.db_table, Invoice._meta.db_table, Allocation._meta.db_table
    leads = f"""
    WITH l AS (
        SELECT id, account_id, contact_id, created_at,
               CASE WHEN temperature IN ('warm', 'hot') OR qualified_at IS NOT NULL THEN 1 ELSE 0 END AS mql,
               CASE WHEN qualified_at IS NOT NULL THEN 1 ELSE 0 END AS sql_
        FROM {lead} WHERE merged_into_id IS NULL AND created_at >= %(from_t)s AND created_at < %(to_t)s
    ),
    tt AS (
        SELECT l.id AS o, x.id AS tid, x.campaign_id AS c, x.occurred_at AS at
        FROM l JOIN {touch} x ON x.lead_id = l.id
        UNION ALL
        SELECT l.id, x.id, x.campaign_id, x.occurred_at
        FROM l JOIN {touch} x ON x.contact_id = l.contact_id AND x.occurred_at <= l.created_at
        WHERE x.lead_id IS NULL OR x.lead_id <> l.id
        UNION ALL
        SELECT l.id, x.id, x.campaign_id, x.occurred_at
        FROM l JOIN {touch} x ON x.account_id = l.account_id AND x.occurred_at <= l.created_at
        WHERE (x.lead_id IS NULL OR x.lead_id <> l.id)
          AND (x.contact_id IS NULL OR l.contact_id IS NULL OR x.contact_id <> l.contact_id)
    ),
    {_legacy_credit_sql(model)}
    SELECT w.c, SUM(w.k * 1.0 / w.n), SUM(l.mql * w.k * 1.0 / w.n), SUM(l.sql_ * w.k * 1.0 / w.n)
    FROM w JOIN l ON l.id = w.o GROUP BY w.c
    """  # noqa: S608 - model tables
    deals = f"""
    WITH cash AS (
        SELECT ct.opportunity_id AS o, SUM(a.amount) AS amount
        FROM {allocation} a JOIN {invoice} i ON i.id = a.invoice_id JOIN {contract} ct ON ct.id = i.contract_id
        WHERE i.currency = %(cny)s AND a.applied_on >= %(from_d)s AND a.applied_on <= %(to_d)s
        GROUP BY ct.opportunity_id
    ),
    d AS (
        SELECT dl.id, dl.account_id, dl.source_lead_id, dl.created_at,
               CASE WHEN dl.created_at >= %(from_t)s AND dl.created_at < %(to_t)s THEN 1 ELSE 0 END AS made,
               CASE WHEN dl.status = 'won' AND dl.closed_at >= %(from_t)s AND dl.closed_at < %(to_t)s
                    THEN 1 ELSE 0 END AS won,
               CASE WHEN dl.status = 'won' AND dl.closed_at >= %(from_t)s AND dl.closed_at < %(to_t)s
                         AND dl.currency = %(cny)s THEN dl.amount ELSE 0 END AS won_amount,
               COALESCE(cash.amount, 0) AS cash
        FROM {deal} dl LEFT JOIN cash ON cash.o = dl.id
        WHERE (dl.created_at >= %(from_t)s AND dl.created_at < %(to_t)s)
           OR (dl.status = 'won' AND dl.closed_at >= %(from_t)s AND dl.closed_at < %(to_t)s)
           OR cash.o IS NOT NULL
    ),
    tt AS (
        SELECT d.id AS o, x.id AS tid, x.campaign_id AS c, x.occurred_at AS at
        FROM d JOIN {touch} x ON x.account_id = d.account_id AND x.occurred_at <= d.created_at
        UNION ALL
        SELECT d.id, x.id, x.campaign_id, x.occurred_at
        FROM d JOIN {touch} x ON x.lead_id = d.source_lead_id AND x.occurred_at <= d.created_at
        WHERE x.account_id IS NULL OR x.account_id <> d.account_id
    ),
    {_legacy_credit_sql(model)}
    SELECT w.c, SUM(d.made * w.k * 1.0 / w.n), SUM(d.won * w.k * 1.0 / w.n),
           SUM(d.won_amount * w.k * 1.0 / w.n), SUM(d.cash * w.k * 1.0 / w.n)
    FROM w JOIN d ON d.id = w.o GROUP BY w.c
    """  # noqa: S608 - model tables
    return [leads, deals]


def legacy_params(period: Any) -> dict[str, Any]:
    ops = connection.ops
    return {
        "from_t": ops.adapt_datetimefield_value(period.starts_at),
        "to_t": ops.adapt_datetimefield_value(period.ends_before),
        "from_d": ops.adapt_datefield_value(period.start),
        "to_d": ops.adapt_datefield_value(period.end),
        "cny": Currency.CNY.value,
    }


def _timed(call: Any, runs: int, warm: bool = True) -> list[float]:
    if warm:
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _p95(samples: list[float]) -> float:
    return samples[max(0, int(len(samples) * 0.95 + 0.5) - 1)]


def _run(sqls: list[str], params: dict[str, Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(REPORT_SETTINGS)
        for sql in sqls:
            cursor.execute(sql, params)
            cursor.fetchall()


def _legacy(model: str, period: Any) -> tuple[float, dict[tuple[int, str], float]]:
    """One run of the old read-time computation: its time (ms) and its figures per campaign."""
    figures: dict[tuple[int, str], float] = {}
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(REPORT_SETTINGS)
        lead_sql, deal_sql = legacy_sql(model)
        cursor.execute(lead_sql, legacy_params(period))
        lead_rows = cursor.fetchall()
        cursor.execute(deal_sql, legacy_params(period))
        deal_rows = cursor.fetchall()
    took = (time.perf_counter() - start) * 1000
    for c, leads, mql, sql_ in lead_rows:
        figures.update({(c, "lead"): float(leads), (c, "mql"): float(mql), (c, "sql"): float(sql_)})
    for c, made, won, won_amount, cash in deal_rows:
        figures.update({(c, "deal"): float(made), (c, "won"): float(won)})
        figures.update({(c, "won_amount"): float(won_amount), (c, "cash"): float(cash)})
    return took, figures


def _drift(model: str, period: Any, old: dict[tuple[int, str], float]) -> str:
    """The largest difference between the precomputed figures and the old read-time ones (the
    same numbers: counts and amounts per campaign), as text."""
    new: dict[tuple[int, str], float] = {}
    with connection.cursor() as cursor:
        cursor.execute(day_sums_sql(), sql_params(period, model))
        for c, outcome, credit, amount in cursor.fetchall():
            if outcome != "cash":
                new[(c, outcome)] = float(credit)
            if outcome in ("won", "cash"):
                new[(c, "won_amount" if outcome == "won" else "cash")] = float(amount)
    gaps = {key: abs(old.get(key, 0.0) - new.get(key, 0.0)) for key in set(old) | set(new)}
    worst = max(gaps, key=lambda key: gaps[key], default=None)
    return "0" if worst is None or gaps[worst] < 0.005 else f"{gaps[worst]:.2f} ({worst[1]})"


def build() -> list[tuple[str, ...]]:
    """Rebuild every credit (timed), then refresh 1,000 deals incrementally (timed)."""
    done = credits_rebuild()
    rate = done.credits / done.seconds if done.seconds else 0
    sample = list(Opportunity.objects.order_by("id").values_list("id", flat=True)[:1000])
    start = time.perf_counter()
    credits_refresh(deal_ids=sample)
    refresh = time.perf_counter() - start
    return [
        (
            "rebuild attribution credits (`manage.py attribution_rebuild`)",
            f"{done.seconds:.1f} s, {rate:,.0f} credit rows/s",
            f"{done.credits:,} credits, {done.days:,} day sums",
            "reported",
        ),
        ("incremental refresh of 1,000 deals (`credits_refresh`)", f"{refresh * 1000:.0f} ms", "", "reported"),
    ]


def bench(runs: int, legacy_runs: int) -> list[tuple[str, ...]]:
    wang = User.objects.get(username="wang")
    _token, raw = token_create(actor=wang, user=wang, name=f"bench {time.time()}")
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}
    today = timezone.localdate()
    start = today - timedelta(days=DAYS + 31)
    period = period_of(start, today)
    counts = (
        f"{Opportunity.objects.count():,} deals, {Touch.objects.count():,} touches, "
        f"{Lead.objects.count():,} leads, cash on {Contract.objects.count():,} contracts; "
        f"{AttributionCredit.objects.count():,} credits, {AttributionDay.objects.count():,} day sums"
    )
    credit_table = AttributionCredit._meta.db_table
    from_credits = f"""
    SELECT campaign_id, outcome, SUM(credit), SUM(amount) FROM {credit_table}
    WHERE model = %(model)s AND day >= %(from_d)s AND day <= %(to_d)s GROUP BY campaign_id, outcome
    """  # noqa: S608 - model table
    rows: list[tuple[str, ...]] = []
    for model in ("first", "last", "linear"):
        url = f"/api/v1/marketing/attribution?model={model}&from={start}&to={today}"

        def api(url: str = url) -> None:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, response.content[:300]

        params = sql_params(period, model)
        report = _timed(api, runs)
        base = _timed(lambda params=params: _run([day_sums_sql()], params), runs)
        credits = _timed(lambda params=params: _run([from_credits], params), max(1, runs // 2))
        legacy_runs_ms = []
        for _ in range(max(1, legacy_runs)):
            took, old = _legacy(model, period)
            legacy_runs_ms.append(took)
        legacy = sorted(legacy_runs_ms)
        drift = _drift(model, period, old)
        p50, p95 = report[len(report) // 2], _p95(report)
        raw_p50 = base[len(base) // 2]
        verdict = "pass" if p95 < 2000 else ("FAIL" if connection.vendor == "postgresql" else "over (SQLite)")
        rows.append(
            (
                f"GET /api/v1/marketing/attribution?model={model} (2 years)",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms",
                f"raw SQL on the day sums p50 {raw_p50:.1f} ms (× {p50 / raw_p50:.1f}); same sum from the "
                f"credit rows p50 {credits[len(credits) // 2]:.0f} ms; old read-time SQL "
                f"{legacy[len(legacy) // 2]:.0f} ms; largest gap to it {drift}; {counts}",
                verdict,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--touches", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--legacy-runs", type=int, default=1)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed(args.deals, args.touches)
    rows = build()
    rows += bench(args.runs, args.legacy_runs)
    print(f"\n### {connection.vendor} — marketing attribution")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
