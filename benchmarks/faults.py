"""Fault benchmark (#15): kill the worker with SIGKILL in the middle of a lead import, an invoice run
and a bulk reminder e-mail, start it again, and check the job finishes with no duplicate and no gap.

Real processes: each scenario queues its job on the database task queue (django_tasks_db, the
default settings), starts `.venv/bin/ltc worker` in its own process group, waits until the job is
visibly half done, kills the group with SIGKILL, checks what the dead worker left, starts a new
worker (which runs `recover_jobs` first), waits for the job to finish and stops it with SIGTERM.

Mail is delivered by Django's file backend, so a mail sent twice is seen twice. The settings do not
read EMAIL_FILE_PATH from the environment, so the workers run `ltc.settings` through a two-line
module written into LTC_VAR_DIR that adds it (nothing else differs).

Run through benchmarks/faults.sh (a throwaway PostgreSQL; `--sqlite` adds a SQLite file database).
Needs DATABASE_URL and LTC_VAR_DIR. Exits 1 when a check fails. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import csv
import email
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LTC = ROOT / ".venv" / "bin" / "ltc"
VAR_DIR = Path(os.environ["LTC_VAR_DIR"]).resolve()
SETTINGS_SHIM = "faults_settings"


# --- the worker process ----------------------------------------------------------------------


def _write_settings_shim() -> None:
    (VAR_DIR / f"{SETTINGS_SHIM}.py").write_text(
        'import os\nfrom ltc.settings import *  # noqa: F403\nEMAIL_FILE_PATH = os.environ["FAULTS_MAIL_DIR"]\n'
    )


class Worker:
    """`ltc worker` in its own session; killed or stopped as a process group."""

    def __init__(self, name: str, mail_dir: Path) -> None:
        self.log = VAR_DIR / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS_SHIM,
            "PYTHONPATH": f"{VAR_DIR}{os.pathsep}{ROOT}",
            "LTC_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "FAULTS_MAIL_DIR": str(mail_dir),
            "PYTHONUNBUFFERED": "1",
        }
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command
                [str(LTC), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pid = self.proc.pid

    def group(self) -> list[int]:
        """The processes of the worker's group (db_worker forks only with --reload, i.e. DEBUG)."""
        out = subprocess.run(["ps", "-o", "pid=", "-g", str(self.pid)], capture_output=True, text=True)  # noqa: S607
        return [int(p) for p in out.stdout.split()]

    def kill(self) -> None:
        os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait()  # reaped: a zombie would still answer kill(pid, 0) and look alive

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait(what: str, ready: Callable[[], bool], timeout: float, worker: Worker, poll: float = 0.02) -> float:
    start = time.perf_counter()
    while not ready():
        if worker.proc.poll() is not None:
            raise RuntimeError(f"the worker exited ({worker.proc.returncode}) before {what}:\n{worker.tail()}")
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}:\n{worker.tail()}")
        time.sleep(poll)
        close_old_connections()
    return time.perf_counter() - start


STALE: set[Any] = set()  # task results left RUNNING by a killed worker (db_worker never revisits them)


def _queue_idle() -> bool:
    from django_tasks_db.models import DBTaskResult

    return not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exclude(pk__in=STALE).exists()


def _mark_stale() -> int:
    from django_tasks_db.models import DBTaskResult

    running = set(DBTaskResult.objects.filter(status="RUNNING").values_list("pk", flat=True))
    new = running - STALE
    STALE.update(new)
    return len(new)


def _leases() -> list[tuple[str, str]]:
    from ltc.core.models import JobLease

    return list(JobLease.objects.values_list("key", "holder"))


# --- results ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: str
    at_kill: str = ""
    after: str = ""
    duplicates: str = ""
    gaps: str = ""
    finish: str = ""
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.failures.append(message)


def _run_scenario(
    outcome: Outcome,
    *,
    mail_dir: Path,
    enqueue: Callable[[], object],
    progress: Callable[[], tuple[int, int]],
    kill_at: float,
    unit: str,
    lease_key: str,
    done: Callable[[], bool],
    timeout: float,
    half_done: Callable[[], str] = lambda: "",
    cron: Callable[[], None] | None = None,
) -> Worker:
    """Start, kill mid-way, restart and wait; returns the second (stopped) worker. `progress` answers
    (done so far, total); the kill comes once done/total passes `kill_at`, half a commit later."""
    enqueue()
    first = Worker(f"{outcome.scenario}-1", mail_dir)
    samples: list[tuple[float, int]] = []

    def passed() -> bool:
        now, total = progress()
        if not samples or samples[-1][1] != now:
            samples.append((time.perf_counter(), now))
        return total > 0 and now >= kill_at * total

    _wait("the job to be half done", passed, timeout, first)
    # Half a commit interval later: the worker is inside a chunk, with uncommitted work.
    steps = [b[0] - a[0] for a, b in zip(samples[1:], samples[2:], strict=False)]
    if steps:
        time.sleep(min(steps) / 2)
    group = first.group()
    first.kill()
    into = time.perf_counter() - samples[-1][0]
    outcome.at_kill = f"pid group {group} killed {into:.2f} s after the last commit"
    outcome.at_kill += f" (commits {min(steps):.2f} s apart); " if steps else "; "
    outcome.check(lease_key in [k for k, _h in _leases()], f"no lease {lease_key} left by the killed worker")
    holder = dict(_leases()).get(lease_key, "")
    outcome.check(f":{first.pid}:" in holder, f"the lease is not the killed worker's: {holder}")
    stale = _mark_stale()
    now, total = progress()
    outcome.at_kill += f"{now:,} of {total:,} {unit} ({100 * now / max(total, 1):.0f}%), lease held"
    outcome.check(0 < now < total, f"not half done at the kill: {now} of {total}")
    outcome.at_kill += f", {stale} task result left RUNNING"
    problem = half_done()
    outcome.check(not problem, f"at the kill: {problem}")
    if mail_dir.exists():
        outcome.at_kill += f", {_mail_files_count(mail_dir):,} mails written by the backend"
    start = time.perf_counter()
    second = Worker(f"{outcome.scenario}-2", mail_dir)
    crons = 0
    try:
        _wait("the new worker's recovery", lambda: "recovered:" in second.log.read_text(errors="replace"), 60, second)
        recovered = second.log.read_text(errors="replace").partition("recovered:")[2].splitlines()[0].strip()
        outcome.after = f"restart recovered: {recovered}; "
        deadline = start + timeout
        while not (done() and _queue_idle()):
            if second.proc.poll() is not None:
                raise RuntimeError(f"the new worker exited ({second.proc.returncode}):\n{second.tail()}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"timed out after {timeout:.0f} s waiting for the job to finish:\n{second.tail()}")
            if cron is not None and _queue_idle() and not done() and time.perf_counter() - start > 3 * (crons + 1):
                cron()  # what the schedule (cron, every few minutes) does; counted in the table
                crons += 1
            time.sleep(0.1)
            close_old_connections()
        outcome.finish = f"{time.perf_counter() - start:.1f} s"
        if crons:
            outcome.finish += f" ({crons} scheduled run{'s' if crons > 1 else ''} more)"
    finally:
        code = second.stop()
    outcome.check(code == 0, f"the new worker did not stop cleanly on SIGTERM (exit {code})")
    outcome.check(not _leases(), f"leases left after the job: {_leases()}")
    outcome.check(lease_key in recovered, f"the restart did not take back {lease_key}: {recovered}")
    return second


# --- 1. lead import --------------------------------------------------------------------------

REJECT_EVERY = 23  # every 23rd row has an unknown region, every 31st a bad mobile: rejected


def _import_csv(rows: int) -> tuple[bytes, set[int]]:
    lines = ["公司名称,联系人,手机,邮箱,区域"]
    rejected = set()
    regions = ["华东", "华北", "华南", "西南"]
    for n in range(rows):
        region, mobile = regions[n % 4], f"139{n:08d}"
        if n % REJECT_EVERY == 5:
            region = "火星"
        elif n % 31 == 7:
            mobile = "12345"
        if region == "火星" or mobile == "12345":
            rejected.add(n + 2)  # the file's line: the header is line 1
        lines.append(f"故障测试{n}号有限公司,联系人{n},{mobile},f{n}@faults.cn,{region}")
    return ("\n".join(lines) + "\n").encode("utf-8"), rejected


def scenario_import(rows: int, timeout: float) -> Outcome:
    from ltc.leads import services
    from ltc.leads.models import Lead, LeadImport
    from ltc.leads.services import imports
    from ltc.web.demo import ensure_organisation

    outcome = Outcome(f"lead import, {rows:,} rows")
    marketing = ensure_organisation()["sun"]
    data, expected_rejects = _import_csv(rows)
    batch = services.lead_import_upload(actor=marketing, name="faults.csv", data=data)
    mapping = {
        "公司名称": "company_name",
        "联系人": "contact_name",
        "手机": "mobile",
        "邮箱": "email",
        "区域": "region",
    }

    def enqueue() -> None:
        services.lead_import_start(actor=marketing, batch=batch, mapping=mapping, duplicate_policy="skip")

    def progress() -> tuple[int, int]:
        b = LeadImport.objects.only("processed_rows", "total_rows").get(pk=batch.pk)
        return b.processed_rows, b.total_rows or rows

    def done() -> bool:
        status = LeadImport.objects.values_list("status", flat=True).get(pk=batch.pk)
        if status == "failed":
            raise RuntimeError("the import failed")
        return status == "done"

    def half_done() -> str:
        b = LeadImport.objects.get(pk=batch.pk)
        in_db = Lead.objects.filter(import_batch=batch).count()
        if b.status != "running" or in_db != b.created_count or b.processed_rows % imports.CHUNK:
            return f"{b.status}, {in_db} leads for {b.created_count} counted, {b.processed_rows} processed"
        return ""

    _run_scenario(
        outcome,
        mail_dir=VAR_DIR / "mail-import",
        enqueue=enqueue,
        half_done=half_done,
        progress=progress,
        kill_at=0.3,
        unit="rows committed",
        lease_key=f"lead-import:{batch.pk}",
        done=done,
        timeout=timeout,
    )
    b = LeadImport.objects.get(pk=batch.pk)
    leads = Lead.objects.filter(import_batch=b)
    names = Counter(leads.values_list("company_name", flat=True))
    twice = sum(n - 1 for n in names.values() if n > 1)
    with open(b.rejected_path, encoding="utf-8-sig") as handle:
        lines = [int(row[0]) for row in list(csv.reader(handle))[1:] if row]
    line_counts = Counter(lines)
    rejected_twice = sum(n - 1 for n in line_counts.values() if n > 1)
    missing_leads = rows - len(expected_rejects) - len(names)
    missing_rejects = len(expected_rejects - set(line_counts))
    outcome.after += (
        f"{b.status}; {b.created_count:,} created + {b.rejected_count:,} rejected = "
        f"{b.created_count + b.rejected_count:,} rows; {leads.count():,} leads in the batch"
    )
    outcome.duplicates = f"{twice} names twice, {rejected_twice} reject lines twice"
    outcome.gaps = f"{missing_leads} leads, {missing_rejects} reject lines missing"
    outcome.check(b.status == "done", f"status {b.status}")
    outcome.check(b.total_rows == b.processed_rows == rows, f"processed {b.processed_rows} of {b.total_rows}")
    outcome.check(b.created_count + b.rejected_count == rows, "created + rejected != rows")
    outcome.check(b.skipped_count == 0 and b.updated_count == 0, "rows skipped or updated (the file has no duplicates)")
    outcome.check(leads.count() == b.created_count, f"{leads.count()} leads in the batch, {b.created_count} counted")
    outcome.check(
        b.rejected_count == len(expected_rejects), f"{b.rejected_count} rejected, {len(expected_rejects)} bad"
    )
    outcome.check(twice == 0 and missing_leads == 0, "a company imported twice or missing")
    outcome.check(sorted(lines) == sorted(expected_rejects), "the rejected file is not each bad line once")
    outcome.check(
        set(names) == {f"故障测试{n}号有限公司" for n in range(rows) if n + 2 not in expected_rejects},
        "the imported names are not the good rows",
    )
    return outcome


# --- 2. invoice run --------------------------------------------------------------------------


def _due_lines(contract_ids: list[int]) -> list[int]:
    from ltc.billing.models import BillingLine
    from ltc.core.bulk import bulk_insert, next_ids

    today = timezone.localdate()
    fields: tuple[str, ...] = ("id", "contract_id", "contract_version", "position", "label", "trigger", "days")
    fields += ("percent", "amount", "currency", "expected_on", "status", "created_at")
    made: list[int] = []
    for start in range(0, len(contract_ids), 10_000):
        part = contract_ids[start : start + 10_000]
        with transaction.atomic():
            ids = next_ids(BillingLine, len(part))
            rows = [
                (
                    pk,
                    c,
                    1,
                    1,
                    "合同款",
                    "date",
                    30,
                    Decimal(30),
                    Decimal("996.00"),
                    "CNY",
                    today - timedelta(days=pk % 30),
                )
                + ("planned", timezone.now())
                for pk, c in zip(ids, part, strict=True)
            ]
            bulk_insert(BillingLine, fields, rows)
            made += ids
    return made


def scenario_invoices(lines_wanted: int, timeout: float) -> Outcome:
    from django.db.models import Count

    from ltc.billing.models import BillingLine, Invoice
    from ltc.billing.tasks import run_invoices

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from billing import signed_contracts  # the billing benchmark's seed

    outcome = Outcome(f"invoice run, {lines_wanted:,} due lines")
    started = time.perf_counter()
    lines = _due_lines(signed_contracts(lines_wanted))
    print(f"  seeded {len(lines):,} due lines in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    planned_before = BillingLine.objects.filter(status="planned").exclude(pk__in=lines).count()
    outcome.check(planned_before == 0, f"{planned_before} other planned lines would also be billed")
    mine = Invoice.objects.filter(billing_line__in=lines)

    def progress() -> tuple[int, int]:
        return mine.count(), len(lines)

    def done() -> bool:
        return not BillingLine.objects.filter(pk__in=lines, status="planned").exists()

    def half_done() -> str:
        made = mine.count()
        invoiced = BillingLine.objects.filter(pk__in=lines, status="invoiced").count()
        lines_billed = mine.values("billing_line").distinct().count()
        return "" if made == invoiced == lines_billed else f"{made} invoices, {invoiced} lines invoiced"

    _run_scenario(
        outcome,
        mail_dir=VAR_DIR / "mail-invoices",
        half_done=half_done,
        enqueue=lambda: run_invoices.enqueue(),
        progress=progress,
        kill_at=0.3,
        unit="lines invoiced",
        lease_key="invoice-run",
        done=done,
        timeout=timeout,
    )
    per_line = Counter(
        dict(mine.values("billing_line").annotate(n=Count("pk")).values_list("billing_line", "n").order_by())
    )
    twice = sum(n - 1 for n in per_line.values() if n > 1)
    not_invoiced = BillingLine.objects.filter(pk__in=lines).exclude(status="invoiced").count()
    without = len(set(lines) - set(per_line))
    drafts = mine.filter(status="draft").count()
    outcome.after += f"{drafts:,} drafts for {len(lines):,} lines; {len(lines) - not_invoiced:,} lines invoiced"
    outcome.duplicates = f"{twice} lines with two invoices"
    outcome.gaps = f"{without} lines without invoice, {not_invoiced} not marked invoiced"
    outcome.check(twice == 0, "a line invoiced twice")
    outcome.check(without == 0 and not_invoiced == 0, "a line left without invoice")
    outcome.check(drafts == len(lines) == mine.count(), f"{drafts} drafts for {len(lines)} lines")
    linked = BillingLine.objects.filter(pk__in=lines, invoice__billing_line_id__in=lines).count()
    outcome.check(linked == len(lines), f"{linked} lines point to their invoice")
    return outcome


# --- 3. reminders ----------------------------------------------------------------------------

MESSAGE_ID = re.compile(r"^Message-ID: *(\S+)", re.MULTILINE | re.IGNORECASE)


def _mail_ids(mail_dir: Path) -> Counter[str]:
    """Message-IDs of every mail the file backend wrote (a file holds one connection's mails)."""
    ids: Counter[str] = Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        for part in path.read_text(errors="replace").split("-" * 79):
            if part.strip():
                message = email.message_from_string(part.strip())
                if message["Message-ID"]:
                    ids[message["Message-ID"].strip()] += 1
    return ids


def _mail_files_count(mail_dir: Path) -> int:
    return sum(_mail_ids(mail_dir).values())


def scenario_reminders(count: int, timeout: float) -> Outcome:
    from ltc.core.models import Activity, OutgoingMail
    from ltc.customers.models import Account
    from ltc.web.demo import ensure_organisation

    outcome = Outcome(f"reminders, {count:,} activities")
    users = ensure_organisation()
    owners = [u for u in users.values() if u.email and u.is_active][:10]
    account = Account.objects.create(name="故障演练客户有限公司", owner=owners[0])
    from django.contrib.contenttypes.models import ContentType

    past = timezone.now() - timedelta(minutes=5)
    tag = f"故障演练{random.randrange(10**6)}"  # noqa: S311 - a label, not a secret
    first_mail = (OutgoingMail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    activities = Activity.objects.bulk_create(
        [
            Activity(
                content_type=ContentType.objects.get_for_model(Account),
                object_id=account.pk,
                kind="call",
                title=f"{tag} 回访 {i}",
                owner=owners[i % len(owners)],
                due_at=past + timedelta(hours=1),
                remind_at=past,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    ids = [a.pk for a in activities]
    reminders = OutgoingMail.objects.filter(pk__gte=first_mail, subject__contains=tag)
    mail_dir = VAR_DIR / "mail-reminders"

    def send_reminders() -> None:
        subprocess.run([str(LTC), "send_reminders"], check=True, capture_output=True)  # noqa: S603

    def progress() -> tuple[int, int]:
        return reminders.filter(sent_at__isnull=False).count(), reminders.count()

    def done() -> bool:
        return (
            not Activity.objects.filter(pk__in=ids, reminded_at__isnull=True).exists()
            and not reminders.filter(sent_at__isnull=True).exists()
        )

    def half_done() -> str:
        marked = Activity.objects.filter(pk__in=ids, reminded_at__isnull=False).count()
        on_disk = sum(_mail_ids(mail_dir).values())
        sent = reminders.filter(sent_at__isnull=False).count()
        if marked != reminders.count() or on_disk not in (sent, sent + 1):
            return f"{marked} activities marked, {reminders.count()} mails queued, {sent} sent, {on_disk} on disk"
        return ""

    _run_scenario(
        outcome,
        mail_dir=mail_dir,
        enqueue=send_reminders,
        half_done=half_done,
        progress=progress,
        kill_at=0.3,
        unit="mails of the first run's batch marked sent",
        lease_key="activity-reminders",
        done=done,
        timeout=timeout,
        cron=send_reminders,
    )
    on_disk = _mail_ids(mail_dir)
    queued = dict(reminders.values_list("message_id", "subject"))
    twice = {mid: n for mid, n in on_disk.items() if mid in queued and n > 1}
    never = [mid for mid in queued if mid not in on_disk]
    reminded = Activity.objects.filter(pk__in=ids, reminded_at__isnull=False).count()
    subjects = Counter(queued.values())
    outcome.after += (
        f"{reminded:,} of {count:,} reminded; {len(queued):,} mails queued, "
        f"{sum(n for mid, n in on_disk.items() if mid in queued):,} delivered"
    )
    outcome.duplicates = f"{sum(n - 1 for n in twice.values())} mails sent twice (same Message-ID)"
    outcome.gaps = f"{count - reminded} not reminded, {len(never)} mails never sent"
    outcome.check(reminded == count, f"{count - reminded} activities not reminded")
    outcome.check(len(queued) == count and len(subjects) == count, "not one mail per activity")
    outcome.check(not never, f"{len(never)} queued mails never delivered")
    outcome.check(not reminders.filter(sent_at__isnull=True).exists(), "mail left unsent")
    outcome.check(sum(twice.values()) - len(twice) <= 1, f"more than the one mail in flight went twice: {twice}")
    return outcome


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="lead import rows")
    parser.add_argument("--lines", type=int, default=20_000, help="due billing lines")
    parser.add_argument("--activities", type=int, default=3_000, help="due reminders")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each phase may take")
    parser.add_argument("--only", default="import,invoices,reminders")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    _write_settings_shim()
    outcomes = []
    scenarios: tuple[tuple[str, Callable[[], Outcome]], ...] = (
        ("import", lambda: scenario_import(args.rows, args.timeout)),
        ("invoices", lambda: scenario_invoices(args.lines, args.timeout)),
        ("reminders", lambda: scenario_reminders(args.activities, args.timeout)),
    )
    for name, run in scenarios:
        if name not in args.only.split(","):
            continue
        print(f"  {name} ...", file=sys.stderr)
        try:
            outcomes.append(run())
        except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
            failed = Outcome(name)
            failed.failures.append(f"{type(exc).__name__}: {exc}")
            outcomes.append(failed)
    print(f"\n### {connection.vendor} — a worker killed with SIGKILL mid-job, then started again")
    print("| scenario | state at the kill | result after the restart | duplicates | gaps | time to finish | verdict |")
    print("|---|---|---|---|---|---|---|")
    for o in outcomes:
        verdict = "pass" if not o.failures else "FAIL"
        print(f"| {o.scenario} | {o.at_kill} | {o.after} | {o.duplicates} | {o.gaps} | {o.finish} | {verdict} |")
    for o in outcomes:
        for failure in o.failures:
            print(f"FAIL {o.scenario}: {failure}")
    sys.stdout.flush()
    if any(o.failures for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
