"""Benchmark the global search (core.search): N documents per kind seeded directly in the index
table (bulk; on SQLite the FTS5 trigram table follows through its triggers), then 200 searches of
mixed kinds — numbers, Chinese names, pinyin initials and full pinyin — through `search.search()`
(the index query, then one access-scoped query per kind with hits), next to the raw index query of
the same terms (`search.candidates`, one statement); then 50 searches of two-character terms (杭州,
信息, hz), which no trigram index answers. Target (#18): a search in < 100 ms at 1M documents
(`--per-kind 100000` with the 10 kinds).

Run through benchmarks/run.sh (BENCH_ONLY=search), or alone with DATABASE_URL set:
    python benchmarks/search.py --per-kind 100000
`--reuse` keeps an index already seeded at that size (seeding 900k documents takes 5-6 min), so
runs can be repeated on the same data; the machine is shared, so compare medians of repeated runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.core import search  # noqa: E402
from ltc.core.models import SearchDocument  # noqa: E402
from ltc.org.models import User  # noqa: E402

CITIES = [
    "杭州",
    "宁波",
    "苏州",
    "无锡",
    "南京",
    "合肥",
    "上海",
    "深圳",
    "广州",
    "成都",
    "武汉",
    "西安",
    "青岛",
    "厦门",
]
WORDS = ["信息", "智能", "数据", "云帆", "锦程", "星河", "精密", "机械", "能源", "物流", "医疗", "电子", "材料", "网络"]
TRADES = ["技术", "制造", "科技", "服务", "工程", "贸易"]
PREFIX = {
    "accounts": "",
    "contacts": "",
    "leads": "",
    "deals": "",
    "quotes": "Q2026-",
    "contracts": "C2026-",
    "orders": "O2026-",
    "invoices": "INV2026-",
    "payments": "PAY2026-",
    "cases": "CS2026-",
}
BATCH = 5000


def name_of(i: int) -> tuple[str, str, str]:
    """The i-th company name with its pinyin (full, spaced) and initials, composed from its parts."""
    parts = (CITIES[i % len(CITIES)], WORDS[(i // 14) % len(WORDS)], WORDS[(i // 196) % len(WORDS)])
    trade = TRADES[(i // 2744) % len(TRADES)]
    name = "".join(parts) + trade + "有限公司"
    return name, *search.pinyin_of(name)


def documents(kind: search.SearchKind, content_type: ContentType, n: int) -> Iterator[SearchDocument]:
    now = timezone.now()
    cache: dict[int, tuple[str, str, str]] = {}
    for i in range(1, n + 1):
        key = i % 16464
        if key not in cache:
            cache[key] = name_of(key)
        name, pinyin, initials = cache[key]
        number = f"{PREFIX[kind.key]}{i:06d}" if PREFIX[kind.key] else ""
        title = f"{number} {name}".strip()
        yield SearchDocument(
            content_type=content_type,
            object_id=i,
            kind=kind.key,
            title=title,
            text=search.normalize(title),
            pinyin=pinyin,
            initials=initials,
            updated_at=now,
        )


def seed(per_kind: int) -> None:
    SearchDocument.objects.all().delete()
    for kind in search.kinds():
        content_type = ContentType.objects.get_for_model(kind.model)
        rows = documents(kind, content_type, per_kind)
        while True:
            batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
            if not batch:
                break
            with transaction.atomic():
                SearchDocument.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_searchdocument")


def terms(per_kind: int, rng: random.Random) -> list[str]:
    """200 searches: a quarter each numbers, Chinese names, pinyin initials and full pinyin."""
    out = []
    for n in range(200):
        i = rng.randint(1, per_kind)
        name, pinyin, initials = name_of(i % 16464)
        kind = rng.choice(["quotes", "contracts", "orders", "invoices", "payments"])
        out.append(
            [
                f"{PREFIX[kind]}{i:06d}",
                name[:4],
                initials[:4],
                pinyin.split(" ")[0][: rng.randint(6, 12)],
            ][n % 4]
        )
    return out


def short_terms(rng: random.Random) -> list[str]:
    """50 searches of two characters: a city or a word of the names, or the initials of a city."""
    out = []
    for n in range(50):
        city = rng.choice(CITIES)
        out.append([city, rng.choice(WORDS), rng.choice(TRADES), search.pinyin_of(city)[1]][n % 4])
    return out


def _timed(calls: list[Callable[[str], Any]], qs: list[str]) -> list[list[float]]:
    times: list[list[float]] = [[] for _ in calls]
    for q in qs:
        for index, call in enumerate(calls):
            start = time.perf_counter()
            call(q)
            times[index].append((time.perf_counter() - start) * 1000)
    return [sorted(t) for t in times]


def p95(values: list[float]) -> float:
    return values[int(len(values) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep an index already seeded at this size")
    args = parser.parse_args()
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    start = time.perf_counter()
    reused = args.reuse and SearchDocument.objects.count() == args.per_kind * len(search.kinds())
    if not reused:
        seed(args.per_kind)
    total = SearchDocument.objects.count()
    done = "reused" if reused else f"seeded in {time.perf_counter() - start:.0f} s"
    print(f"{total:,} documents {done}", file=sys.stderr)
    user, _created = User.objects.get_or_create(username="search-bench")
    qs = terms(args.per_kind, random.Random(18))
    for q in qs[:8]:  # warm the caches
        search.search(user=user, q=q)
    print(f"\n### {connection.vendor} — search")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    workloads = [
        ("200 searches (numbers, names, pinyin initials, full pinyin)", qs),
        ("50 searches of two-character terms (cities, words, initials)", short_terms(random.Random(18))),
    ]
    for label, terms_run in workloads:
        ours, raw = _timed([lambda q: search.search(user=user, q=q), lambda q: search.candidates(q)], terms_run)
        ratio = statistics.median(ours) / statistics.median(raw)
        verdict = "PASS" if p95(ours) < 100 else "FAIL (target p95 < 100 ms)"
        load = os.getloadavg()
        print(
            f"| {label} over {total:,} documents ({args.per_kind:,} per kind × {len(search.kinds())} kinds) | "
            f"p50 {statistics.median(ours):.1f} ms, p95 {p95(ours):.1f} ms, max {ours[-1]:.1f} ms | "
            f"raw index query p50 {statistics.median(raw):.1f} ms, p95 {p95(raw):.1f} ms (ratio {ratio:.2f}); "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs | {verdict} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
