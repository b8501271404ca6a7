"""Background jobs that survive a worker being killed.

A long job (a lead import, the invoice run, a mail delivery) commits its work in chunks and holds a
lease while it runs, renewed after each chunk. When a worker dies — killed, out of memory, the
machine restarted — its lease is left behind. `jobs_recover`, run when a worker starts and by the
daily housekeeping, takes back every lease whose holder is gone (a process of this host that no
longer runs, or no heartbeat for `LTC_JOB_LEASE`) and queues the job again; the job then resumes
from what it committed, so nothing is done twice and nothing is skipped.

    with job_lease("invoice-run", run_invoices) as lease:
        if lease is None:        # another live worker runs it now
            return 0
        ... work in chunks, calling lease.beat() after each ...
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ltc.core.models import JobLease

log = logging.getLogger(__name__)


def _holder() -> str:
    """host:pid:start:nonce — the start time tells a process from a later one given the same pid
    (a container restarted in place often runs its worker as the same pid)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid)}:{uuid.uuid4().hex[:8]}"


def _started(pid: int) -> str:
    """When process `pid` started, in clock ticks since boot ("" where /proc cannot tell)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


@dataclass
class Lease:
    key: str
    holder: str

    def beat(self) -> bool:
        """Renew the lease after a unit of work; False when it was taken back (the job stops)."""
        return bool(JobLease.objects.filter(key=self.key, holder=self.holder).update(heartbeat_at=timezone.now()))

    def release(self) -> None:
        JobLease.objects.filter(key=self.key, holder=self.holder).delete()


def _acquire(key: str, task_path: str, args: Sequence[Any]) -> Lease | None:
    holder, now = _holder(), timezone.now()
    try:
        with transaction.atomic():
            JobLease.objects.create(key=key, task_path=task_path, args=list(args), holder=holder, started_at=now)
        return Lease(key, holder)
    except IntegrityError:
        pass
    # Held already: take it over only when its holder is gone.
    for lease in JobLease.objects.filter(key=key):
        if _abandoned(lease, now) and JobLease.objects.filter(pk=lease.pk, holder=lease.holder).update(
            holder=holder, started_at=now, heartbeat_at=now
        ):
            log.warning("job %s: took over the lease of %s, who is gone", key, lease.holder)
            return Lease(key, holder)
    return None


@contextmanager
def job_lease(key: str, task: Any, args: Sequence[Any] = ()) -> Iterator[Lease | None]:
    """Hold the lease of `key` while the body runs (None: another live worker holds it).

    `task` is the django-tasks task that runs the job, queued again by `jobs_recover` if this
    worker dies. The lease is released when the body ends, also by an error (the job then ends in
    its own failed state); a process killed outright releases nothing, which is the point."""
    lease = _acquire(key, f"{task.module_path}", args)
    try:
        yield lease
    except Exception:
        if lease is not None:
            lease.release()
        raise
    if lease is not None:
        lease.release()


def _abandoned(lease: JobLease, now: datetime) -> bool:
    if lease.heartbeat_at < now - settings.LTC_JOB_LEASE:
        return True
    host, pid, started, *_nonce = [*lease.holder.split(":"), "", ""]
    started = started if started.isdigit() else ""
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return bool(started) and started != _started(os.getpid())
    return not _running(int(pid)) or (bool(started) and started != _started(int(pid)))


def _running(pid: int) -> bool:
    """Whether process `pid` of this host still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state not in {"Z", "X"}


def jobs_recover(*, now: datetime | None = None) -> list[str]:
    """Queue again every job whose worker is gone; returns their keys. Safe to run anywhere,
    any number of times: a lease is taken back by one caller only."""
    now = now or timezone.now()
    recovered = []
    for lease in JobLease.objects.order_by("pk"):
        if not _abandoned(lease, now):
            continue
        # Deleted conditionally: of two recoverers, one queues the job.
        if JobLease.objects.filter(pk=lease.pk, holder=lease.holder).delete()[0]:
            log.warning("job %s: its worker %s is gone; queued again", lease.key, lease.holder)
            import_string(lease.task_path).enqueue(*lease.args)
            recovered.append(lease.key)
    return recovered
