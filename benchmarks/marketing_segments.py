"""Benchmark segment counts (细分人群, issue #19): `segment_count()` of realistic dynamic segments
over 1M leads and 1M contacts (their accounts, deals, campaign members, e-mail consents and
activities), next to a hand-written SQL count of the same rules in the same run.

Run through benchmarks/run.sh (a fresh SQLite file, then a throwaway PostgreSQL), or alone with
DATABASE_URL set: `python benchmarks/marketing_segments.py --leads 100000 --contacts 100000`.
Leads come from the ML benchmark's bulk path, accounts with one contact each from `ltc seed`'s;
the marketing rows are written by one INSERT … SELECT each, in the database.
Target (#19): p95 < 500 ms per count on PostgreSQL.
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
from django.utils import timezone  # noqa: E402
from opportunities import seed as seed_deals  # noqa: E402 - benchmarks/opportunities.py

from ltc.customers.models import Account, Contact  # noqa: E402
from ltc.leads.models import Lead  # noqa: E402
from ltc.marketing.models import Campaign, CampaignMember  # noqa: E402
from ltc.marketing.models.segments import Segment  # noqa: E402
from ltc.marketing.services.segments import segment_count  # noqa: E402
from ltc.org.models import User  # noqa: E402
from ltc.web.demo import seed_scale  # noqa: E402

INDUSTRIES = ["manufacturing", "finance", "energy", "retail", "internet", "healthcare", "other"]
SIZES = ["micro", "small", "medium", "large", "enterprise"]
CAMPAIGN = object()  # the benchmark's campaign, created with the rows that name it


def case(column: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {column} %% {len(values)} {whens} END"


def seed_leads(total: int, rng: random.Random) -> None:
    """Leads through the ORM's bulk_create (whatever columns the model has, with their defaults)."""
    owners = list(User.objects.filter(is_active=True).values_list("pk", flat=True)[:5])
    statuses = ["new", "new", "verifying", "qualified", "converted", "disqualified"]
    have = Lead.objects.count()
    while have < total:
        count = min(10_000, total - have)
        rows = []
        for n in range(have, have + count):
            email = f"s{n}@seed.cn"
            rows.append(
                Lead(
                    source="import",
                    company_name=f"种子{n}有限公司",
                    company_key=f"种子{n}",
                    contact_name=f"联系人{n}",
                    email=email,
                    email_key=email,
                    status=rng.choice(statuses),
                    score=rng.randint(0, 100),
                    owner_id=rng.choice(owners) if n % 10 else None,
                )
            )
        with transaction.atomic():
            Lead.objects.bulk_create(rows, batch_size=5000)
        have += count


def seed(leads: int, contacts: int) -> int:
    """Everything the rules read; answers the campaign's id."""
    rng = random.Random(19)
    if Contact.objects.count() < contacts:
        seed_scale(scale=contacts - Contact.objects.count())
    seed_leads(leads, rng)
    campaign = Campaign.objects.filter(code="BENCH_SHOW").first()
    if campaign is not None:
        return campaign.pk
    marketing = User.objects.filter(is_active=True).order_by("pk")[0]
    seed_deals(max(contacts // 5, 1), max(contacts // 10, 1), rng)
    first, last = Account.objects.order_by("pk").values_list("pk", flat=True)[:1][0], Account.objects.latest("pk").pk
    now = timezone.now()
    lead_type = ContentType.objects.get_for_model(Lead).pk
    contact_type = ContentType.objects.get_for_model(Contact).pk
    ago = (
        "%s - (id %% 90) * interval '1 day'"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, -(id %% 90) || ' days')"
    )
    statuses = ["targeted", "sent", "opened", "clicked", "registered", "attended", "responded"]
    statements: list[tuple[str, list[Any]]] = [
        (
            f"UPDATE leads_lead SET industry = {case('id', INDUSTRIES)}, "  # noqa: S608
            f"company_size = {case('(id / 7)', SIZES)}, region = {case('(id / 3)', ['east', 'north', 'south', 'central'])}",
            [],
        ),
        (f"UPDATE opportunities_opportunity SET account_id = {first} + (id * 7919) %% {last - first + 1}", []),  # noqa: S608
        (
            "INSERT INTO marketing_campaignmember (campaign_id, lead_id, contact_id, status, source, added_at, "  # noqa: S608
            f"status_at) SELECT %s, id, NULL, {case('id', statuses)}, 'import', %s, %s FROM leads_lead WHERE id %% 20 = 0",
            [CAMPAIGN, now, now],
        ),
        (
            "INSERT INTO marketing_campaignmember (campaign_id, lead_id, contact_id, status, source, added_at, "  # noqa: S608
            f"status_at) SELECT %s, NULL, id, {case('id', statuses)}, 'import', %s, %s FROM customers_contact "
            "WHERE id %% 20 = 0",
            [CAMPAIGN, now, now],
        ),
        (
            "INSERT INTO marketing_consent (address, channel, state, basis, source, recorded_at) "
            "SELECT DISTINCT email_key, 'email', 'granted', 'consent', 'bench', %s FROM leads_lead "
            "WHERE id %% 3 = 0 AND email_key <> ''",
            [now],
        ),
        (
            "INSERT INTO marketing_consent (address, channel, state, basis, source, recorded_at) "
            "SELECT DISTINCT email_key, 'email', 'granted', 'consent', 'bench', %s FROM customers_contact "
            "WHERE id %% 3 = 0 AND email_key <> '' AND NOT EXISTS (SELECT 1 FROM marketing_consent k "
            "WHERE k.address = email_key AND k.channel = 'email')",  # NOT IN: a per-row scan at 1M
            [now],
        ),
        (
            "INSERT INTO core_activity (content_type_id, object_id, kind, title, owner_id, due_at, remind_at, "  # noqa: S608
            f"reminded_at, done_at, outcome, created_at) SELECT %s, id, 'call', '回访', %s, NULL, NULL, NULL, {ago}, "
            "'', %s FROM leads_lead WHERE id %% 10 = 0",
            [lead_type, marketing.pk, now, now],
        ),
        (
            "INSERT INTO core_activity (content_type_id, object_id, kind, title, owner_id, due_at, remind_at, "  # noqa: S608
            f"reminded_at, done_at, outcome, created_at) SELECT %s, id, 'visit', '拜访', %s, NULL, NULL, NULL, {ago}, "
            "'', %s FROM customers_contact WHERE id %% 10 = 0",
            [contact_type, marketing.pk, now, now],
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        campaign = Campaign.objects.create(name="基准展会", code="BENCH_SHOW", kind="trade_show", owner=marketing)
        for sql, params in statements:
            params = [campaign.pk if p is CAMPAIGN else p for p in params]
            cursor.execute(sql, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return campaign.pk


def rule_sets(campaign_id: int, stage_id: int) -> list[tuple[str, str, dict[str, Any], str, list[Any]]]:
    """(label, target, rules, the same count as hand-written SQL, its parameters)."""
    lead_ct = ContentType.objects.get_for_model(Lead).pk
    contact_ct = ContentType.objects.get_for_model(Contact).pk
    since = timezone.now() - timedelta(days=30)
    consent = (
        "EXISTS (SELECT 1 FROM marketing_consent k WHERE k.channel = 'email' AND k.state = 'granted' "
        "AND k.address = {t}.email_key) AND {t}.email_key <> ''"
    )
    members = "('registered', 'attended', 'responded')"
    return [
        (
            "leads: manufacturing, east, score >= 60",
            "leads",
            {"match": "all", "conditions": [
                {"field": "industry", "op": "in", "value": ["manufacturing"]},
                {"field": "region", "op": "in", "value": ["east"]},
                {"field": "score", "op": "gte", "value": 60}]},
            "SELECT COUNT(*) FROM leads_lead l WHERE l.merged_into_id IS NULL AND l.industry = 'manufacturing' "
            "AND l.region = 'east' AND l.score >= 60",
            [],
        ),
        (
            "leads: open statuses, e-mail consent",
            "leads",
            {"match": "all", "conditions": [
                {"field": "status", "op": "in", "value": ["new", "verifying", "qualified"]},
                {"field": "email_consent", "op": "is", "value": True}]},
            "SELECT COUNT(*) FROM leads_lead l WHERE l.merged_into_id IS NULL AND l.status IN ('new', 'verifying', "  # noqa: S608
            "'qualified') AND " + consent.format(t="l"),
            [],
        ),
        (
            "leads: registered at the show, or score >= 90 (any)",
            "leads",
            {"match": "any", "conditions": [
                {"field": "campaign", "op": "at_least", "value": {"campaign_id": campaign_id, "status": "registered"}},
                {"field": "score", "op": "gte", "value": 90}]},
            "SELECT COUNT(*) FROM leads_lead l WHERE l.merged_into_id IS NULL AND (EXISTS (SELECT 1 FROM "  # noqa: S608
            f"marketing_campaignmember m WHERE m.campaign_id = %s AND m.status IN {members} AND m.lead_id = l.id) "
            "OR l.score >= 90)",
            [campaign_id],
        ),
        (
            "leads: no activity in 30 days, east or north",
            "leads",
            {"match": "all", "conditions": [
                {"field": "last_activity", "op": "not_within_days", "value": 30},
                {"field": "region", "op": "in", "value": ["east", "north"]}]},
            "SELECT COUNT(*) FROM leads_lead l WHERE l.merged_into_id IS NULL AND l.region IN ('east', 'north') "
            "AND NOT EXISTS (SELECT 1 FROM core_activity a WHERE a.content_type_id = %s AND a.object_id = l.id "
            "AND a.done_at >= %s)",
            [lead_ct, since],
        ),
        (
            "contacts: manufacturing, east (华东制造业决策人)",
            "contacts",
            {"match": "all", "conditions": [
                {"field": "industry", "op": "in", "value": ["manufacturing"]},
                {"field": "region", "op": "in", "value": ["east"]}]},
            "SELECT COUNT(*) FROM customers_contact c JOIN customers_account a ON a.id = c.account_id "
            "WHERE c.merged_into_id IS NULL AND a.industry = 'manufacturing' AND a.region = 'east'",
            [],
        ),
        (
            "contacts: open deal in a stage, e-mail consent",
            "contacts",
            {"match": "all", "conditions": [
                {"field": "deal_stage", "op": "in", "value": [stage_id]},
                {"field": "email_consent", "op": "is", "value": True}]},
            "SELECT COUNT(*) FROM customers_contact c WHERE c.merged_into_id IS NULL AND EXISTS (SELECT 1 FROM "  # noqa: S608
            "opportunities_opportunity o WHERE o.account_id = c.account_id AND o.status = 'open' AND o.stage_id = %s) "
            "AND " + consent.format(t="c"),
            [stage_id],
        ),
        (
            "contacts: no visit in 30 days, large companies",
            "contacts",
            {"match": "all", "conditions": [
                {"field": "company_size", "op": "in", "value": ["large", "enterprise"]},
                {"field": "last_activity", "op": "not_within_days", "value": 30}]},
            "SELECT COUNT(*) FROM customers_contact c JOIN customers_account a ON a.id = c.account_id "
            "WHERE c.merged_into_id IS NULL AND a.size IN ('large', 'enterprise') AND NOT EXISTS (SELECT 1 FROM "
            "core_activity x WHERE x.content_type_id = %s AND x.object_id = c.id AND x.done_at >= %s)",
            [contact_ct, since],
        ),
    ]  # fmt: skip


def timed(fn: Any, n: int) -> tuple[float, float, Any]:
    fn()  # warm
    samples, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)], result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    campaign_id = seed(args.leads, args.contacts)
    seeded = time.perf_counter() - start
    stage_id = (
        Segment._meta.apps.get_model("opportunities", "Opportunity")
        .objects.filter(status="open")
        .values_list("stage_id", flat=True)
        .first()
    )
    owner = User.objects.filter(is_active=True).first()
    print(f"\n{connection.vendor}: {Lead.objects.count():,} leads, {Contact.objects.count():,} contacts, "
          f"{CampaignMember.objects.count():,} campaign members; seeded in {seeded:,.0f} s")  # fmt: skip
    print(f"| {'segment':<52} | {'count':>9} | {'p50 ms':>7} | {'p95 ms':>7} | {'raw p95':>7} | {'ratio':>5} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|")
    worst = 0.0
    for label, target, rules, sql, params in rule_sets(campaign_id, stage_id or 0):
        segment = Segment(name=label, target=target, rules=rules, owner=owner)

        def raw(sql: str = sql, params: list[Any] = params) -> int:
            with connection.cursor() as cursor:
                cursor.execute(sql, params or None)
                return int(cursor.fetchone()[0])

        p50, p95, count = timed(lambda segment=segment: segment_count(segment), args.repeat)
        _r50, r95, raw_count = timed(raw, args.repeat)
        assert count == raw_count, (label, count, raw_count)
        worst = max(worst, p95)
        print(f"| {label:<52} | {count:>9,} | {p50:>7.1f} | {p95:>7.1f} | {r95:>7.1f} | {p95 / r95:>5.2f} |")
    goal = 500.0
    print(f"worst p95 {worst:.0f} ms (target < {goal:.0f} ms on PostgreSQL)")
    if connection.vendor == "postgresql" and worst >= goal and args.leads >= 1_000_000:
        sys.exit(1)


if __name__ == "__main__":
    main()
