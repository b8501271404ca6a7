"""Benchmark the case lists (工单列表, issue #20): the agent view ("mine") and the manager view
("team") through `ltc.service.selectors.case_list(...)`, first page as the page serves it
(`ltc.core.api.paginate`: 25 rows and the capped count), over 1M cases (15% open), next to the raw
indexed query of the same page in the same run.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL), or alone with
DATABASE_URL set: `python benchmarks/service_cases.py --cases 1000000 [--reuse]`. Cases are seeded
by benchmarks/service_sla.py's bulk path (COPY on PostgreSQL). Target (#20): p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from service_sla import percentile, seed, staff  # noqa: E402 - benchmarks/service_sla.py

from ltc.core.api import paginate  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.service import selectors  # noqa: E402
from ltc.service.models import Case  # noqa: E402

PAGE = 25
OPEN = "('new', 'in_progress', 'waiting')"
RAW_ORDER = "ORDER BY resolution_due ASC NULLS LAST, opened_at, id"


def page(user: User, view: str) -> dict[str, Any]:
    result = paginate(selectors.case_list(user, view=view), limit=PAGE, offset=0)
    # The page draws the account, owner and team of each row (select_related: no extra query).
    for case in result["items"]:
        str(case.account), str(case.owner), str(case.team)
    return result


def raw(column: str, values: list[int]) -> tuple[list[int], int]:
    """The same first page and capped count, hand-written on the (column, status, resolution_due) index."""
    marks = ", ".join(["%s"] * len(values))
    where = f"{column} IN ({marks}) AND status IN {OPEN}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM service_case WHERE {where} {RAW_ORDER} LIMIT {PAGE + 1}", values)  # noqa: S608
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM service_case WHERE {where} LIMIT 10001) t", values)  # noqa: S608
        return ids, int(cursor.fetchone()[0])


def timed(fn: Any, n: int) -> tuple[float, float, Any]:
    fn()  # warm
    samples, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep the cases already seeded at this size")
    parser.add_argument("--explain", action="store_true", help="print the plans of the two lists")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    seed(args.cases, open_share=0.15, now=timezone.now().replace(microsecond=0))
    seeded = time.perf_counter() - start
    teams, agents, _team_of = staff()
    agent = User.objects.get(pk=agents[0])
    manager = User.objects.get(username="svcmgr0")
    print(
        f"\n{connection.vendor}: {Case.objects.count():,} cases, "
        f"{Case.objects.filter(status__in=['new', 'in_progress', 'waiting']).count():,} open "
        f"({'reused' if args.reuse else f'seeded in {seeded:,.0f} s'})"
    )
    print(
        f"| {'list (first page + count)':<34} | {'rows':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'raw p95':>7} | {'ratio':>5} |"
    )
    print(f"|{'-' * 36}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|")
    worst = 0.0
    for label, user, view, column, values in (
        ("agent: mine (open, by due)", agent, "mine", "owner_id", [agent.pk]),
        ("manager: team (open, by due)", manager, "team", "team_id", sorted({teams[0], *manager.managed_team_ids()})),
    ):
        p50, p95, result = timed(lambda user=user, view=view: page(user, view), args.repeat)
        _r50, r95, (ids, total) = timed(lambda column=column, values=values: raw(column, values), args.repeat)
        assert [c.pk for c in result["items"]] == ids[:PAGE], label
        assert result["total"] in (total, None), (result["total"], total)
        worst = max(worst, p95)
        print(f"| {label:<34} | {total:>6,} | {p50:>7.1f} | {p95:>7.1f} | {r95:>7.1f} | {p95 / r95:>5.2f} |")
        if args.explain:
            qs = selectors.case_list(user, view=view)[: PAGE + 1]
            print(qs.explain())
    print(f"worst p95 {worst:.0f} ms (target < 100 ms)")
    if worst >= 100 and args.cases >= 1_000_000:
        sys.exit(1)


if __name__ == "__main__":
    main()
