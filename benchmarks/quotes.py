"""Benchmark CPQ: price a 200-line quote with bundles and volume prices, render its PDF, and list
quotes over 100k quotes.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL). Targets (#5):
pricing a 200-line quote < 100 ms; its PDF < 2 s; the quote list p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from ltc.catalog.models import (  # noqa: E402
    BundleComponent,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.catalog.pricing import price_context  # noqa: E402
from ltc.core.bulk import bulk_insert, next_ids  # noqa: E402
from ltc.customers.models import Account  # noqa: E402
from ltc.opportunities.models import Opportunity, Pipeline  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.org.services import token_create  # noqa: E402
from ltc.quotes import pricing, services  # noqa: E402
from ltc.quotes.documents import render_pdf  # noqa: E402
from ltc.quotes.models import Quote  # noqa: E402
from ltc.web.demo import ensure_organisation  # noqa: E402
from ltc.web.demo_deals import seed_pipelines  # noqa: E402

BUNDLES, PARTS, SINGLES = 20, 5, 80
DEAL_FIELDS = [
    "name",
    "account_id",
    "amount",
    "currency",
    "pipeline_id",
    "stage_id",
    "max_stage_order",
    "probability",
    "forecast_category",
    "status",
    "campaign",
    "competitors",
    "products_of_interest",
    "description",
    "owner_id",
    "close_reason",
    "close_note",
    "lost_to",
    "version",
    "created_at",
    "updated_at",
]
QUOTE_FIELDS = [
    "search_text",
    "number",
    "opportunity_id",
    "account_id",
    "owner_id",
    "title",
    "currency",
    "status",
    "total",
    "valid_until",
    "version",
    "created_at",
    "updated_at",
]
STATUSES = ["draft", "in_approval", "approved", "sent", "accepted", "declined", "rejected"]


def seed_catalog() -> tuple[PriceBook, list[Product], list[Product]]:
    book = PriceBook.objects.filter(name="基准价目表").first()
    if book is not None:
        return book, list(Product.objects.filter(is_bundle=True)), list(Product.objects.filter(code__startswith="P-S"))
    book = PriceBook.objects.create(name="基准价目表", currency="CNY", valid_from=date(2026, 1, 1))
    bundles, singles = [], []
    for b in range(BUNDLES):
        bundle = Product.objects.create(
            code=f"B-{b:03d}", name=f"解决方案套件{b}", product_type="software", is_bundle=True
        )
        PriceBookEntry.objects.create(price_book=book, product=bundle, unit_price=Decimal(0))
        for c in range(PARTS):
            part = Product.objects.create(
                code=f"P-B{b:03d}-{c}", name=f"组件{b}-{c}", product_type="hardware", cost=Decimal(300 + c)
            )
            entry = PriceBookEntry.objects.create(price_book=book, product=part, unit_price=Decimal(1000 + 10 * c))
            PriceTier.objects.create(entry=entry, min_quantity=Decimal(10), unit_price=Decimal(900 + 10 * c))
            BundleComponent.objects.create(
                bundle=bundle, component=part, required=c < 2, min_quantity=Decimal(1), default_quantity=Decimal(1)
            )
        bundles.append(bundle)
    for s in range(SINGLES):
        product = Product.objects.create(
            code=f"P-S{s:03d}", name=f"单品{s}", product_type="service", tax_rate=6, cost=Decimal(500)
        )
        entry = PriceBookEntry.objects.create(price_book=book, product=product, unit_price=Decimal(2000))
        for step, quantity in enumerate((10, 50, 100)):
            PriceTier.objects.create(entry=entry, min_quantity=Decimal(quantity), unit_price=Decimal(1900 - 100 * step))
        singles.append(product)
    return book, bundles, singles


def seed_quotes(total: int, rng: random.Random) -> Pipeline:
    users = ensure_organisation()
    pipeline, _product = seed_pipelines()
    if Quote.objects.count() >= total:
        return pipeline
    account = Account.objects.first() or Account.objects.create(name="基准客户有限公司", owner=users["zhang"])
    owners = [users[u].pk for u in ("zhang", "liu", "li", "zhao", "emma")]
    stage = pipeline.open_stages()[0]
    now = timezone.now()
    deals = total // 5
    with transaction.atomic():
        deal_rows = [
            (
                f"基准项目{i}",
                account.pk,
                Decimal(rng.randint(1, 900) * 10000),
                "CNY",
                pipeline.pk,
                stage.pk,
                stage.order,
                stage.probability,
                "pipeline",
                "open",
                "",
                "",
                "",
                "",
                owners[i % len(owners)],
                "",
                "",
                "",
                1,
                now,
                now,
            )
            for i in range(deals)
        ]
        bulk_insert(Opportunity, DEAL_FIELDS, deal_rows)
    deal_ids = list(Opportunity.objects.order_by("id").values_list("id", "owner_id"))
    done = 0
    while done < total:
        count = min(50_000, total - done)
        with transaction.atomic():
            ids = next_ids(Quote, count)
            rows = []
            for pk in ids:
                deal_id, owner_id = deal_ids[pk % len(deal_ids)]
                created = now - timedelta(minutes=total - pk)
                rows.append(
                    (
                        f"b2026-{pk:07d} 基准报价{pk} {account.name}".lower(),
                        f"B2026-{pk:07d}",
                        deal_id,
                        account.pk,
                        owner_id,
                        f"基准报价{pk}",
                        "CNY",
                        STATUSES[pk % len(STATUSES)],
                        Decimal(rng.randint(1, 900) * 1000),
                        (created + timedelta(days=30)).date(),
                        1,
                        created,
                        created,
                    )
                )
            bulk_insert(Quote, ("id", *QUOTE_FIELDS), [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        done += count
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return pipeline


def _timed(call: Any, runs: int) -> list[float]:
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _p95(samples: list[float]) -> float:
    return samples[max(0, int(len(samples) * 0.95) - 1)]


def two_hundred_lines(bundles: list[Product], singles: list[Product]) -> list[dict[str, Any]]:
    """20 bundles of 5 components (120 lines) and 80 single products (volume prices): 200 lines."""
    lines: list[dict[str, Any]] = []
    for index, bundle in enumerate(bundles):
        parts = list(BundleComponent.objects.filter(bundle=bundle).order_by("id"))
        lines.append(
            {
                "product_id": bundle.pk,
                "quantity": "2",
                "components": [{"product_id": p.component_id, "quantity": str(4 + index % 20)} for p in parts],
            }
        )
    lines += [{"product_id": p.pk, "quantity": str(5 + 3 * i), "discount_pct": "5"} for i, p in enumerate(singles)]
    return lines


def bench_pricing(book: PriceBook, bundles: list[Product], singles: list[Product], runs: int) -> list[tuple[str, ...]]:
    zhang = User.objects.get(username="zhang")
    deal = Opportunity.objects.filter(owner=zhang).first()
    assert deal is not None
    ContractPrice.objects.get_or_create(
        account=deal.account, product=singles[0], defaults={"unit_price": Decimal(1500), "valid_from": date(2026, 1, 1)}
    )
    quote, _unmatched = services.quote_create(actor=zhang, opportunity=deal, price_book=book)
    lines = two_hundred_lines(bundles, singles)
    discounts = iter(range(10_000))

    def update() -> None:
        quote.refresh_from_db()
        services.quote_version_update(
            actor=zhang,
            quote=quote,
            expected_version=quote.version,
            data={"lines": lines, "document_discount_pct": str(next(discounts) % 5)},
        )

    whole = _timed(update, runs)
    version = Quote.objects.get(pk=quote.pk).current
    assert version is not None
    count = version.lines.count()
    ids = [p.pk for p in (*bundles, *singles)] + list(
        BundleComponent.objects.filter(bundle__in=bundles).values_list("component_id", flat=True)
    )
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}

    def compute() -> None:
        context = price_context(book=book, account=deal.account, on=timezone.localdate(), product_ids=ids)
        priced = []
        for line in lines:
            top = products[line["product_id"]]
            parent = pricing.PricedLine(
                top,
                Decimal(line["quantity"]),
                Decimal(line.get("discount_pct", 0)),
                context.unit_price(top, Decimal(line["quantity"])),
            )  # type: ignore[arg-type]
            for part in line.get("components", []):
                product = products[part["product_id"]]
                quantity = Decimal(part["quantity"])
                parent.components.append(
                    pricing.PricedLine(product, quantity, Decimal(0), context.unit_price(product, quantity))
                )  # type: ignore[arg-type]
            priced.append(parent)
        pricing.price(priced, Decimal(3))

    only = _timed(compute, runs)
    pdf = _timed(lambda: render_pdf(version), max(3, runs // 10))
    pages = len(PdfReader(io.BytesIO(render_pdf(version))).pages)
    return [
        (
            f"price and store a {count}-line quote (20 bundles × 5 components, 80 volume-priced lines)",
            f"p50 {statistics.median(whole):.1f} ms, p95 {_p95(whole):.1f} ms",
            f"pricing alone (3 queries + arithmetic) p95 {_p95(only):.1f} ms",
            "PASS" if _p95(whole) < 100 else "FAIL (target < 100 ms)",
        ),
        (
            f"render its PDF ({count} lines, {pages} pages)",
            f"max {pdf[-1]:.0f} ms (p50 {statistics.median(pdf):.0f} ms)",
            "WeasyPrint, Noto Sans CJK",
            "PASS" if pdf[-1] < 2000 else "FAIL (target < 2 s)",
        ),
    ]


def bench_list(runs: int) -> list[tuple[str, ...]]:
    results = []
    total = Quote.objects.count()
    for username, who in (("wang", "executive"), ("li", "manager"), ("zhang", "rep")):
        user = User.objects.get(username=username)
        _token, raw = token_create(actor=user, user=user, name="bench")
        client = Client()
        headers = {"Authorization": f"Bearer {raw}"}
        for label, query in (("newest", ""), ("status=sent", "?status=sent"), ("search", "?q=基准报价1234")):

            def call(query: str = query, client: Client = client, headers: dict[str, str] = headers) -> None:
                response = client.get(f"/api/v1/quotes{query}", headers=headers)
                assert response.status_code == 200, response.content[:200]

            samples = _timed(call, runs)
            results.append(
                (
                    f"quote list over {total:,} quotes — {who}, {label}",
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
    seed_quotes(args.total, random.Random(5))
    book, bundles, singles = seed_catalog()
    print(f"seeded {Quote.objects.count():,} quotes in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    rows = bench_pricing(book, bundles, singles, args.runs) + bench_list(args.runs)
    print(f"\n### {connection.vendor} — quotes")
    print("| workload | result | detail | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
