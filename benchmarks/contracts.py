"""Benchmark contracts: the contract list over 100k contracts, and the contract page of a
contract with 200 lines, 20 milestones and 10 versions.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL). Targets (#6):
the list p95 < 100 ms; the detail page < 150 ms with a bounded number of queries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
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

from ltc.contracts import services as contract_services  # noqa: E402
from ltc.contracts.models import Contract  # noqa: E402
from ltc.core.bulk import bulk_insert, next_ids  # noqa: E402
from ltc.org.models import Authority, Role, User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.quotes import services as quote_services  # noqa: E402
from ltc.quotes.models import Quote  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from quotes import _p95, _timed, seed_catalog, seed_quotes, two_hundred_lines  # noqa: E402

CONTRACT_FIELDS = (
    "id",
    "number",
    "opportunity_id",
    "account_id",
    "quote_id",
    "quote_version_id",
    "title",
    "currency",
    "owner_id",
    "fr_id",
    "status",
    "total",
    "customer_signatory",
    "our_signatory",
    "signed_copy",
    "termination_reason",
    "created_by_id",
    "search_text",
    "version",
    "created_at",
    "updated_at",
)
STATUSES = ["draft", "in_review", "approved", "signed", "accepted", "in_execution", "completed", "closed"]


def seed_contracts(total: int, rng: random.Random) -> None:
    if Contract.objects.count() >= total:
        return
    seed_quotes(total // 10, rng)
    quotes = list(Quote.objects.order_by("id").values_list("id", "opportunity_id", "account_id", "owner_id")[:5000])
    # The list does not read the quote version: every contract names one real version.
    book, _bundles, _singles = seed_catalog()
    zhang = User.objects.get(username="zhang")
    deal = Quote.objects.filter(owner=zhang).order_by("id").first().opportunity  # type: ignore[union-attr]
    first, _unmatched = quote_services.quote_create(actor=zhang, opportunity=deal, price_book=book)
    version_id = first.current_id
    fr = User.objects.get(username="yang").pk
    now = timezone.now()
    done = Contract.objects.count()
    while done < total:
        count = min(50_000, total - done)
        with transaction.atomic():
            ids = next_ids(Contract, count)
            rows = []
            for pk in ids:
                quote_id, deal_id, account_id, owner_id = quotes[pk % len(quotes)]
                created = now - timedelta(minutes=total - pk)
                rows.append(
                    (
                        pk,
                        f"B{pk:08d}",
                        deal_id,
                        account_id,
                        quote_id,
                        version_id,
                        f"基准合同{pk}",
                        "CNY",
                        owner_id,
                        fr if pk % 3 == 0 else None,
                        STATUSES[pk % len(STATUSES)],
                        Decimal(rng.randint(1, 900) * 1000),
                        "",
                        "",
                        "",
                        "",
                        owner_id,
                        f"b{pk:08d} 基准合同{pk} 基准客户有限公司".lower(),
                        1,
                        created,
                        created,
                    )
                )
            bulk_insert(Contract, CONTRACT_FIELDS, rows)
        done += count
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def big_contract() -> Contract:
    """A contract from a 200-line accepted quote, with 20 milestones, reviewed, in execution with
    one order, and nine approved changes (10 versions)."""
    book, bundles, singles = seed_catalog()
    users = {u.username: u for u in User.objects.filter(username__in=["zhang", "li", "chen", "yang", "zhou", "wang"])}
    for subject in ("review_atc", "contract_change"):
        Authority.objects.get_or_create(subject=subject, role=Role.objects.get(code="executive"), max_amount=None)
    zhang, yang = users["zhang"], users["yang"]
    deal = Quote.objects.filter(owner=zhang).order_by("-id").first().opportunity  # type: ignore[union-attr]
    quote, _unmatched = quote_services.quote_create(actor=zhang, opportunity=deal, price_book=book)
    quote_services.quote_version_update(
        actor=zhang, quote=quote, expected_version=quote.version, data={"lines": two_hundred_lines(bundles, singles)}
    )
    quote.refresh_from_db()
    quote.current.status = "accepted"  # the approval and the customer's answer are not what is measured
    quote.current.save(update_fields=["status"])
    contract = contract_services.contract_create(actor=zhang, quote=quote)
    contract_services.contract_update(
        actor=zhang, contract=contract, expected_version=contract.version, data={"sr": users["chen"], "fr": yang}
    )
    contract = Contract.objects.get(pk=contract.pk)
    start = timezone.localdate()
    while contract.milestones.count() < 20:
        n = contract.milestones.count() + 1
        contract_services.milestone_save(
            actor=zhang,
            contract=contract,
            data={"name": f"里程碑 {n}", "planned_date": start + timedelta(days=10 * n), "deliverables": "交付物"},
        )
    review = contract_services.contract_submit_review(actor=zhang, contract=contract, expected_version=contract.version)
    contract = Contract.objects.get(pk=contract.pk)
    for check in review.checks.all():
        checker = {"finance": users["zhou"], "delivery": yang}.get(check.area, User.objects.get(username="admin"))
        contract_services.review_check(actor=checker, contract=contract, item=check.item, result="ok")
    contract_services.review_decide(actor=review.decider, contract=contract, decision="approve")
    Contract.objects.filter(pk=contract.pk).update(status="accepted")
    contract = Contract.objects.get(pk=contract.pk)
    contract_services.order_generate(actor=yang, contract=contract, title="全部交付")
    for n in range(9):
        contract = Contract.objects.get(pk=contract.pk)
        line = contract.current.lines.filter(parent_key__isnull=True).order_by("key")[n + 30]
        change = contract_services.change_create(
            actor=zhang,
            contract=contract,
            origin="customer",
            title=f"变更 {n + 1}",
            reason="基准",
            proposal={"lines": [{"key": line.key, "quantity": str(line.quantity + 10)}]},
        )
        contract_services.change_assess(actor=zhang, change=change, role="ar", verdict="support")
        contract_services.change_assess(actor=users["chen"], change=change, role="sr", verdict="support")
        contract_services.change_assess(
            actor=yang, change=change, role="fr", verdict="support", cost_impact="0", schedule_days="0"
        )
        contract_services.change_decide(actor=users["wang"], change=change, approve=True)
    return Contract.objects.get(pk=contract.pk)


def _queries(call: Any) -> int:
    """How many SQL statements one call runs."""
    count = 0

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        call()
    return count


def bench_detail(runs: int) -> list[tuple[str, ...]]:
    contract = big_contract()
    zhang = User.objects.get(username="zhang")
    client = Client()
    client.force_login(zhang)
    _token, raw = token_create(actor=zhang, user=zhang, name="bench-detail")
    headers = {"Authorization": f"Bearer {raw}"}

    def page() -> None:
        response = client.get(f"/contracts/{contract.pk}/")
        assert response.status_code == 200, response.content[:300]

    def api() -> None:
        response = client.get(f"/api/v1/contracts/{contract.pk}", headers=headers)
        assert response.status_code == 200, response.content[:300]

    page_queries, api_queries = _queries(page), _queries(api)
    page_samples = _timed(page, runs)
    api_samples = _timed(api, runs)
    shape = (
        f"{contract.current.lines.count()} lines, {contract.milestones.count()} milestones, "
        f"{contract.versions.count()} versions, {contract.orders.count()} order"
    )
    return [
        (
            f"contract page ({shape})",
            f"p50 {statistics.median(page_samples):.1f} ms, p95 {_p95(page_samples):.1f} ms",
            f"{page_queries} queries",
            "PASS" if _p95(page_samples) < 150 else "FAIL (target < 150 ms)",
        ),
        (
            "the same contract through GET /api/v1/contracts/{id}",
            f"p50 {statistics.median(api_samples):.1f} ms, p95 {_p95(api_samples):.1f} ms",
            f"{api_queries} queries",
            "PASS" if _p95(api_samples) < 150 else "FAIL (target < 150 ms)",
        ),
    ]


def bench_list(runs: int) -> list[tuple[str, ...]]:
    results = []
    total = Contract.objects.count()
    for username, who in (("wang", "executive"), ("li", "manager"), ("zhang", "AR"), ("yang", "FR (delivery)")):
        user = User.objects.get(username=username)
        _token, raw = token_create(actor=user, user=user, name="bench")
        client = Client()
        headers = {"Authorization": f"Bearer {raw}"}
        for label, query in (("newest", ""), ("status", "?status=in_execution"), ("search", "?q=基准合同1234")):

            def call(query: str = query, client: Client = client, headers: dict[str, str] = headers) -> None:
                response = client.get(f"/api/v1/contracts{query}", headers=headers)
                assert response.status_code == 200, response.content[:200]

            samples = _timed(call, runs)
            results.append(
                (
                    f"contract list over {total:,} contracts — {who}, {label}",
                    f"p50 {statistics.median(samples):.1f} ms, p95 {_p95(samples):.1f} ms",
                    "50 rows a page",
                    "PASS" if _p95(samples) < 100 else "FAIL (target p95 < 100 ms)",
                )
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    seed_contracts(args.total, random.Random(6))
    print(f"seeded {Contract.objects.count():,} contracts in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    rows = bench_detail(args.runs) + bench_list(args.runs)
    print(f"\n### {connection.vendor} — contracts")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
