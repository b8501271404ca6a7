"""Benchmark the MO stage: the deal board with 100k open deals, funnel and forecast over 1M deals.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL). Targets (#4):
board p95 < 150 ms on PostgreSQL; funnel and forecast < 1 s; each reported next to the raw SQL
aggregate answering the same question in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
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
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.core.bulk import bulk_insert, next_ids  # noqa: E402
from ltc.customers.models import Account  # noqa: E402
from ltc.opportunities.models import Opportunity, Pipeline  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.web.demo import ensure_organisation  # noqa: E402
from ltc.web.demo_deals import seed_pipelines  # noqa: E402

FIELDS = (
    "id",
    "name",
    "account_id",
    "amount",
    "currency",
    "expected_close_date",
    "pipeline_id",
    "stage_id",
    "stage_entered_at",
    "max_stage_order",
    "probability",
    "forecast_category",
    "status",
    "campaign",
    "competitors",
    "products_of_interest",
    "description",
    "owner_id",
    "close_reason",
    "close_note",
    "lost_to",
    "version",
    "created_at",
    "updated_at",
)
CATEGORIES = ["pipeline", "pipeline", "best_case", "commit"]


def seed(total: int, open_deals: int, rng: random.Random) -> Pipeline:
    users = ensure_organisation()
    pipeline, _product = seed_pipelines()
    if Opportunity.objects.filter(pipeline=pipeline).count() >= total:
        return pipeline
    account = Account.objects.first() or Account.objects.create(name="基准客户有限公司", owner=users["zhang"])
    owners = [users[u].pk for u in ("zhang", "liu", "li", "zhao", "emma")]
    stages = pipeline.open_stages()
    won = pipeline.closing_stage("won")
    lost = pipeline.closing_stage("lost")
    assert won is not None
    assert lost is not None
    now = timezone.now()
    today = timezone.localdate()
    done = 0
    while done < total:
        count = min(50_000, total - done)
        with transaction.atomic():
            ids = next_ids(Opportunity, count)
            rows = []
            for pk in ids:
                is_open = (pk % total) < open_deals
                stage = stages[pk % len(stages)] if is_open else (won if pk % 3 == 0 else lost)
                reached = stage.order if is_open else stages[pk % len(stages)].order
                close = today + timedelta(days=(pk % 1095) - 365)
                rows.append(
                    (
                        pk,
                        f"基准项目{pk}",
                        account.pk,
                        Decimal(rng.randint(1, 900) * 10000),
                        "CNY" if pk % 20 else "USD",
                        close,
                        pipeline.pk,
                        stage.pk,
                        now,
                        won.order if stage == won else reached,
                        stage.probability,
                        "closed" if stage == won else ("omitted" if stage == lost else CATEGORIES[pk % 4]),
                        "open" if is_open else ("won" if stage == won else "lost"),
                        "",
                        "",
                        "",
                        "",
                        owners[pk % len(owners)],
                        "" if is_open else "price",
                        "",
                        "",
                        1,
                        now,
                        now,
                    )
                )
            bulk_insert(Opportunity, FIELDS, rows)
        done += count
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return pipeline


def _timed(call: Any, runs: int) -> list[float]:
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _p95(samples: list[float]) -> float:
    return samples[max(0, int(len(samples) * 0.95) - 1)]


def _raw(sql: str, params: list[Any]) -> Any:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def bench(pipeline: Pipeline, runs: int) -> list[tuple[str, str, str, str]]:
    results = []
    table = Opportunity._meta.db_table
    for username, who in (("wang", "executive (all deals)"), ("li", "manager (team scope)")):
        user = User.objects.get(username=username)
        _token, raw = token_create(actor=user, user=user, name="bench")
        client = Client()
        headers = {"Authorization": f"Bearer {raw}"}

        def get(url: str, client: Client = client, headers: dict[str, str] = headers) -> Any:
            def call() -> None:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, response.content[:200]

            return call

        open_count = Opportunity.objects.filter(pipeline=pipeline, status="open").count()
        board = _timed(get(f"/api/v1/pipelines/{pipeline.pk}/board"), runs)
        stage_ids = [s.pk for s in pipeline.open_stages()]

        def raw_board(stage_ids: list[int] = stage_ids) -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT stage_id, currency, COUNT(*), SUM(amount), SUM(amount * probability) FROM {table} "  # noqa: S608
                    "WHERE pipeline_id = %s AND status = 'open' GROUP BY stage_id, currency",
                    [pipeline.pk],
                )
                cursor.fetchall()
                for stage_id in stage_ids:
                    cursor.execute(
                        f"SELECT id, name, amount FROM {table} WHERE stage_id = %s AND status = 'open' "  # noqa: S608
                        "ORDER BY amount DESC, id DESC LIMIT 20",
                        [stage_id],
                    )
                    cursor.fetchall()

        raw = _timed(raw_board, runs)
        if connection.vendor != "postgresql":
            verdict = "— (the target is for PostgreSQL)"
        else:
            verdict = "PASS" if _p95(board) < 150 else "FAIL (target p95 < 150 ms)"
        results.append(
            (
                f"board, {open_count:,} open deals — {who}",
                f"p50 {statistics.median(board):.1f} ms, p95 {_p95(board):.1f} ms",
                f"raw SQL p95 {_p95(raw):.1f} ms",
                verdict,
            )
        )
        if username != "wang":
            continue
        total = Opportunity.objects.count()
        funnel = _timed(get(f"/api/v1/pipelines/{pipeline.pk}/funnel"), max(5, runs // 10))
        raw_funnel = _timed(
            _raw(
                f"SELECT max_stage_order, COUNT(*) FROM {table} WHERE pipeline_id = %s GROUP BY max_stage_order",  # noqa: S608
                [pipeline.pk],
            ),
            max(5, runs // 10),
        )
        results.append(
            (
                f"funnel over {total:,} deals",
                f"max {funnel[-1]:.0f} ms (p50 {statistics.median(funnel):.0f} ms)",
                f"raw SQL (reached per stage only) max {raw_funnel[-1]:.0f} ms",
                "PASS" if funnel[-1] < 1000 else "FAIL (target < 1 s)",
            )
        )
        start = timezone.localdate().replace(day=1).isoformat()
        forecast = _timed(get(f"/api/v1/forecast?start={start}&months=12"), max(5, runs // 10))
        month = (
            "strftime('%%Y-%%m', expected_close_date)"
            if connection.vendor == "sqlite"
            else "date_trunc('month', expected_close_date)"
        )
        raw_forecast = _timed(
            _raw(
                f"SELECT {month}, forecast_category, SUM(amount), SUM(amount * probability) FROM {table} "  # noqa: S608
                "WHERE currency = 'CNY' AND status IN ('open', 'won') AND expected_close_date >= %s "
                "AND expected_close_date < %s AND forecast_category <> 'omitted' GROUP BY 1, 2",
                [start, (timezone.localdate() + timedelta(days=366)).isoformat()],
            ),
            max(5, runs // 10),
        )
        results.append(
            (
                f"forecast (12 months) over {total:,} deals",
                f"max {forecast[-1]:.0f} ms (p50 {statistics.median(forecast):.0f} ms)",
                f"raw SQL max {raw_forecast[-1]:.0f} ms",
                "PASS" if forecast[-1] < 1000 else "FAIL (target < 1 s)",
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    pipeline = seed(args.total, args.open, random.Random(5))
    print(f"seeded {Opportunity.objects.count():,} deals in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    rows = bench(pipeline, args.runs)
    print(f"\n### {connection.vendor} — opportunities")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
