"""Benchmark marketing e-mail (#19): N contacts with e-mail consent in a static segment, a mailing
scheduled to them (the segment expanded into N queued messages: timed), then delivered by W worker
processes (`services.mailing.email_deliver`) over SMTP to a real sink (aiosmtpd on loopback, in
this process). When a third is delivered, one worker is killed with SIGKILL and started again.
Reported: queuing rate, delivery rate (messages/s), and duplicates — Message-IDs the sink received
more than once. At most the messages in flight at the kill (accepted by the sink, not yet marked
sent) go twice, each with the same Message-ID; the rest of the dead worker's claimed batch is taken
again after the claim timeout (shortened to 10 s here) and sent once.

Run through benchmarks/run.sh (BENCH_ONLY=marketing_send), or alone with DATABASE_URL set:
    python benchmarks/marketing_send.py --contacts 100000 --workers 4
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

CLAIM_SECONDS = 10


class Sink:
    """Counts what the SMTP server accepted, by Message-ID."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message_id = ""
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
                break
            if not line:
                break
        with self.lock:
            self.ids[message_id] += 1
        return "250 OK"

    def received(self) -> int:
        with self.lock:
            return sum(self.ids.values())


def seed(contacts: int) -> int:
    """Accounts, contacts with consent, a static segment of them, a template and a campaign; the
    mailing's id."""
    from ltc.customers.models import Account, Contact
    from ltc.marketing.models import Campaign, Consent
    from ltc.marketing.models.email import EmailTemplate, Mailing
    from ltc.marketing.models.segments import Segment, SegmentEntry
    from ltc.org.models import User

    user = User.objects.create(username="bench-marketing", email="sun@bench.example")
    accounts = Account.objects.bulk_create(
        [
            Account(name=f"基准客户{i:06d}有限公司", name_key=f"基准客户{i:06d}", owner=user)
            for i in range(contacts // 10 + 1)
        ],
        batch_size=2000,
    )
    rows = [
        Contact(
            account=accounts[i // 10], name=f"联系人{i}", email=f"c{i}@bench.example", email_key=f"c{i}@bench.example"
        )
        for i in range(contacts)
    ]
    Contact.objects.bulk_create(rows, batch_size=2000)
    Consent.objects.bulk_create(
        [
            Consent(address=f"c{i}@bench.example", channel="email", state="granted", basis="consent", source="bench")
            for i in range(contacts)
        ],
        batch_size=2000,
    )
    segment = Segment.objects.create(name="bench", target="contacts", kind="static", owner=user)
    ids = Contact.objects.order_by("pk").values_list("pk", flat=True)
    SegmentEntry.objects.bulk_create(
        [SegmentEntry(segment=segment, contact_id=pk) for pk in ids.iterator(chunk_size=5000)], batch_size=2000
    )
    template = EmailTemplate.objects.create(
        name="bench",
        subject_zh="{{ name }}，您好",
        body_zh="{{ first_name }}，您好：\n\n[白皮书](https://example.com/w) 与 https://example.com/e\n\n退订 {{ unsubscribe_url }}",
    )
    campaign = Campaign.objects.create(name="bench", code="bench-send", kind="email", owner=user)
    mailing = Mailing.objects.create(
        name="bench", template=template, campaign=campaign, segment=segment, rate_per_minute=1_000_000, created_by=user
    )
    return mailing.pk


def worker_main() -> None:
    """One delivery worker: send until nothing is queued."""
    from ltc.marketing.models.email import EmailMessage, MessageStatus
    from ltc.marketing.services import mailing

    mailing.CLAIM_TIMEOUT = timedelta(seconds=CLAIM_SECONDS)
    while True:
        if mailing.email_deliver(batch=100) == 0:
            if not EmailMessage.objects.filter(status=MessageStatus.QUEUED).exists():
                return
            time.sleep(0.5)


def start_worker(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LTC_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "LTC_EMAIL_HOST": "127.0.0.1",
        "LTC_EMAIL_PORT": str(port),
        "LTC_FROM_EMAIL": "marketing@bench.example",
    }
    return subprocess.Popen(  # noqa: S603 - this very script
        [sys.executable, str(Path(__file__).resolve()), "--worker"], env=env, start_new_session=True
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main()
        return
    from aiosmtpd.controller import Controller

    from ltc.marketing.models.email import EmailMessage, Mailing
    from ltc.marketing.services import mailing as service

    call_command("migrate", verbosity=0)
    workers_wanted = args.workers if connection.vendor == "postgresql" else min(args.workers, 2)
    t0 = time.perf_counter()
    mailing_id = seed(args.contacts)
    seeded = time.perf_counter() - t0
    user = Mailing.objects.get(pk=mailing_id).created_by
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailing = Mailing.objects.get(pk=mailing_id)
        t1 = time.perf_counter()
        service.mailing_schedule(actor=_as_marketing(user), mailing=mailing, expected_version=mailing.version)
        queued_s = time.perf_counter() - t1
        connection.close()  # the workers write; this process only reads from now on

        t2 = time.perf_counter()
        workers = [start_worker(port) for _ in range(workers_wanted)]
        while sink.received() < args.contacts // 3:
            time.sleep(0.05)
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        killed_at = sink.received()
        workers[0] = start_worker(port)
        for w in workers:
            w.wait()
        delivered_s = time.perf_counter() - t2
    finally:
        controller.stop()

    statuses = Counter(EmailMessage.objects.filter(mailing_id=mailing_id).values_list("status", flat=True))
    duplicates = {mid: n for mid, n in sink.ids.items() if n > 1}
    unique = len(sink.ids)
    print(f"\n### {connection.vendor} — marketing e-mail to {args.contacts:,} contacts, {workers_wanted} workers")
    print("| measure | value |\n|---|---|")
    print(f"| seeding (contacts, consent, segment) | {seeded:.1f} s |")
    print(
        f"| schedule: segment expanded into queued messages | {queued_s:.1f} s ({args.contacts / queued_s:,.0f} msg/s) |"
    )
    print(
        f"| delivery to the SMTP sink, kill and restart included | {delivered_s:.1f} s ({unique / delivered_s:,.0f} msg/s) |"
    )
    print(f"| worker killed (SIGKILL) after | {killed_at:,} received |")
    print(
        f"| messages sent (database) / received unique / received total | {statuses.get('sent', 0):,} / {unique:,} / {sink.received():,} |"
    )
    print(f"| duplicates (same Message-ID twice) | {len(duplicates)} {sorted(duplicates)[:3]} |")
    ok = statuses.get("sent", 0) == args.contacts == unique and len(duplicates) <= 1
    print(
        f"| outcome | {'OK' if ok else 'FAILED'}: every message sent once{' (one in flight at the kill sent twice, same Message-ID)' if duplicates else ''} |"
    )
    if not ok:
        sys.exit(1)


def _as_marketing(user: Any) -> Any:
    from ltc.org.models import Role

    role, _ = Role.objects.get_or_create(code="marketing")
    user.roles.add(role)
    return type(user).objects.get(pk=user.pk)


if __name__ == "__main__":
    main()
