"""A bounded mixed load against gunicorn on PostgreSQL, then a reconciliation of what it wrote.

Run through benchmarks/load.sh (a throwaway PostgreSQL cluster; `--minutes N`, default 15;
`--restart-db-at SECONDS` restarts PostgreSQL once mid-run with `pg_ctl restart -m fast`).

The demo company (`ltc demo`'s seed) plus 1,200 invoices for one customer (60 issued for payments,
the rest drafts that finance issues during the run) and a draft quote per open deal is served by
`ltc serve` on loopback. 16 clients send requests back to back through the API with bearer tokens
of several roles: lists (leads, deals, quotes, contracts, invoices), creates (leads, accounts,
activities), board moves (deal stage changes with If-Match), quote edits (If-Match), invoice
issues (If-Match) and payments (Idempotency-Key; every fifth sent twice). It reports the answers by
status (409/412 from If-Match races are expected and counted apart), throughput, p50/p95 per
operation and, afterwards, reconciles: every payment = its allocations + its unallocated amount,
every invoice's allocated and open amounts agree with its allocations, invoice numbers gapless,
no lost update (each versioned record's version rose by exactly its successful writes, and no two
successful writes answered the same version), payments made == payment keys answered 201.
With a restart it reports the requests answered during the outage by status (503 expected; a 500
or a timeout is a defect) and the throughput before, during and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.billing.models import Allocation, Invoice, Payment  # noqa: E402
from ltc.billing.services.invoicing import invoice_issue  # noqa: E402
from ltc.customers.models import Account  # noqa: E402
from ltc.leads.models import Lead  # noqa: E402
from ltc.opportunities.models import Opportunity, Stage  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.quotes.models import Quote  # noqa: E402
from ltc.web.demo import seed_demo  # noqa: E402

CLIENTS = 16
TIMEOUT = 30.0
EXPECTED_CONFLICTS = {409, 412}


# --- set-up ----------------------------------------------------------------------------------


def seed() -> None:
    """The demo company, then invoices and draft quotes enough for 15 minutes of writes."""
    call_command("migrate", verbosity=0)
    seed_demo()
    finance = User.objects.get(username="zhou")
    model = Invoice.objects.filter(status="issued", open_amount__gt=0).order_by("id").first()
    assert model is not None, "the demo has an open invoice"
    if Invoice.objects.count() < 1200:
        drafts = []
        for i in range(1200):
            draft = Invoice.objects.get(pk=model.pk)
            draft.pk = None
            draft.number, draft.status, draft.issue_date, draft.due_date = "", "draft", None, None
            draft.total = draft.net_total = Decimal(50_000 + 100 * i)
            draft.tax_total = draft.credited = draft.allocated = draft.open_amount = Decimal(0)
            draft.tax_invoice_number, draft.issued_by, draft.issued_at, draft.billing_line = "", None, None, None
            draft.version = 1
            drafts.append(draft)
        Invoice.objects.bulk_create(drafts)
        for invoice in Invoice.objects.filter(status="draft").order_by("id")[:60]:
            invoice_issue(actor=finance, invoice=invoice, expected_version=invoice.version)


@dataclass
class World:
    port: int
    tokens: dict[str, str]
    account_id: int  # the customer whose invoices are paid
    payable: list[int]  # issued invoices of that customer
    drafts: list[int]  # draft invoices finance issues during the run
    deals: dict[str, list[int]]  # open deals by the manager who moves them
    stages: dict[int, list[int]]  # open stage ids by pipeline, in order
    quotes: list[int]  # draft quotes (the AR edits them)
    ar_deals: list[int]  # open deals of zhang (activities)
    start_versions: dict[str, int] = field(default_factory=dict)


def prepare(port: int) -> World:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["wang", "li", "zhao", "zhang", "liu", "emma", "zhou", "sun"])
    }
    tokens = {name: token_create(actor=u, user=u, name=f"load {time.time()}")[1] for name, u in users.items()}
    model = Invoice.objects.filter(status="issued", open_amount__gt=0).order_by("id").first()
    assert model is not None
    deals: dict[str, list[int]] = {"li": [], "zhao": []}
    for deal in Opportunity.objects.filter(stage__category="open").select_related("owner__team__manager"):
        team = deal.owner.team
        manager = team.manager.username if team is not None and team.manager is not None else ""
        if manager in deals and deal.owner.username != manager:
            deals[manager].append(deal.pk)
    stages: dict[int, list[int]] = defaultdict(list)
    for stage in Stage.objects.filter(category="open").order_by("pipeline_id", "order"):
        stages[stage.pipeline_id].append(stage.pk)
    return World(
        port=port,
        tokens=tokens,
        account_id=model.account_id,
        payable=list(
            Invoice.objects.filter(account_id=model.account_id, status="issued", open_amount__gte=10_000).values_list(
                "id", flat=True
            )
        ),
        drafts=list(Invoice.objects.filter(status="draft").order_by("id").values_list("id", flat=True)),
        deals=deals,
        stages=dict(stages),
        quotes=[],
        ar_deals=list(
            Opportunity.objects.filter(owner=users["zhang"], stage__category="open").values_list("id", flat=True)
        ),
    )


# --- the clients -----------------------------------------------------------------------------


@dataclass
class Sample:
    op: str
    status: int  # 0: no answer (timeout, connection refused or reset)
    started: float
    ms: float


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.versions: dict[str, list[int]] = defaultdict(list)  # record -> versions answered by successful writes
        self.payment_keys: set[str] = set()  # keys answered 201
        self.creates: Counter[str] = Counter()
        self.server_errors: list[str] = []
        self.unexpected: list[str] = []  # the first unexpected answers, with their bodies
        self.client_errors: Counter[str] = Counter()  # exceptions in the client itself (a bug here)
        self.ambiguous: Counter[str] = Counter()  # versioned writes answered 5xx or not at all
        self.payment_outcomes: Counter[str] = Counter()

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Client:
    def __init__(self, world: World, recorder: Recorder, n: int) -> None:
        self.world, self.rec, self.n = world, recorder, n
        self.rng = random.Random(n)
        self.conn = http.client.HTTPConnection("127.0.0.1", world.port, timeout=TIMEOUT)
        self.i = 0

    def call(
        self, op: str, user: str, method: str, path: str, body: Any = None, **headers: str
    ) -> tuple[int, Any, Any]:
        hdrs = {"Authorization": f"Bearer {self.world.tokens[user]}", **headers}
        data = None
        if body is not None:
            data = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        start = time.perf_counter()
        status, payload, answer = 0, None, None
        try:
            self.conn.request(method, f"/api/v1{path}", data, hdrs)
            answer = self.conn.getresponse()
            raw = answer.read()
            status = answer.status
            if raw and "json" in answer.getheader("Content-Type", ""):
                payload = json.loads(raw)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raw = b""
        elapsed = (time.perf_counter() - start) * 1000
        self.rec.add(Sample(op, status, start, elapsed))
        if not (200 <= status < 300 or status in EXPECTED_CONFLICTS):
            with self.rec.lock:
                if status >= 500 and status != 503:
                    self.rec.server_errors.append(f"{op} {method} {path} -> {status}")
                if status != 503 and len(self.rec.unexpected) < 20:
                    self.rec.unexpected.append(f"{op} {method} {path} {body!r} -> {status} {raw[:300]!r}")
        return status, payload, answer

    # The operations; each returns nothing and records its samples.

    def list_(self, what: str, user: str) -> None:
        query = self.rng.choice(["", "?limit=50", "?offset=20&limit=20"])
        self.call(f"list {what}", user, "GET", f"/{what}{query}")

    def create_lead(self) -> None:
        self.i += 1
        user = self.rng.choice(["zhang", "liu", "emma", "sun"])
        body = {
            "company_name": f"压测线索{self.n}-{self.i}有限公司",
            "contact_name": "测试联系人",
            "mobile": f"139{self.n:02d}{self.i:06d}",
            "need": "负载测试",
        }
        if self.call("create lead", user, "POST", "/leads", body)[0] == 201:
            with self.rec.lock:
                self.rec.creates["lead"] += 1

    def create_account(self) -> None:
        self.i += 1
        user = self.rng.choice(["zhang", "liu"])
        if (
            self.call("create account", user, "POST", "/accounts", {"name": f"压测客户{self.n}-{self.i}有限公司"})[0]
            == 201
        ):
            with self.rec.lock:
                self.rec.creates["account"] += 1

    def create_activity(self) -> None:
        deal = self.rng.choice(self.world.ar_deals)
        body = {"kind": self.rng.choice(["call", "visit", "meeting", "email"]), "title": "压测跟进", "done": True}
        if self.call("create activity", "zhang", "POST", f"/opportunities/{deal}/activities", body)[0] == 201:
            with self.rec.lock:
                self.rec.creates["activity"] += 1

    def _versioned(self, op: str, user: str, read: str, write: str, method: str, body: Any) -> None:
        """Read the record's ETag, then write with If-Match (a race answers 412)."""
        status, _payload, answer = self.call(f"{op} (read)", user, "GET", read)
        if status != 200 or answer is None:
            return
        etag = answer.getheader("ETag", "")
        status, _payload, answer = self.call(op, user, method, write, body, **{"If-Match": etag})
        self._written(read, status, answer)

    def _written(self, record: str, status: int, answer: Any) -> None:
        if status == 200 and answer is not None:
            version = int(answer.getheader("ETag", '"0"').strip('"'))
            with self.rec.lock:
                self.rec.versions[record].append(version)
        elif status == 0 or status >= 500:
            with self.rec.lock:
                self.rec.ambiguous[record] += 1

    def board_move(self) -> None:
        manager = self.rng.choice([m for m, deals in self.world.deals.items() if deals])
        deal = self.rng.choice(self.world.deals[manager])
        status, payload, _answer = self.call("board move (read)", manager, "GET", f"/opportunities/{deal}")
        if status != 200 or payload is None:
            return
        stages = self.world.stages[payload["pipeline_id"]]
        current = payload["stage_id"]
        at = stages.index(current) if current in stages else 0
        target = stages[at - 1] if at > 0 and (at == len(stages) - 1 or self.rng.random() < 0.5) else stages[at + 1]
        etag = f'"{payload["version"]}"'
        status, _p, answer = self.call(
            "board move",
            manager,
            "POST",
            f"/opportunities/{deal}/advance",
            {"stage_id": target, "override_reason": "压测：经理推进"},
            **{"If-Match": etag},
        )
        self._written(f"/opportunities/{deal}", status, answer)

    def quote_edit(self) -> None:
        quote = self.rng.choice(self.world.quotes)
        self.i += 1
        self._versioned(
            "quote edit",
            "zhang",
            f"/quotes/{quote}",
            f"/quotes/{quote}",
            "PATCH",
            {"notes": f"压测备注 {self.n}-{self.i}", "delivery_terms": f"交货期 {self.i % 90 + 1} 天"},
        )

    def invoice_issue(self) -> None:
        with self.rec.lock:
            if not self.world.drafts:
                return
            invoice = self.world.drafts[self.rng.randrange(min(4, len(self.world.drafts)))]
        status, payload, answer = self.call("invoice issue (read)", "zhou", "GET", f"/invoices/{invoice}")
        if status != 200 or payload is None:
            return
        if payload["status"] != "draft":
            with self.rec.lock:
                if invoice in self.world.drafts:
                    self.world.drafts.remove(invoice)
            return
        status, _p, answer = self.call(
            "invoice issue", "zhou", "POST", f"/invoices/{invoice}/issue", {}, **{"If-Match": f'"{payload["version"]}"'}
        )
        if status == 200:
            with self.rec.lock:
                if invoice in self.world.drafts:
                    self.world.drafts.remove(invoice)

    def payment(self) -> None:
        self.i += 1
        key = f"load-{self.world.port}-{self.n}-{self.i}"
        cents = self.rng.randint(100, 2000)
        allocated = cents - self.rng.choice([0, 0, 0, 37])  # some leave an unallocated rest
        invoice = self.rng.choice(self.world.payable)
        body = {
            "account_id": self.world.account_id,
            "amount": f"{Decimal(cents) / 100:.2f}",
            "received_on": str(timezone.localdate()),
            "bank_reference": key,
            "allocations": [{"invoice_id": invoice, "amount": f"{Decimal(allocated) / 100:.2f}"}],
        }
        # Every fifth payment is sent twice (a client that lost the first answer); a 503 or no
        # answer is retried with the same key after Retry-After, up to five times.
        sends, tries, unavailable, outcome = (2 if self.i % 5 == 0 else 1), 0, 0, "no answer"
        while sends > 0 and tries < 6:
            status, _p, answer = self.call(
                "payment" if tries == 0 else "payment (retry)",
                "zhou",
                "POST",
                "/payments",
                body,
                **{"Idempotency-Key": key},
            )
            tries += 1
            if status == 201:
                sends -= 1
                outcome = "201"
                with self.rec.lock:
                    self.rec.payment_keys.add(key)
            elif status in (0, 503):
                unavailable += 1
                time.sleep(float(answer.getheader("Retry-After", "1")) if answer is not None else 1.0)
            else:
                outcome = str(status)
                break
        with self.rec.lock:
            self.rec.payment_outcomes[f"{outcome} after {unavailable} × 503/no answer" if unavailable else outcome] += 1

    def step(self) -> None:
        ops: list[tuple[int, Callable[[], None]]] = [
            (12, lambda: self.list_("leads", self.rng.choice(["zhang", "li", "wang", "sun"]))),
            (10, lambda: self.list_("opportunities", self.rng.choice(["zhang", "li", "zhao", "wang"]))),
            (6, lambda: self.list_("quotes", self.rng.choice(["zhang", "li", "wang"]))),
            (5, lambda: self.list_("contracts", self.rng.choice(["liu", "wang", "zhou"]))),
            (6, lambda: self.list_("invoices", self.rng.choice(["zhou", "wang"]))),
            (8, self.create_lead),
            (4, self.create_account),
            (6, self.create_activity),
            (10, self.board_move),
            (6 if self.world.quotes else 0, self.quote_edit),
            (8, self.payment),
            (2, self.invoice_issue),
        ]
        weights = [w for w, _op in ops]
        operation = self.rng.choices([op for _w, op in ops], weights)[0]
        try:
            operation()
        except Exception as error:  # noqa: BLE001 - a bug of this script: counted, the client goes on
            with self.rec.lock:
                self.rec.client_errors[f"{type(error).__name__}: {error}"] += 1


# --- the server and the database -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int, log: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LTC_BIND": f"127.0.0.1:{port}", "LTC_WORKERS": str(workers)}
    ltc = os.path.join(os.path.dirname(sys.executable), "ltc")
    server = subprocess.Popen([ltc, "serve"], env=env, stdout=log, stderr=log)  # noqa: S603 - our own command
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def restart_database() -> tuple[float, float]:
    """pg_ctl restart -m fast of the throwaway cluster (benchmarks/load.sh exports where it is)."""
    pg_bin, pg_dir = os.environ["PG_BIN"], os.environ["PG_DIR"]
    run = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 - the throwaway cluster's own pg_ctl
        [*run, f"{pg_bin}/pg_ctl", "-D", f"{pg_dir}/data", "-m", "fast", "-w", "restart"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return start, time.perf_counter()


# --- the report ------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def reconcile(world: World, rec: Recorder, before: dict[str, int]) -> list[tuple[str, str, bool]]:
    rows: list[tuple[str, str, bool]] = []
    connection.close()  # a fresh connection after a restart
    references = Counter(Payment.objects.filter(id__gt=before["payment_max"]).values_list("bank_reference", flat=True))
    twice = [key for key, n in references.items() if n > 1]
    unconfirmed = sorted(set(references) - rec.payment_keys)
    missing = sorted(rec.payment_keys - set(references))
    rows.append(
        (
            "payments made == payment keys answered 201 (retries made none extra)",
            f"{sum(references.values())} made for {len(references)} keys, {len(rec.payment_keys)} keys answered 201; "
            f"{len(twice)} keys paid twice, {len(missing)} answered 201 without a payment, "
            f"{len(unconfirmed)} made but never answered 201 {unconfirmed[:3]}; outcomes {dict(rec.payment_outcomes)}",
            not twice and not missing and not unconfirmed,
        )
    )
    sums = dict(Allocation.objects.values_list("payment_id").annotate(s=Sum("amount")).values_list("payment_id", "s"))
    bad = [
        p.number
        for p in Payment.objects.all()
        if p.amount != sums.get(p.pk, Decimal(0)) + p.unallocated + p.refunded
        or p.allocated != sums.get(p.pk, Decimal(0))
    ]
    rows.append(
        (
            "every payment = its allocations + unallocated (+ refunded)",
            f"{Payment.objects.count()} payments, {len(bad)} off {bad[:5]}",
            not bad,
        )
    )
    by_invoice = dict(
        Allocation.objects.values_list("invoice_id").annotate(s=Sum("amount")).values_list("invoice_id", "s")
    )
    off = [
        i.number
        for i in Invoice.objects.filter(status="issued")
        if i.allocated != by_invoice.get(i.pk, Decimal(0)) or i.open_amount != i.total - i.credited - i.allocated
    ]
    rows.append(
        (
            "every invoice: allocated = its allocations, open = total - credited - allocated",
            f"{len(off)} off {off[:5]}",
            not off,
        )
    )
    series: dict[str, list[int]] = defaultdict(list)
    for number in Invoice.objects.exclude(number="").values_list("number", flat=True):
        match = re.fullmatch(r"(.*?)(\d+)", number)
        if match:
            series[match.group(1)].append(int(match.group(2)))
    gaps = {prefix: sorted(set(range(1, max(values) + 1)) - set(values)) for prefix, values in series.items()}
    dupes = {prefix: len(values) - len(set(values)) for prefix, values in series.items()}
    rows.append(
        (
            "invoice numbers gapless, none twice",
            "; ".join(f"{p}: 1..{max(v)}, gaps {gaps[p][:5]}, twice {dupes[p]}" for p, v in series.items()),
            not any(gaps.values()) and not any(dupes.values()),
        )
    )
    lost, doubled = [], []
    for record in world.start_versions:
        versions = rec.versions.get(record, [])
        kind, pk = record.strip("/").split("/")
        model = Opportunity if kind == "opportunities" else Quote
        rose = model.objects.get(pk=int(pk)).version - world.start_versions[record]
        # A write answered 5xx or not at all (only in an outage) may or may not have committed.
        if not len(versions) <= rose <= len(versions) + rec.ambiguous[record]:
            lost.append(
                f"{record}: rose {rose}, {len(versions)} writes answered 200, {rec.ambiguous[record]} unanswered"
            )
        if len(set(versions)) != len(versions):
            doubled.append(record)
    writes = sum(len(v) for v in rec.versions.values())
    rows.append(
        (
            "no lost update (version rose by exactly the successful If-Match writes)",
            f"{writes} writes on {len(rec.versions)} records, {sum(rec.ambiguous.values())} unanswered; "
            f"{len(lost)} off {lost[:3]}; {len(doubled)} answered a version twice",
            not lost and not doubled,
        )
    )
    for kind, created, base in (("lead", Lead, "lead_max"), ("account", Account, "account_max")):
        n = created.objects.filter(id__gt=before[base]).count()
        rows.append(
            (
                f"{kind}s stored == {kind}s answered 201",
                f"{n} stored, {rec.creates[kind]} answered",
                n == rec.creates[kind],
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (LTC_WORKERS)")
    parser.add_argument("--restart-db-at", type=float, default=None, help="seconds into the run")
    parser.add_argument("--log", default=os.path.join(os.environ.get("LTC_VAR_DIR", "."), "gunicorn.log"))
    args = parser.parse_args()
    t0 = time.perf_counter()
    seed()
    print(f"seeded the demo company in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    port = free_port()
    world = prepare(port)
    log = open(args.log, "ab")  # noqa: SIM115 - open for the server's life
    server = start_server(port, args.workers, log)
    rec = Recorder()
    try:
        # Draft quotes for the AR to edit: one per open deal of zhang, made through the API.
        setup = Client(world, rec, 999)
        for deal in world.ar_deals:
            status, payload, _a = setup.call(
                "setup", "zhang", "POST", "/quotes", {"opportunity_id": deal, "title": "压测报价"}
            )
            if status == 201 and payload is not None:
                world.quotes.append(payload["id"])
        world.quotes += list(
            Quote.objects.filter(status="draft", opportunity__owner__username="zhang")
            .exclude(id__in=world.quotes)
            .values_list("id", flat=True)
        )
        for deals in world.deals.values():
            for pk in deals:
                world.start_versions[f"/opportunities/{pk}"] = Opportunity.objects.get(pk=pk).version
        for pk in world.quotes:
            world.start_versions[f"/quotes/{pk}"] = Quote.objects.get(pk=pk).version
        before = {
            "payment_max": Payment.objects.order_by("-id").values_list("id", flat=True).first() or 0,
            "lead_max": Lead.objects.order_by("-id").values_list("id", flat=True).first() or 0,
            "account_max": Account.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        }
        connection.close()
        # Warm every worker (the first request of a process loads the URLs and the API).
        for _ in range(3 * args.workers):
            setup.call("setup", "wang", "GET", "/leads?limit=1")
        rec.samples.clear()

        duration = args.minutes * 60
        stop = threading.Event()
        start = time.perf_counter()
        outage: list[float] = []

        def run(n: int) -> None:
            client = Client(world, rec, n)
            while not stop.is_set():
                client.step()

        threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        if args.restart_db_at is not None:
            time.sleep(max(0.0, args.restart_db_at))
            down, up = restart_database()
            outage = [down - start, up - start]
            print(f"PostgreSQL restarted at {outage[0]:.1f} s, accepting again at {outage[1]:.1f} s", file=sys.stderr)
        time.sleep(max(0.0, start + duration - time.perf_counter()))
        stop.set()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait()
        log.close()

    samples = rec.samples
    print(
        f"\n### Load: {args.clients} clients, {wall / 60:.1f} min, gunicorn ({args.workers} workers) on {connection.vendor}"
    )
    statuses = Counter(s.status for s in samples)
    ok = sum(n for st, n in statuses.items() if 200 <= st < 300)
    conflicts = sum(n for st, n in statuses.items() if st in EXPECTED_CONFLICTS)
    print(f"requests: {len(samples)}, {len(samples) / wall:.1f} req/s; by status: {dict(sorted(statuses.items()))}")
    in_outage = [s for s in samples if outage[0] - 1 <= s.started - start <= outage[1] + 5] if outage else []
    outage_failures = [s for s in in_outage if not (200 <= s.status < 300 or s.status in EXPECTED_CONFLICTS)]
    unexpected = [
        s for s in samples if not (200 <= s.status < 300 or s.status in EXPECTED_CONFLICTS) and s not in outage_failures
    ]
    print(
        f"2xx: {ok}; expected conflicts (409/412): {conflicts}; unexpected: {len(unexpected)} {dict(Counter((s.op, s.status) for s in unexpected))}"
    )
    if rec.server_errors:
        print(f"server errors (first 10): {rec.server_errors[:10]}")
    for line in rec.unexpected[:10]:
        print(f"  unexpected: {line}")
    if rec.client_errors:
        print(f"errors in the load script itself: {dict(rec.client_errors)}")
    minutes = Counter(int((s.started - start) // 60) for s in samples if 200 <= s.status < 300)
    print(
        "2xx per second, minute by minute: "
        + ", ".join(f"{minutes[m] / 60:.1f}" for m in range(max(1, int(wall // 60))))
    )
    print("\n| operation | requests | 2xx | 409/412 | other | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    by_op: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_op[s.op].append(s)
    for op in sorted(by_op):
        group = by_op[op]
        good = [s.ms for s in group if 200 <= s.status < 300]
        print(
            f"| {op} | {len(group)} | {len(good)} | {sum(s.status in EXPECTED_CONFLICTS for s in group)} | "
            f"{sum(not (200 <= s.status < 300 or s.status in EXPECTED_CONFLICTS) for s in group)} | "
            f"{pct(good, 0.5):.0f} | {pct(good, 0.95):.0f} |"
        )
    if outage:
        down, up = outage
        print(
            f"\nPostgreSQL restart: down at {down:.1f} s, up at {up:.1f} s ({up - down:.1f} s); requests started "
            f"from {down - 1:.0f} s to {up + 5:.0f} s: {len(in_outage)}, failed {len(outage_failures)} by status "
            f"{dict(Counter(s.status for s in outage_failures))} (0 = no answer), slowest {max((s.ms for s in in_outage), default=0):.0f} ms"
        )
        good = [s.started - start for s in samples if 200 <= s.status < 300]
        settled = up + 5

        def rate(lo: float, hi: float) -> str:
            return f"{sum(lo <= t < hi for t in good) / (hi - lo):.1f}/s" if hi > lo else "n/a"

        print(
            f"2xx throughput: before the restart {rate(0, down)}, from {down - 1:.0f} s to {settled:.0f} s "
            f"{rate(down - 1, settled)}, after {rate(settled, wall)}"
        )
    print("\n| reconciliation | figures | verdict |")
    print("|---|---|---|")
    rows = reconcile(world, rec, before)
    for label, figures, passed in rows:
        print(f"| {label} | {figures} | {'pass' if passed else 'FAIL'} |")
    verdict = (
        not unexpected
        and not rec.client_errors
        and all(g for _l, _f, g in rows)
        and not any(s.status in (0, 500) for s in outage_failures)
    )
    print(f"\nverdict: {'pass' if verdict else 'FAIL'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
