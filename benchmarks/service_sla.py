"""Benchmark the SLA sweep (SLA 巡检, issue #20): `sla_sweep()` over 100k open cases — warnings,
breaches escalated to the team manager, their timeline entries, notifications and outbox events —
and a second run that must find nothing new; next to the raw SQL that records the same events and
states (INSERT … SELECT … ON CONFLICT DO NOTHING and UPDATE per clock) in the same run.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL), or alone with
DATABASE_URL set: `python benchmarks/service_sla.py --cases 100000 [--reuse]`. Cases are seeded with
`ltc.core.bulk.bulk_insert` (COPY on PostgreSQL); before each timed run the sweep's effects are
undone (not timed). Target (#20): < 5 s, the second run records nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.core.bulk import bulk_insert  # noqa: E402
from ltc.core.models import IntegrationEvent, Notification, TimelineEvent  # noqa: E402
from ltc.customers.models import Account  # noqa: E402
from ltc.org.models import Role, Team, User  # noqa: E402
from ltc.service.models import Case, CaseSlaEvent  # noqa: E402
from ltc.service.services.sla_sweep import sla_sweep  # noqa: E402
from ltc.web.demo import seed_scale  # noqa: E402

TEAMS = 4
AGENTS_PER_TEAM = 10


def staff() -> tuple[list[int], list[int], dict[int, int]]:
    """The bench's service teams, their managers and agents: (team ids, agent ids, agent → team)."""
    role, _ = Role.objects.get_or_create(code="service")
    teams, agents, team_of = [], [], {}
    for t in range(TEAMS):
        manager, made = User.objects.get_or_create(
            username=f"svcmgr{t}", defaults={"display_name": f"服务经理{t}", "email": f"svcmgr{t}@bench.cn"}
        )
        if made:
            manager.roles.add(role)
        team, _ = Team.objects.get_or_create(name=f"服务{t}组", defaults={"manager": manager})
        if manager.team_id != team.pk:
            manager.team = team
            manager.save(update_fields=["team"])
        teams.append(team.pk)
        for a in range(AGENTS_PER_TEAM):
            agent, made = User.objects.get_or_create(
                username=f"svc{t}_{a}",
                defaults={"display_name": f"客服{t}-{a}", "email": f"svc{t}_{a}@bench.cn", "team": team},
            )
            if made:
                agent.roles.add(role)
            agents.append(agent.pk)
            team_of[agent.pk] = team.pk
    return teams, agents, team_of


def case_rows(total: int, *, start: int, now: datetime, open_share: float, rng: random.Random) -> tuple[list[str], Any]:
    """Case columns and a generator of rows: `open_share` of them open in five SLA situations
    (running, response due soon, response breached with resolution due soon, waiting on the
    customer past due, responded with the resolution breached), the rest resolved or closed."""
    if Account.objects.count() < 2000:
        seed_scale(scale=2000)
    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True)[:2000])
    _teams, agents, team_of = staff()
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    template = Case()
    base = {f.attname: getattr(template, f.attname) for f in fields}
    names = [f.attname for f in fields]
    minute = timedelta(minutes=1)

    def rows() -> Any:
        for n in range(start, start + total):
            owner = rng.choice(agents) if n % 20 else None
            team = team_of[owner] if owner else rng.choice(list(team_of.values()))
            values = dict(base)
            opened = now - (rng.randint(60, 60 * 24 * 700) * minute)
            values.update(
                number=f"CS-B-{n:07d}",
                thread_key=f"bench-{n}",
                account_id=accounts[n % len(accounts)],
                subject=f"设备故障 {n}",
                priority=("P1", "P2", "P3", "P4")[n % 4],
                owner_id=owner,
                team_id=team,
                opened_at=opened,
                created_at=opened,
                updated_at=opened,
                response_sla="running",
                resolution_sla="running",
            )
            if rng.random() >= open_share:
                values.update(
                    status=("resolved", "closed", "closed")[n % 3],
                    first_response_at=opened + 30 * minute,
                    first_response_due=opened + 60 * minute,
                    response_warn_at=opened + 45 * minute,
                    resolution_due=now + rng.randint(-60 * 24 * 700, 60 * 24 * 7) * minute,
                    resolved_at=opened + 600 * minute,
                    response_sla="met",
                    resolution_sla="met",
                )
                values["resolution_warn_at"] = values["resolution_due"] - 60 * minute
                yield tuple(values[name] for name in names)
                continue
            kind = n % 10
            response_due, resolution_due = 120, 900  # minutes from now
            if kind in (4, 5):
                response_due = 30  # warned: due soon
            elif kind in (6, 7):
                response_due, resolution_due = -100, 30  # response breached, resolution due soon
            elif kind == 8:
                response_due, resolution_due = -100, -10  # waiting on the customer: never swept
                values.update(status="waiting", paused_at=now - 200 * minute)
            elif kind == 9:
                response_due, resolution_due = -300, -10  # responded; resolution breached
                values.update(first_response_at=now - 400 * minute, response_sla="met")
            values.setdefault("status", "new")
            if values["status"] not in ("waiting",):
                values["status"] = ("new", "in_progress")[n % 2]
            values.update(
                first_response_due=now + response_due * minute,
                response_warn_at=now + (response_due - 60) * minute,
                resolution_due=now + resolution_due * minute,
                resolution_warn_at=now + (resolution_due - 120) * minute,
            )
            yield tuple(values[name] for name in names)

    return names, rows()


def seed(total: int, *, open_share: float, now: datetime) -> None:
    rng = random.Random(20)
    have = Case.objects.filter(number__startswith="CS-B-").count()
    chunk = 50_000
    while have < total:
        count = min(chunk, total - have)
        names, rows = case_rows(count, start=have, now=now, open_share=open_share, rng=rng)
        with transaction.atomic():
            bulk_insert(Case, names, rows)
        have += count
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def undo(now: datetime) -> None:
    """Put the cases back as seeded: the sweep's events, timeline, notifications and outbox rows go."""
    case_type = ContentType.objects.get_for_model(Case)
    with transaction.atomic():
        CaseSlaEvent.objects.all().delete()
        TimelineEvent.objects.filter(content_type=case_type, at=now).delete()
        Notification.objects.filter(content_type=case_type, created_at=now).delete()
        IntegrationEvent.objects.filter(subject_type="service.case", kind__startswith="case.sla").delete()
        Case.objects.filter(number__startswith="CS-B-", response_sla__in=["warning", "breached"]).update(
            response_sla="running"
        )
        Case.objects.filter(number__startswith="CS-B-", resolution_sla__in=["warning", "breached"]).update(
            resolution_sla="running"
        )
        Case.objects.filter(number__startswith="CS-B-", escalated_at__isnull=False).update(
            escalated_at=None, escalated_to=None
        )
    with connection.cursor() as cursor:
        # What autovacuum does between two sweeps in production: the row versions this reset left
        # behind are cleared, so the next sweep finds room on the pages (HOT updates).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


RAW_CLOCKS = (
    # (state column, warn column, due column, extra condition, warning kind, breach kind)
    ("response_sla", "response_warn_at", "first_response_due", "AND first_response_at IS NULL", "response"),
    ("resolution_sla", "resolution_warn_at", "resolution_due", "", "resolution"),
)


def raw_sweep(now: datetime) -> int:
    """The same events and states in plain set-based SQL (no notifications, timeline or outbox)."""
    inserted = 0
    open_ = "status IN ('new', 'in_progress')"
    with transaction.atomic(), connection.cursor() as cursor:
        for state, warn, due, extra, name in RAW_CLOCKS:
            for kind, when, new_state, states in (
                (f"{name}_breach", f"{due} <= %s", "breached", "('running', 'warning')"),
                (f"{name}_warning", f"{due} > %s AND {state} = 'running'", "warning", "('running')"),
            ):
                where = f"{open_} AND {state} IN {states} AND {warn} <= %s AND {when} {extra}"
                cursor.execute(
                    "INSERT INTO service_caseslaevent (case_id, kind, due_at, found_at, notified_id) "  # noqa: S608
                    f"SELECT id, %s, {due}, %s, owner_id FROM service_case WHERE {where} "
                    "ON CONFLICT (case_id, kind, due_at) DO NOTHING",
                    [kind, now, now, now],
                )
                inserted += cursor.rowcount
                cursor.execute(f"UPDATE service_case SET {state} = %s WHERE {where}", [new_state, now, now])  # noqa: S608
    return inserted


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(int(len(ordered) * share + 0.5) - 1, 0))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the cases already seeded at this size")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    start = time.perf_counter()
    seed(args.cases, open_share=1.0, now=now)
    seeded = time.perf_counter() - start
    stamp = now
    sweeps, seconds, raws = [], [], []
    result = None
    for i in range(args.repeat):
        # A fresh `now` past the seeded times each round (rows written with it are undone after).
        stamp = now + timedelta(seconds=i + 1)
        undo(stamp)
        t = time.perf_counter()
        result = sla_sweep(now=stamp)
        sweeps.append(time.perf_counter() - t)
        t = time.perf_counter()
        again = sla_sweep(now=stamp)
        seconds.append(time.perf_counter() - t)
        assert (again.warned, again.breached, again.escalated) == (0, 0, 0), again
        undo(stamp)
        t = time.perf_counter()
        raw_count = raw_sweep(stamp)
        raws.append(time.perf_counter() - t)
        assert raw_count == result.warned + result.breached, (raw_count, result)
        undo(stamp)
    assert result is not None
    print(
        f"\n{connection.vendor}: {Case.objects.filter(number__startswith='CS-B-').count():,} open cases "
        f"({'reused' if args.reuse else f'seeded in {seeded:,.0f} s'}); each run: {result.warned:,} warned, "
        f"{result.breached:,} breached, {result.escalated:,} escalated"
    )
    print(f"| {'operation':<44} | {'p50 s':>6} | {'p95 s':>6} |")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 8}|")
    for label, samples in (
        ("sla_sweep() (events, timeline, notices, outbox)", sweeps),
        ("second run (nothing new)", seconds),
        ("raw SQL (events and states only)", raws),
    ):
        print(f"| {label:<44} | {statistics.median(samples):>6.2f} | {percentile(samples, 0.95):>6.2f} |")
    ratio = statistics.median(sweeps) / statistics.median(raws)
    print(f"sweep / raw SQL: {ratio:.1f}×; target < 5 s, second run records nothing")
    if percentile(sweeps, 0.95) >= 5.0 and args.cases >= 100_000:
        sys.exit(1)


if __name__ == "__main__":
    main()
