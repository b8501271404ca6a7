"""Benchmark the process centre's figures: `map_figures()` for the whole map over 1M deals and 1M
leads and their step visits (about 2.3M), next to the raw SQL of the same aggregation.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL), or alone with
DATABASE_URL set. The deals and leads are seeded by the MO and ML benchmarks' bulk paths (COPY on
PostgreSQL); the visits are written by one INSERT … SELECT per kind of visit, in the database.
Target (#17): the whole map's figures in < 1 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from leads import seed_leads  # noqa: E402 - benchmarks/leads.py: the ML benchmark's bulk seeding
from opportunities import seed as seed_deals  # noqa: E402 - benchmarks/opportunities.py

from ltc.leads.models import Lead  # noqa: E402
from ltc.opportunities.models import GateOutcome, Opportunity  # noqa: E402
from ltc.process.metrics import SORT_MEMORY, map_figures, window_start  # noqa: E402
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode, StepVisit  # noqa: E402

WEEKS = 12


def bind(pipeline: Any) -> dict[str, int]:
    """Bind the lead statuses to the first L2 group's L3 steps and the deal stages to the second's
    (the shipped map, whatever the demo binds), as a company would."""
    ProcessBinding.objects.all().delete()
    groups = list(ProcessNode.objects.filter(level=2, active=True).order_by("order", "code")[:2])
    ml, mo = (list(ProcessNode.objects.filter(parent=g, active=True).order_by("order", "code")) for g in groups)
    nodes = {"new": ml[0].pk, "work": ml[1].pk}
    for status, node in (("new", ml[0]), ("verifying", ml[1]), ("qualified", ml[1])):
        ProcessBinding.objects.create(node=node, kind=BindingKind.LEAD_STATUS, key=status)
    for i, stage in enumerate(pipeline.stages.order_by("order")):
        node = mo[min(i, len(mo) - 1)]
        ProcessBinding.objects.create(node=node, kind=BindingKind.STAGE, key=str(stage.pk))
        nodes[f"stage{stage.pk}"] = node.pk
    return nodes


def seed_visits(nodes: dict[str, int]) -> None:
    """Each lead stood in its first step from its creation for (id mod 240) hours, then (verifying,
    qualified: its first visit names the second as its next step) stands in the second; each deal stood in its stage's step since (id mod 120) days
    ago (open: still there; closed: left after (id mod 30) days)."""
    if StepVisit.objects.exists():
        return
    lead_type = ContentType.objects.get_for_model(Lead).pk
    deal_type = ContentType.objects.get_for_model(Opportunity).pk
    table = StepVisit._meta.db_table
    pg = connection.vendor == "postgresql"

    def plus(column: str, amount: str, unit: str) -> str:
        if pg:
            return f"{column} + ({amount}) * interval '1 {unit}'"
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {column}, ({amount}) || ' {unit}s')"

    now = timezone.now()
    left = plus("created_at", "id %% 240", "hour")
    stage_case = " ".join(f"WHEN {key[5:]} THEN {pk}" for key, pk in nodes.items() if key.startswith("stage"))
    since = plus("%s", "-(id %% 120)", "day")
    until = plus("%s", "-(id %% 120) + (id %% 30)", "day")
    statements: list[tuple[str, list[Any]]] = [
        (
            f"INSERT INTO {table} (node_id, content_type_id, object_id, entered_at, left_at, seconds, next_node_id) "  # noqa: S608
            f"SELECT %s, %s, id, created_at, CASE WHEN status = 'new' THEN NULL ELSE {left} END, "
            "CASE WHEN status = 'new' THEN NULL ELSE (id %% 240) * 3600 END, "
            "CASE WHEN status IN ('verifying', 'qualified') THEN %s END FROM leads_lead",
            [nodes["new"], lead_type, nodes["work"]],
        ),
        (
            f"INSERT INTO {table} (node_id, content_type_id, object_id, entered_at) "  # noqa: S608
            f"SELECT %s, %s, id, {left} FROM leads_lead WHERE status IN ('verifying', 'qualified')",
            [nodes["work"], lead_type],
        ),
        (
            f"INSERT INTO {table} (node_id, content_type_id, object_id, entered_at, left_at, seconds) "  # noqa: S608
            f"SELECT CASE stage_id {stage_case} END, %s, id, {since}, "
            f"CASE WHEN status = 'open' THEN NULL ELSE {until} END, "
            "CASE WHEN status = 'open' THEN NULL ELSE (id %% 30) * 86400 END FROM opportunities_opportunity",
            [deal_type, now, now],
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def seed_gate_outcomes() -> None:
    """One deal in 20 met open gate items on a move out of its stage, (id mod 120) days ago: one in
    five of them passed by override, the others refused; each names every item of its stage, one
    in two also the missing FR. (The contract evaluations naming steps stay empty: this benchmark
    seeds no contracts; their figure is one grouped query on its own index.)"""
    if GateOutcome.objects.exists():
        return
    gate, missing = GateOutcome._meta.db_table, GateOutcome.missing.through._meta.db_table
    at = (
        "%s + -(id %% 120) * interval '1 day'"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, -(id %% 120) || ' days')"
    )
    statements: list[tuple[str, list[Any]]] = [
        (
            f"INSERT INTO {gate} (opportunity_id, from_stage_id, to_stage_id, actor_id, at, outcome, reason, "  # noqa: S608
            f"fr_missing) SELECT id, stage_id, stage_id, owner_id, {at}, "
            "CASE WHEN id %% 100 = 0 THEN 'overridden' ELSE 'refused' END, '', id %% 40 = 0 "
            "FROM opportunities_opportunity WHERE id %% 20 = 0",
            [timezone.now()],
        ),
        (
            f"INSERT INTO {missing} (gateoutcome_id, stagerequirement_id) SELECT g.id, r.id FROM {gate} g "  # noqa: S608
            "JOIN opportunities_stagerequirement r ON r.stage_id = g.from_stage_id",
            [],
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params or None)


def settle() -> None:
    """Vacuum and analyse the step log, as autovacuum would after a bulk write (a seed, the 0002
    migration's fill): the figures' index-only scans need the visibility map set."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        for model in (StepVisit, GateOutcome, GateOutcome.missing.through):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def raw_figures() -> None:
    """The same aggregation as map_figures(), as hand-written SQL (PostgreSQL or SQLite): the same
    nine statements, each read through the step log's indexes (node_id leads every range) or the
    gate outcomes' (from_stage_id leads)."""
    now = timezone.now()
    since = window_start(WEEKS, now)
    t = StepVisit._meta.db_table
    pg = connection.vendor == "postgresql"
    weeks = [since + timedelta(days=7 * i) for i in range(WEEKS)]
    bounds = [v for pair in zip(weeks, [*weeks[1:], now], strict=True) for v in pair]
    with connection.cursor() as cursor:
        cursor.execute('SELECT id, parent_id, "order", code FROM process_processnode WHERE active')
        ids = [row[0] for row in cursor.fetchall()]
    nodes = f"v.node_id IN ({', '.join(str(int(i)) for i in ids)})"
    weeks_table = "(" + " UNION ALL ".join(f"SELECT {w} AS w, %s AS s, %s AS e" for w in range(WEEKS)) + ") k"
    percentiles = (
        f"SELECT node_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "  # noqa: S608
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FROM {t} v WHERE {nodes} AND left_at >= %s "
        f"AND left_at < %s AND (SELECT set_config('work_mem', '{SORT_MEMORY}', true)) IS NOT NULL GROUP BY node_id"
        if pg
        else f"SELECT node_id, seconds, ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY seconds), "  # noqa: S608
        f"COUNT(*) OVER (PARTITION BY node_id) FROM {t} v WHERE {nodes} AND left_at >= %s AND left_at < %s"
    )
    queries: list[tuple[str, list[Any]]] = [
        (
            f"SELECT v.node_id, -1, COUNT(*) FROM {t} v WHERE {nodes} AND v.left_at IS NULL GROUP BY 1 "  # noqa: S608
            f"UNION ALL SELECT v.node_id, k.w, COUNT(*) FROM {weeks_table} JOIN {t} v ON v.entered_at >= k.s "
            f"AND v.entered_at < k.e WHERE {nodes} GROUP BY 1, 2",
            bounds,
        ),
        (
            f"SELECT v.node_id, v.next_node_id, k.w, COUNT(*) FROM {weeks_table} JOIN {t} v "  # noqa: S608
            f"ON v.left_at >= k.s AND v.left_at < k.e WHERE {nodes} GROUP BY 1, 2, 3",
            bounds,
        ),
        (percentiles, [since, now]),
        ("SELECT kind, key, node_id FROM process_processbinding", []),
        (
            "SELECT status, COUNT(*) FROM leads_lead WHERE status IN ('new', 'verifying', 'qualified') "
            "AND first_contact_due_at < %s AND first_contacted_at IS NULL GROUP BY status",
            [now],
        ),
        ("SELECT COUNT(*), AVG(signing_score), AVG(fulfilment_score) FROM contracts_evaluation", []),
        (
            "SELECT g.from_stage_id, g.outcome, g.actor_id, COUNT(*) FROM opportunities_gateoutcome g "
            "WHERE g.at >= %s AND g.at < %s GROUP BY 1, 2, 3 UNION ALL "
            "SELECT g.from_stage_id, g.outcome, m.stagerequirement_id, COUNT(*) FROM opportunities_gateoutcome g "
            "JOIN opportunities_gateoutcome_missing m ON m.gateoutcome_id = g.id "
            "WHERE g.at >= %s AND g.at < %s GROUP BY 1, 2, 3 UNION ALL "
            "SELECT g.from_stage_id, g.outcome, 0, COUNT(*) FROM opportunities_gateoutcome g "
            "WHERE g.at >= %s AND g.at < %s AND g.fr_missing GROUP BY 1, 2",
            [since, now] * 3,
        ),
        ("SELECT node_id, COUNT(*), AVG(score) FROM process_evaluationstep GROUP BY node_id", []),
    ]
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params or None)
            cursor.fetchall()


def _timed(calls: list[Any], runs: int) -> list[list[float]]:
    """Sorted milliseconds of each call, the calls taking turns (a shared machine's load falls on
    both alike)."""
    samples: list[list[float]] = [[] for _ in calls]
    for call in calls:
        call()
    for _ in range(runs):
        for call, times in zip(calls, samples, strict=True):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
    return [sorted(times) for times in samples]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    start = time.perf_counter()
    pipeline = seed_deals(args.deals, args.deals // 10, random.Random(5))
    seed_leads(args.leads, random.Random(3))
    nodes = bind(pipeline)
    seed_visits(nodes)
    seed_gate_outcomes()
    settle()
    visits = StepVisit.objects.count()
    print(
        f"seeded {Opportunity.objects.count():,} deals, {Lead.objects.count():,} leads, {visits:,} visits, "
        f"{GateOutcome.objects.count():,} gate outcomes "
        f"in {time.perf_counter() - start:.0f} s",
        file=sys.stderr,
    )
    with CaptureQueriesContext(connection) as queries:
        figures = map_figures(weeks=WEEKS)
    before = os.getloadavg()
    ours, raw = _timed([lambda: map_figures(weeks=WEEKS), raw_figures], args.runs)
    load = [max(a, b) for a, b in zip(before, os.getloadavg(), strict=True)]  # the busier of before and after
    ratio = statistics.median(ours) / statistics.median(raw)
    if connection.vendor != "postgresql":
        verdict = "— (the target is for PostgreSQL)"
    else:
        verdict = "PASS" if ours[-1] < 1000 else "FAIL (target < 1 s)"
    print(f"\n### {connection.vendor} — process")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    print(
        f"| map_figures() for {len(figures)} nodes over {Opportunity.objects.count():,} deals, "
        f"{Lead.objects.count():,} leads, {visits:,} visits, {GateOutcome.objects.count():,} gate outcomes "
        f"({WEEKS} weeks) | "
        f"max {ours[-1]:.0f} ms (p50 {statistics.median(ours):.0f} ms), {len(queries)} queries | "
        f"raw SQL of the same aggregation p50 {statistics.median(raw):.0f} ms (ratio {ratio:.2f}); "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs | {verdict} |"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
