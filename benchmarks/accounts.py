"""Benchmark: seeding rate and the account list API over a large table.

Run through benchmarks/run.sh, which gives it a fresh database (SQLite file, then a throwaway
PostgreSQL). Prints one table row per workload. Targets (issue #2): account list p95 < 50 ms with
200k accounts on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from ltc.org.models import User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.web.demo import seed_scale  # noqa: E402


def timed_requests(client: Client, url: str, headers: dict[str, str], n: int) -> tuple[float, float]:
    client.get(url, headers=headers)  # warm caches and connections
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:200]
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    vendor = connection.vendor
    call_command("migrate", verbosity=0)

    start = time.perf_counter()
    accounts, contacts = seed_scale(scale=args.accounts)
    seconds = time.perf_counter() - start
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows = [
        (
            "seed accounts+contacts",
            f"{accounts + contacts:,} rows",
            f"{(accounts + contacts) / seconds:,.0f} rows/s",
            "",
        )
    ]

    client = Client()
    workloads = [
        ("wang", "executive: first page, region=east, sort=name", "/api/v1/accounts?region=east&sort=name&limit=50"),
        ("zhang", "AR: first page, region=east, sort=name", "/api/v1/accounts?region=east&sort=name&limit=50"),
        ("li", "manager: first page, region=east, sort=name", "/api/v1/accounts?region=east&sort=name&limit=50"),
        (
            "wang",
            "executive: search q=科技, sort=-updated",
            "/api/v1/accounts?q=%E7%A7%91%E6%8A%80&sort=-updated&limit=50",
        ),
    ]
    for username, label, url in workloads:
        user = User.objects.get(username=username)
        _token, raw = token_create(actor=user, user=user, name="bench")
        p50, p95 = timed_requests(client, url, {"Authorization": f"Bearer {raw}"}, args.requests)
        verdict = "" if "search" in label else ("PASS" if p95 < 50 else "FAIL (target p95 < 50 ms)")
        rows.append((f"account list API — {label}", f"p50 {p50:.1f} ms", f"p95 {p95:.1f} ms", verdict))

    print(f"\n### {vendor} — {args.accounts:,} accounts, {args.requests} requests per workload")
    print("| workload | size / p50 | rate / p95 | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
