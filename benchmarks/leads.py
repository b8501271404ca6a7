"""Benchmark the ML stage: import 100k leads, score and route 100k leads, lead list over 1M.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL). Targets (#3):
import >= 5,000 rows/s with memory < 500 MB; score and assign 100k < 20 s; list p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.core.bulk import bulk_insert, next_ids  # noqa: E402
from ltc.leads import services  # noqa: E402
from ltc.leads.models import AssignmentRule, Lead, LeadImport, ScoringRule  # noqa: E402
from ltc.leads.services.imports import LEAD_INSERT_FIELDS  # noqa: E402
from ltc.org.models import Team, User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.web.demo import ensure_organisation  # noqa: E402

ROUTING_FIELDS = ("id", "owner", "status")
REGIONS = ["华东", "华北", "华南", "西南", "east", "north"]
INDUSTRIES = ["制造业", "金融服务", "能源与公用事业", "manufacturing", "retail"]
SOURCES = ["website", "event", "social", "partner", "referral", "employee", "cold", "campaign"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_csv(rows: int, rng: random.Random) -> bytes:
    lines = ["公司名称,联系人,手机,邮箱,区域,行业,预算,需求"]
    for n in range(rows):
        if n % 50 == 7:
            lines.append(f"坏数据{n},某人,12345,bad{n}@x.cn,华东,制造业,,")  # bad mobile: rejected
            continue
        k = n - 1 if n % 20 == 3 else n  # every 20th row repeats the previous one: a duplicate
        mobile = f"13{k % 10}{k:08d}"[:11]
        lines.append(
            f"测试企业{k}号有限公司,联系人{k},{mobile},lead{k}@bench.cn,{rng.choice(REGIONS)},"
            f"{rng.choice(INDUSTRIES)},{rng.randint(1, 500)}万,需求{k}"
        )
    return ("\n".join(lines) + "\n").encode("gb18030")


def make_csv_file(rows: int, rng: random.Random) -> Path:
    """The benchmark's CSV, built in a separate process so its memory is not counted as the import's."""
    path = Path(os.environ.get("LTC_VAR_DIR") or tempfile.gettempdir()) / f"bench-{rows}.csv"
    if not path.exists():
        code = f"import random, benchmarks.leads as b; open({str(path)!r}, 'wb').write(b.make_csv({rows}, random.Random(3)))"
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
    return path


def configure() -> User:
    users = ensure_organisation()
    east = Team.objects.get(name="华东销售部")
    north = Team.objects.get(name="华北销售部")
    if not AssignmentRule.objects.exists():
        AssignmentRule.objects.create(
            order=1, name="east-large", region="east", company_size="large", assign_user=users["li"]
        )
        AssignmentRule.objects.create(order=2, name="east", region="east", strategy="round_robin", assign_team=east)
        AssignmentRule.objects.create(order=3, name="north", region="north", strategy="least_load", assign_team=north)
    if not ScoringRule.objects.exists():
        ScoringRule.objects.create(name="mfg", criterion="industry_is", value="manufacturing", points=30)
        ScoringRule.objects.create(name="budget", criterion="budget_at_least", value="1000000", points=40)
        ScoringRule.objects.create(name="need", criterion="has_need", points=10)
    return users["sun"]


def bench_import(actor: User, rows: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    path = make_csv_file(rows, rng)
    data = path.read_bytes()
    start = time.perf_counter()
    batch = services.lead_import_upload(actor=actor, name="bench.csv", data=data)
    LeadImport.objects.filter(pk=batch.pk).update(status="queued", duplicate_policy="skip")
    batch = services.lead_import_run(batch.pk)
    seconds = time.perf_counter() - start
    peak_mb = rss_mb()
    rate = rows / seconds
    # The raw rate: the same number of lead rows written by the bulk path alone.
    template = list(Lead.objects.filter(import_batch=batch).order_by("id")[:1])[0]
    now = timezone.now()
    values = [getattr(template, f) if f not in ("id",) else None for f in LEAD_INSERT_FIELDS]
    start = time.perf_counter()
    with transaction.atomic():
        ids = next_ids(Lead, batch.created_count)
        raw_rows = [(pk, *values[1:-2], now, now) for pk in ids]
        bulk_insert(Lead, LEAD_INSERT_FIELDS, raw_rows)
    raw_seconds = time.perf_counter() - start
    Lead.objects.filter(pk__in=ids).delete()
    verdict = "PASS" if rate >= 5000 and peak_mb < 500 else "FAIL (target >= 5,000 rows/s, < 500 MB)"
    return [
        (
            f"import {rows:,} CSV rows (GB18030; validate, dedupe, score, route)",
            f"{rate:,.0f} rows/s ({seconds:.1f} s; created {batch.created_count:,}, skipped {batch.skipped_count:,}, rejected {batch.rejected_count:,})",
            f"raw bulk insert {batch.created_count / raw_seconds:,.0f} rows/s; peak RSS {peak_mb:,.0f} MB",
            verdict,
        )
    ]


def bench_score_and_route(count: int) -> list[tuple[str, str, str, str]]:
    now = timezone.now()
    with transaction.atomic():
        ids = next_ids(Lead, count)
        rows = [
            (
                pk,
                "website",
                "",
                f"待分配{pk}",
                f"待分配{pk}",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "east" if pk % 2 else "north",
                "manufacturing",
                "large" if pk % 3 == 0 else "",
                "需求",
                None,
                "CNY",
                "unknown",
                "",
                "new",
                "",
                "cold",
                0,
                [],
                None,
                None,
                None,
                None,
                False,
                False,
                False,
                False,
                None,
                None,
                1,
                now,
                now,
            )
            for pk in ids
        ]
        bulk_insert(Lead, LEAD_INSERT_FIELDS, rows)
    start = time.perf_counter()
    actor = User.objects.get(username="sun")
    leads = list(Lead.objects.filter(pk__any=ids).only(*ROUTING_FIELDS))
    routed = services.leads_route(actor=actor, leads=leads)
    seconds = time.perf_counter() - start
    verdict = "PASS" if seconds < 20 else "FAIL (target < 20 s)"
    return [(f"score and assign {count:,} new leads", f"{seconds:.1f} s", f"{routed:,} routed", verdict)]


def seed_leads(total: int, rng: random.Random) -> None:
    have = Lead.objects.count()
    owners = list(User.objects.filter(username__in=["zhang", "liu", "li", "zhao", "emma"]).values_list("pk", flat=True))
    now = timezone.now()
    statuses = ["new", "new", "verifying", "qualified", "converted", "disqualified"]
    while have < total:
        count = min(50_000, total - have)
        with transaction.atomic():
            ids = next_ids(Lead, count)
            rows = []
            for pk in ids:
                created = now - timezone.timedelta(minutes=pk)
                rows.append(
                    (
                        pk,
                        rng.choice(SOURCES),
                        "",
                        f"种子{pk}有限公司",
                        f"种子{pk}",
                        "",
                        f"联系人{pk}",
                        "",
                        "",
                        "",
                        f"s{pk}@seed.cn",
                        f"s{pk}@seed.cn",
                        rng.choice(["east", "north", "south"]),
                        "manufacturing",
                        "",
                        "",
                        None,
                        "CNY",
                        "unknown",
                        "",
                        rng.choice(statuses),
                        "",
                        "cold",
                        rng.randint(0, 100),
                        [],
                        rng.choice(owners) if pk % 10 else None,
                        None,
                        None,
                        None,
                        False,
                        False,
                        False,
                        False,
                        None,
                        None,
                        1,
                        created,
                        created,
                    )
                )
            bulk_insert(Lead, LEAD_INSERT_FIELDS, rows)
        have += count
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_list(requests: int, total: int) -> list[tuple[str, str, str, str]]:
    client = Client()
    results = []
    workloads = [
        ("li", "manager: status=new, newest first", "/api/v1/leads?status=new&limit=50"),
        ("zhang", "AR: own leads, highest score", "/api/v1/leads?sort=-score&limit=50"),
        ("sun", "marketing: source=website, highest score", "/api/v1/leads?source=website&sort=-score&limit=50"),
        ("sun", "marketing: unassigned pool, newest", "/api/v1/leads?owner=none&limit=50"),
    ]
    for username, label, url in workloads:
        user = User.objects.get(username=username)
        _token, raw = token_create(actor=user, user=user, name="bench")
        headers = {"Authorization": f"Bearer {raw}"}
        client.get(url, headers=headers)
        samples = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        verdict = "PASS" if p95 < 100 else "FAIL (target p95 < 100 ms)"
        results.append(
            (
                f"lead list API over {total:,} leads — {label}",
                f"p50 {statistics.median(samples):.1f} ms",
                f"p95 {p95:.1f} ms",
                verdict,
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--route", type=int, default=100_000)
    parser.add_argument("--list-total", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rng = random.Random(3)
    actor = configure()
    rows = bench_import(actor, args.import_rows, rng)
    rows += bench_score_and_route(args.route)
    seed_leads(args.list_total, rng)
    rows += bench_list(args.requests, Lead.objects.count())
    print(f"\n### {connection.vendor} — leads")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
