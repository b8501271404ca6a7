"""Benchmark billing: the invoice run over 100k due schedule lines, the aging report over 1M
invoices and 2M payments, and the payment API under 8 concurrent clients with retries.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL). Targets (#7):
the invoice run < 60 s and a re-run creates nothing; the aging < 2 s on PostgreSQL; payment
API p95 < 100 ms with zero duplicate payments.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from ltc.billing import selectors, services  # noqa: E402
from ltc.billing.models import Allocation, BillingLine, Invoice, InvoiceLine, Payment  # noqa: E402
from ltc.catalog.models import Product  # noqa: E402
from ltc.contracts.models import Contract, ContractLine, ContractVersion  # noqa: E402
from ltc.core.bulk import bulk_insert, next_ids  # noqa: E402
from ltc.customers.models import Account  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from contracts import seed_contracts  # noqa: E402
from quotes import _p95, seed_catalog  # noqa: E402

CHUNK = 50_000
ACCOUNTS = 5_000
INVOICE_FIELDS = (
    "id",
    "kind",
    "number",
    "status",
    "account_id",
    "contract_id",
    "currency",
    "issue_date",
    "payment_days",
    "due_date",
    "tax_invoice_number",
    "net_total",
    "tax_total",
    "total",
    "credited",
    "allocated",
    "open_amount",
    "note",
    "reason",
    "collection_level",
    "version",
    "created_at",
    "updated_at",
)
PAYMENT_FIELDS = (
    "id",
    "number",
    "kind",
    "account_id",
    "currency",
    "amount",
    "received_on",
    "method",
    "bank_reference",
    "note",
    "allocated",
    "refunded",
    "reversed",
    "unallocated",
    "recorded_by_id",
    "recorded_at",
)
ALLOCATION_FIELDS = ("id", "payment_id", "invoice_id", "amount", "applied_on", "created_by_id", "created_at")


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def signed_contracts(total: int) -> list[int]:
    """`total` signed contracts whose current version (shared: the run reads its lines) has three
    lines at 13%, 13% and 6% VAT."""
    seed_contracts(total, random.Random(7))
    seed_catalog()
    product = Product.objects.order_by("id").first()
    first = Contract.objects.order_by("id").first()
    zhang = User.objects.get(username="zhang")
    version = ContractVersion.objects.filter(contract=first, number=1).first()
    if version is None:
        version = ContractVersion.objects.create(
            contract=first,
            number=1,
            net_total=Decimal("3000.00"),
            tax_total=Decimal("320.00"),
            grand_total=Decimal("3320.00"),
            created_by=zhang,
            frozen_at=timezone.now(),
        )
        for key, (net, rate) in enumerate(
            ((Decimal("1000.00"), 13), (Decimal("1000.00"), 13), (Decimal("1000.00"), 6)), 1
        ):
            tax = net * rate / 100
            ContractLine.objects.create(
                version=version,
                key=key,
                product=product,
                code=f"B-{key}",
                name=f"基准产品{key}",
                unit="台",
                quantity=Decimal(1),
                unit_price=net,
                base_amount=net,
                net_amount=net,
                tax_rate=rate,
                tax_amount=tax,
                total=net + tax,
                unit_cost=Decimal(0),
                cost_amount=Decimal(0),
            )
    Contract.objects.update(
        current=version, status="signed", total=version.grand_total, signed_on=timezone.localdate() - timedelta(days=90)
    )
    return list(Contract.objects.order_by("id").values_list("id", flat=True)[:total])


def bench_invoice_run(contract_ids: list[int]) -> list[tuple[str, ...]]:
    """One due schedule line (a date reached) per contract; the run drafts an invoice for each."""
    today = timezone.localdate()
    if not BillingLine.objects.exists():
        for start in range(0, len(contract_ids), CHUNK):
            batch = contract_ids[start : start + CHUNK]
            with transaction.atomic():
                ids = next_ids(BillingLine, len(batch))
                bulk_insert(
                    BillingLine,
                    (
                        "id",
                        "contract_id",
                        "contract_version",
                        "position",
                        "label",
                        "trigger",
                        "days",
                        "percent",
                        "amount",
                        "currency",
                        "expected_on",
                        "status",
                        "created_at",
                    ),
                    [
                        (
                            pk,
                            contract,
                            1,
                            1,
                            "合同款",
                            "date",
                            30,
                            Decimal(30),
                            Decimal("996.00"),
                            "CNY",
                            today - timedelta(days=pk % 30),
                            "planned",
                            timezone.now(),
                        )
                        for pk, contract in zip(ids, batch, strict=True)
                    ],
                )
        _analyze()
    start = time.perf_counter()
    made = services.invoice_run(today=today)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = services.invoice_run(today=today)
    second = time.perf_counter() - start
    invoices = Invoice.objects.filter(billing_line__isnull=False).count()
    lines = InvoiceLine.objects.count()
    ok = first < 60 and again == 0 and invoices == len(contract_ids)
    return [
        (
            f"invoice run, {len(contract_ids):,} due lines",
            f"{first:.1f} s, {made:,} drafts ({lines:,} lines)",
            f"re-run {second:.1f} s, {again} made; {invoices:,} invoices in all",
            "pass" if ok else "FAIL",
        )
    ]


def seed_ledger(invoices: int, contract_ids: list[int]) -> None:
    """`invoices` issued invoices over 5,000 customers, each paid by two payments (2 × invoices
    payments and allocations); a fifth stay partly open. Issue dates spread over 400 days."""
    if Invoice.objects.filter(number__startswith="B").count() >= invoices:
        return
    zhang = User.objects.get(username="zhou")
    accounts = list(Account.objects.values_list("id", flat=True)[:ACCOUNTS])
    if len(accounts) < ACCOUNTS:
        Account.objects.bulk_create(
            [Account(name=f"回款客户{i}有限公司", owner=zhang) for i in range(ACCOUNTS - len(accounts))],
            batch_size=1000,
        )
        accounts = list(Account.objects.values_list("id", flat=True)[:ACCOUNTS])
    today = timezone.localdate()
    now = timezone.now()
    done = 0
    while done < invoices:
        count = min(CHUNK, invoices - done)
        with transaction.atomic():
            invoice_ids = next_ids(Invoice, count)
            payment_ids = next_ids(Payment, 2 * count)
            allocation_ids = next_ids(Allocation, 2 * count)
            inv_rows, pay_rows, alloc_rows = [], [], []
            for i, pk in enumerate(invoice_ids):
                issued = today - timedelta(days=pk % 400)
                total = Decimal(1000 + pk % 9000)
                paid = total if pk % 5 else (total * Decimal("0.4")).quantize(Decimal("0.01"))
                first = (paid / 2).quantize(Decimal("0.01"))
                account = accounts[pk % len(accounts)]
                inv_rows.append(
                    (
                        pk,
                        "invoice",
                        f"B{pk:010d}",
                        "issued",
                        account,
                        contract_ids[pk % len(contract_ids)],
                        "CNY",
                        issued,
                        30,
                        issued + timedelta(days=30),
                        "",
                        total,
                        Decimal(0),
                        total,
                        Decimal(0),
                        paid,
                        total - paid,
                        "",
                        "",
                        0,
                        1,
                        now,
                        now,
                    )
                )
                for j, amount in enumerate((first, paid - first)):
                    payment = payment_ids[2 * i + j]
                    received = min(today, issued + timedelta(days=20 + 15 * j))
                    pay_rows.append(
                        (
                            payment,
                            f"BP{payment:010d}",
                            "receipt",
                            account,
                            "CNY",
                            amount,
                            received,
                            "bank",
                            "",
                            "",
                            amount,
                            Decimal(0),
                            False,
                            Decimal(0),
                            zhang.pk,
                            now,
                        )
                    )
                    alloc_rows.append((allocation_ids[2 * i + j], payment, pk, amount, received, zhang.pk, now))
            bulk_insert(Invoice, INVOICE_FIELDS, inv_rows)
            bulk_insert(Payment, PAYMENT_FIELDS, pay_rows)
            bulk_insert(Allocation, ALLOCATION_FIELDS, alloc_rows)
        done += count
        print(f"  ledger {done:,} / {invoices:,}", file=sys.stderr)
    _analyze()


def _timed_once(call: Any) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def bench_aging(runs: int) -> list[tuple[str, ...]]:
    finance = User.objects.get(username="zhou")
    today = timezone.localdate()
    client = Client()
    client.force_login(finance)
    rows = []
    counts = f"{Invoice.objects.count():,} invoices, {Payment.objects.count():,} payments"
    for label, call in (
        ("aging by customer, today", lambda: selectors.aging(user=finance, as_of=today)),
        ("aging by customer, 30 days ago", lambda: selectors.aging(user=finance, as_of=today - timedelta(days=30))),
        ("aging by AR, today", lambda: selectors.aging(user=finance, as_of=today, group="ar")),
        ("GET /api/v1/receivables/aging (+ DSO)", lambda: client.get("/api/v1/receivables/aging")),
        ("receivables page (aging, DSO, forecast)", lambda: client.get("/billing/receivables/")),
    ):
        call()
        samples = sorted(_timed_once(call) for _ in range(runs))
        worst = samples[-1]
        rows.append(
            (
                label,
                f"p50 {samples[len(samples) // 2]:.0f} ms, max {worst:.0f} ms",
                counts,
                "pass" if worst < 2000 else ("FAIL" if connection.vendor == "postgresql" else "over (SQLite)"),
            )
        )
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_payment_api(clients: int, per_client: int, rate: float = 0.0) -> list[tuple[str, ...]]:
    """`clients` clients post payments (each allocating 1.00 to an open invoice) to a gunicorn
    server; every fifth request is sent again with the same Idempotency-Key (a retry). With
    `rate`, each client starts a request every 1/rate seconds (paced); without, back to back
    (the server saturated)."""
    finance = User.objects.get(username="zhou")
    _token, raw = token_create(actor=finance, user=finance, name=f"bench {time.time()}")
    open_invoices = list(
        Invoice.objects.filter(number__startswith="B", open_amount__gt=10).values_list("id", "account_id")[:5000]
    )
    before = Payment.objects.count()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ltc.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "4",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)

        # Warm up every worker (the first request of a process loads the URLs and the API).
        def warm(_n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _i in range(5):
                conn.request("GET", "/api/v1/payments?limit=1", headers={"Authorization": f"Bearer {raw}"})
                conn.getresponse().read()
            conn.close()

        warmers = [threading.Thread(target=warm, args=(n,)) for n in range(2 * clients)]
        for thread in warmers:
            thread.start()
        for thread in warmers:
            thread.join()
        latencies: list[float] = []
        keys: set[str] = set()
        errors: list[str] = []
        lock = threading.Lock()

        def work(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            rng = random.Random(n)
            headers = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}
            started = time.perf_counter()
            for i in range(per_client):
                if rate:
                    time.sleep(max(0.0, started + i / rate - time.perf_counter()))
                invoice, account = rng.choice(open_invoices)
                key = f"bench-{port}-{n}-{i}"
                body = json.dumps(
                    {
                        "account_id": account,
                        "amount": "1.00",
                        "received_on": str(timezone.localdate()),
                        "allocations": [{"invoice_id": invoice, "amount": "1.00"}],
                    }
                )
                for _attempt in range(2 if i % 5 == 0 else 1):
                    start = time.perf_counter()
                    conn.request("POST", "/api/v1/payments", body, {**headers, "Idempotency-Key": key})
                    response = conn.getresponse()
                    response.read()
                    elapsed = (time.perf_counter() - start) * 1000
                    with lock:
                        latencies.append(elapsed)
                        keys.add(key)
                        if response.status != 201:
                            errors.append(str(response.status))
            conn.close()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait()
    made = Payment.objects.count() - before
    latencies.sort()
    p95 = _p95(latencies)
    ok = p95 < 100 and made == len(keys) and not errors
    return [
        (
            f"POST /api/v1/payments, {clients} clients × {per_client}"
            + (f" at {rate:g}/s each" if rate else " back to back")
            + " (every 5th retried)",
            f"p50 {latencies[len(latencies) // 2]:.0f} ms, p95 {p95:.0f} ms, {len(latencies) / wall:.0f} req/s",
            f"{len(latencies)} requests, {len(keys)} keys, {made} payments, {len(errors)} errors; "
            f"in flight {sum(latencies) / 1000 / wall:.1f} of {clients}",
            "pass" if ok else "FAIL",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rate", type=float, default=3.0, help="requests per second per client (0: back to back)")
    parser.add_argument("--workloads", default="run,aging,payments", help="comma-separated subset")
    args = parser.parse_args()
    workloads = set(args.workloads.split(","))
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    contract_ids = signed_contracts(args.contracts)
    print(f"seeded {len(contract_ids):,} contracts in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    rows = bench_invoice_run(contract_ids) if "run" in workloads else []
    start = time.perf_counter()
    seed_ledger(args.invoices, contract_ids)
    print(f"seeded the ledger in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if "aging" in workloads:
        rows += bench_aging(args.runs)
    if "payments" in workloads:
        rows += bench_payment_api(args.clients, args.requests, args.rate)
        if args.rate:
            rows += bench_payment_api(args.clients, args.requests)
    print(f"\n### {connection.vendor} — billing")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
