"""A worker killed in the middle of a job: the restart finishes the job with no duplicate and no gap.

A kill is simulated by an exception no handler of the application catches (a `BaseException`, as
SIGKILL runs no handler either): the transaction in progress rolls back, what was committed
stays, and the job's lease is left behind as a dead worker leaves it. "Restarting the worker" is
`recover_jobs`, which `ltc worker` runs when it starts (tasks run inline in tests)."""

from __future__ import annotations

import csv
import socket
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from ltc.billing.choices import LineStatus
from ltc.billing.models import BillingLine, Invoice
from ltc.billing.services import invoice_run
from ltc.billing.tasks import run_invoices
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.activities import activity_create
from ltc.core.jobs import job_lease, jobs_recover
from ltc.core.mail import CLAIM_TIMEOUT, mail_deliver, mail_queue
from ltc.core.models import Activity, JobLease, OutgoingMail, TimelineEvent
from ltc.core.tasks import recover_jobs, send_activity_reminders
from ltc.leads import services
from ltc.leads.models import Lead, LeadImport
from ltc.leads.services import imports
from ltc.leads.tasks import run_lead_import

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The worker process dies here."""


def _after_lease() -> Any:
    return timezone.now() + settings.LTC_JOB_LEASE + timedelta(seconds=1)


def _as_worker(key: str, task: Any, args: list[Any], body: Any) -> Any:
    """The task's body as its worker runs it: under the job's lease."""
    with job_lease(key, task, args) as lease:
        assert lease is not None
        return body(lease.beat)


def _kill_on_call(n: int, real: Any) -> Any:
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n:
            raise Killed
        return real(*args, **kwargs)

    return wrapper


HEADER = "公司名称,联系人,邮箱,区域\n"
# Fourteen rows, chunks of three: rejected rows (unknown region, no name) fall in several chunks.
ROWS = [
    f"{name},联系人{i},c{i}@example.cn,{region}\n"
    for i, (name, region) in enumerate(
        [
            ("甲一有限公司", "华东"),
            ("甲二有限公司", "火星"),
            ("甲三有限公司", "华北"),
            ("甲四有限公司", "华东"),
            ("甲五有限公司", "月球"),
            ("甲六有限公司", "华南"),
            ("甲七有限公司", "火星"),
            ("甲八有限公司", "华东"),
            ("甲九有限公司", "华东"),
            ("甲十有限公司", "华北"),
            ("乙一有限公司", "火星"),
            ("乙二有限公司", "华东"),
            ("乙三有限公司", "华东"),
            ("乙四有限公司", "华南"),
        ]
    )
]
REJECTED_LINES = ["3", "6", "8", "12"]  # file lines (the header is line 1)
IMPORTED = {row.split(",")[0] for row in ROWS} - {"甲二有限公司", "甲五有限公司", "甲七有限公司", "乙一有限公司"}


def _queued_import(world: Any) -> LeadImport:
    data = (HEADER + "".join(ROWS)).encode("utf-8")
    batch = services.lead_import_upload(actor=world.marketing, name="leads.csv", data=data)
    mapping = {"公司名称": "company_name", "联系人": "contact_name", "邮箱": "email", "区域": "region"}
    services.lead_import_start(actor=world.marketing, batch=batch, mapping=mapping, duplicate_policy="skip")
    return LeadImport.objects.get(pk=batch.pk)


def _killed_import(world: Any, monkeypatch: Any, *, where: str) -> LeadImport:
    monkeypatch.setattr(imports, "CHUNK", 3)
    batch = _queued_import(world)
    if where == "inserting the third chunk's leads":
        monkeypatch.setattr(imports, "bulk_insert", _kill_on_call(5, imports.bulk_insert))  # leads, timeline × 2
    else:  # the third chunk wrote its rejected row to the file and dies before its commit
        real_writer = csv.writer

        def writer(handle: Any, *args: Any, **kwargs: Any) -> Any:
            inner = real_writer(handle, *args, **kwargs)
            # Within the third chunk's transaction its rows are counted already (6 + 3).
            dying = handle.mode == "a" and LeadImport.objects.get(pk=batch.pk).processed_rows == 9

            class Writer:
                writerow = inner.writerow

                def writerows(self, rows: Any) -> None:
                    inner.writerows(rows)
                    if dying:
                        handle.flush()
                        raise Killed

            return Writer()

        monkeypatch.setattr(imports.csv, "writer", writer)
    with pytest.raises(Killed):
        _as_worker(
            f"lead-import:{batch.pk}",
            run_lead_import,
            [batch.pk],
            lambda beat: imports.lead_import_run(batch.pk, progress=beat),
        )
    monkeypatch.undo()
    return LeadImport.objects.get(pk=batch.pk)


@pytest.mark.parametrize("where", ["inserting the third chunk's leads", "after writing the third chunk's rejects"])
def test_a_lead_import_killed_mid_chunk_is_resumed_by_the_restart_without_duplicate_or_gap(
    world: Any, monkeypatch: Any, where: str
) -> None:
    batch = _killed_import(world, monkeypatch, where=where)
    # What a dead worker leaves: two chunks committed, the third rolled back, the lease held.
    assert (batch.status, batch.processed_rows, batch.created_count, batch.rejected_count) == ("running", 6, 4, 2)
    assert Lead.objects.filter(import_batch=batch).count() == 4
    assert JobLease.objects.filter(key=f"lead-import:{batch.pk}").exists()
    assert jobs_recover() == []  # the holder (this process) still runs: nothing is taken back yet

    assert jobs_recover(now=_after_lease()) == [f"lead-import:{batch.pk}"]

    batch.refresh_from_db()
    names = list(Lead.objects.filter(import_batch=batch).values_list("company_name", flat=True))
    assert (batch.status, batch.total_rows, batch.processed_rows) == ("done", 14, 14)
    assert (batch.created_count, batch.rejected_count) == (10, 4)
    assert sorted(names) == sorted(IMPORTED)  # each row once: no duplicate, no gap
    created = TimelineEvent.objects.filter(object_id__in=Lead.objects.filter(import_batch=batch).values("pk"))
    assert created.filter(kind="created").count() == 10
    with open(batch.rejected_path, encoding="utf-8-sig") as handle:
        rejected = list(csv.reader(handle))
    assert [row[0] for row in rejected[1:]] == REJECTED_LINES
    assert not JobLease.objects.exists()


def test_a_chunk_committed_by_another_run_is_not_imported_again(world: Any, monkeypatch: Any) -> None:
    """A worker wrongly thought dead and its replacement: the slower one's chunk rolls back."""
    batch = _killed_import(world, monkeypatch, where="inserting the third chunk's leads")
    rows = list(imports.read_rows(imports.Path(batch.stored_path), batch.file_kind))[1:]
    path = imports._rejected_file(batch, resume_line=8)
    with pytest.raises(imports.Superseded):
        imports._run_chunk(batch, rows[3:6], 3, [], imports.routing.Router.load(), {}, path)
    assert Lead.objects.filter(import_batch=batch).count() == 4
    assert LeadImport.objects.get(pk=batch.pk).processed_rows == 6


def test_a_run_whose_lease_was_taken_over_commits_no_further_chunk(world: Any, monkeypatch: Any) -> None:
    """The worker was thought dead (no sign of life for LTC_JOB_LEASE) but was not: its lease went
    to another worker, so the chunk it was importing rolls back and it stops."""
    monkeypatch.setattr(imports, "CHUNK", 3)
    batch = _queued_import(world)
    answers = iter([True, True, False])  # after counting, the first chunk, then: taken over

    imports.lead_import_run(batch.pk, progress=lambda: next(answers))

    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count) == ("running", 3, 2)
    assert Lead.objects.filter(import_batch=batch).count() == 2
    imports.lead_import_run(batch.pk)  # the new holder goes on from the committed chunk
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 10, 4)
    assert sorted(Lead.objects.filter(import_batch=batch).values_list("company_name", flat=True)) == sorted(IMPORTED)


def test_a_lead_import_held_by_a_live_worker_is_not_run_twice(world: Any) -> None:
    batch = _queued_import(world)
    with job_lease(f"lead-import:{batch.pk}", run_lead_import, [batch.pk]) as first:
        assert first is not None
        assert run_lead_import.call(batch.pk) == 0  # a second delivery of the task does nothing
        assert LeadImport.objects.get(pk=batch.pk).status == "queued"
    assert not JobLease.objects.exists()


def test_a_lease_of_a_process_that_no_longer_runs_on_this_host_is_taken_back_at_once() -> None:
    JobLease.objects.create(
        key="invoice-run", task_path=run_invoices.module_path, holder=f"{socket.gethostname()}:999999:dead"
    )
    JobLease.objects.create(key="elsewhere", task_path=run_invoices.module_path, holder="other-host:1:alive")
    assert jobs_recover() == ["invoice-run"]  # the dead local process; the other host's lease is fresh
    assert list(JobLease.objects.values_list("key", flat=True)) == ["elsewhere"]


def test_an_invoice_run_killed_mid_way_is_finished_by_the_restart_each_line_billed_once(
    world: Any, monkeypatch: Any
) -> None:
    contract = signed_contract(world, team_of(world))
    planned = BillingLine.objects.filter(contract=contract, status=LineStatus.PLANNED)
    planned.update(trigger="date", expected_on=timezone.localdate())
    lines = sorted(planned.values_list("pk", flat=True))
    assert len(lines) >= 2
    before = Invoice.objects.count()
    from ltc.billing.services import schedule

    monkeypatch.setattr(schedule, "create_drafts", _kill_on_call(2, schedule.create_drafts))
    with pytest.raises(Killed):
        _as_worker("invoice-run", run_invoices, [], lambda beat: invoice_run(chunk=1, progress=beat))
    monkeypatch.undo()
    assert Invoice.objects.count() == before + 1  # the first chunk committed, the second rolled back

    assert run_invoices.call() == 0  # the next day's run meets the lease of the dead worker: it waits
    assert "invoice-run" not in recover_jobs.call()  # the holder (this process) still runs: nothing is taken back yet
    assert jobs_recover(now=_after_lease()) == ["invoice-run"]

    billed = Invoice.objects.filter(billing_line__in=lines)
    assert sorted(billed.values_list("billing_line_id", flat=True)) == lines  # each line once
    assert not BillingLine.objects.filter(pk__in=lines).exclude(status=LineStatus.INVOICED).exists()
    assert invoice_run() == 0


def _due_reminders(world: Any, n: int) -> list[Activity]:
    past = timezone.now() - timedelta(minutes=5)
    return [
        activity_create(
            actor=world.owner,
            subject=world.account,
            kind="call",
            title=f"回访 {i}",
            owner=world.owner,
            due_at=past + timedelta(hours=1),
            remind_at=past,
        )
        for i in range(n)
    ]


def test_reminders_killed_while_mailing_are_sent_by_the_restart_each_once(world: Any, monkeypatch: Any) -> None:
    activities = _due_reminders(world, 3)
    mail.outbox.clear()
    monkeypatch.setattr(EmailMessage, "send", _kill_on_call(2, EmailMessage.send))
    with pytest.raises(Killed):
        send_activity_reminders.call()
    monkeypatch.undo()
    # Every reminder was queued with its activity marked in one transaction; one mail went out.
    assert OutgoingMail.objects.count() == 3
    assert len(mail.outbox) == 1
    assert not Activity.objects.filter(pk__in=[a.pk for a in activities], reminded_at__isnull=True).exists()

    # The mail being sent at the kill stays claimed by the dead sender until CLAIM_TIMEOUT.
    assert OutgoingMail.objects.filter(sent_at__isnull=True, claimed_at__isnull=False).count() == 1
    recover_jobs.call()  # the restart: the job's lease is taken back later, the unclaimed mail now
    assert len(mail.outbox) == 2
    OutgoingMail.objects.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - CLAIM_TIMEOUT)
    assert jobs_recover(now=_after_lease()) == ["activity-reminders"]

    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == sorted(f"Reminder: Call: 回访 {i}" for i in range(3))
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 3
    assert not OutgoingMail.objects.filter(sent_at__isnull=True).exists()
    assert send_activity_reminders.call() == 0
    assert len(mail.outbox) == 3  # nothing is sent twice


def test_a_mail_server_that_is_down_keeps_the_mail_for_a_later_delivery(world: Any, monkeypatch: Any) -> None:
    queued = mail_queue("付款提醒", "请安排付款。", ["ap@jincheng.cn"], deliver=False)
    assert queued is not None
    mail.outbox.clear()

    def refuse(self: EmailMessage, fail_silently: bool = False) -> int:
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert mail_deliver() == 0
    queued.refresh_from_db()
    assert (queued.sent_at, queued.attempts, queued.last_error) == (None, 1, "Connection unexpectedly closed")
    monkeypatch.undo()
    assert mail_deliver() == 1
    assert mail_deliver() == 0
    assert [(m.subject, m.to) for m in mail.outbox] == [("付款提醒", ["ap@jincheng.cn"])]
    assert mail.outbox[0].extra_headers["Message-ID"] == queued.message_id
    queued.refresh_from_db()
    assert queued.sent_at is not None
    assert queued.body == ""  # kept: who, what subject, when; not a body that may hold a private link


def test_a_rolled_back_action_sends_no_mail(world: Any) -> None:
    from django.db import transaction

    def fail_after_queueing() -> None:
        with transaction.atomic():
            mail_queue("不会发送", "…", ["x@example.cn"])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_after_queueing()
    assert not OutgoingMail.objects.exists()


def test_a_lease_of_an_earlier_process_with_the_same_pid_is_taken_back() -> None:
    """A container restarted in place runs its new worker as the same pid: the start time differs."""
    import os

    host = socket.gethostname()
    JobLease.objects.create(key="invoice-run", task_path=run_invoices.module_path, holder=f"{host}:{os.getpid()}:1:old")
    with job_lease("collections-run", run_invoices) as live:
        assert live is not None
        assert jobs_recover() == ["invoice-run"]  # this process's own live lease stays
        assert JobLease.objects.filter(key="collections-run").exists()


def test_a_worker_that_died_but_was_not_reaped_yet_counts_as_gone() -> None:
    import subprocess
    import time

    child = subprocess.Popen(["true"])  # noqa: S607 - exits at once; left unreaped, a zombie
    time.sleep(0.3)
    JobLease.objects.create(
        key="invoice-run", task_path=run_invoices.module_path, holder=f"{socket.gethostname()}:{child.pid}:zombie"
    )
    try:
        assert jobs_recover() == ["invoice-run"]
    finally:
        child.wait()


def test_one_reminder_run_sends_every_due_reminder_whatever_the_batch(world: Any) -> None:
    from ltc.core.activities import activity_reminders_send

    _due_reminders(world, 5)
    mail.outbox.clear()
    assert activity_reminders_send(batch=2) == 5
    assert len(mail.outbox) == 5
    assert mail_deliver(batch=2) == 0


def test_a_queued_mail_keeps_its_reply_address_and_may_add_no_other_header(world: Any) -> None:
    queued = mail_queue("回复", "…", ["a@kehu.cn"], deliver=False, headers={"Reply-To": "service+k@ltc.example"})
    assert queued is not None
    mail.outbox.clear()
    assert mail_deliver() == 1
    assert mail.outbox[0].extra_headers["Reply-To"] == "service+k@ltc.example"
    with pytest.raises(ValueError, match="Bcc"):
        mail_queue("x", "…", ["a@kehu.cn"], headers={"Bcc": "spy@example.com"})
