"""Attribution to cash on a small world whose figures are computed by hand.

Account X (world.account) and its won deal D1 (created at `base`, won 900,000.00, source lead
L1; cash collected through two partial payments 1,200.00 + 300.00 = 1,500.00 on one invoice):

    t1 A  base-30d  account X                  → D1, L1 (before L1's creation)
    t2 B  base-20d  account X                  → D1, L1
    t3 A  base-15d  account X                  → D1, L1
    t4 C  base-10d  lead L1 (and account X)    → D1 (source lead, found twice, counted once), L1
    t5 B  base+1d   account X                  → nobody (after D1 and after L1)

D2 (account Y, open, created base) has one touch: B base-3d. D3 (account Z) has none.
L1 created base-12d, hot and qualified (MQL, SQL). L2 created base-5d, cold: its touch B.
L3 created base-4d, warm (MQL): its touches A base-4d and C base-2d (its own: counted though
after its creation). The world's lead has no touch.

first : A leads 2 (L1, L3) mql 2 sql 1 · B leads 1 (L2) · deals A 1 (D1, won, cash 1,500), B 1 (D2)
last  : C leads 2 (L1, L3) mql 2 sql 1 · B leads 1 · deals C 1 (D1), B 1 (D2)
linear: L1 A ½ B ¼ C ¼; L2 B 1; L3 A ½ C ½ → leads A 1, B 1.25, C 0.75; mql A 1, B 0.25, C 0.75;
        sql A 0.5, B 0.25, C 0.25; D1 A ½ B ¼ C ¼, D2 B 1 → deals A 0.5, B 1.25, C 0.25;
        won A 0.5 B 0.25 C 0.25; won amount 450,000 / 225,000 / 225,000; cash 750 / 375 / 375.
Costs in the period: A 3,000 (a 500 cost before the period is left out), B 600, C none.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ltc.billing import services as billing
from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.contracts.tests.factories import contract_team, signed_contract
from ltc.customers.tests.factories import AccountFactory
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.attribution import attribution_report
from ltc.marketing.models import Campaign, CampaignCost, CampaignMember, MemberStatus, Touch
from ltc.marketing.models.attribution import AttributionCredit, AttributionDay
from ltc.marketing.services.attribution_credits import credits_rebuild, credits_refresh
from ltc.marketing.services.touches import TouchIn, touches_record
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity

D = Decimal


def _campaign(code: str, kind: str, owner: Any) -> Campaign:
    return Campaign.objects.create(name=f"活动{code}", code=code, kind=kind, owner=owner)


def _touch(campaign: Campaign, at: Any, key: str, **people: Any) -> Touch:
    return Touch.objects.create(campaign=campaign, kind="form", occurred_at=at, key=key, **people)


@pytest.fixture
def small_world(world: Any) -> dict[str, Any]:
    now = timezone.now()
    base = now - timedelta(days=2)
    day = timedelta(days=1)
    a = _campaign("A", "trade_show", world.marketing)
    b = _campaign("B", "email", world.marketing)
    c = _campaign("C", "webinar", world.marketing)
    contract = signed_contract(world, contract_team(world))
    x = contract.account
    y = AccountFactory(owner=world.owner, name="远景能源有限公司")
    z = AccountFactory(owner=world.owner, name="无触达有限公司")
    l1 = LeadFactory(owner=world.owner, temperature="hot")
    l2 = LeadFactory(owner=world.owner, temperature="cold")
    l3 = LeadFactory(owner=world.owner, temperature="warm")
    Lead.objects.filter(pk=l1.pk).update(created_at=base - 12 * day, qualified_at=base - 11 * day, account=x)
    Lead.objects.filter(pk=l2.pk).update(created_at=base - 5 * day)
    Lead.objects.filter(pk=l3.pk).update(created_at=base - 4 * day)
    d1 = contract.opportunity
    Opportunity.objects.filter(pk=d1.pk).update(
        created_at=base, status="won", closed_at=base + day, amount=D("900000.00"), currency="CNY", source_lead=l1
    )
    d2 = make_opportunity(world, account=y, name="远景项目")
    d3 = make_opportunity(world, account=z, name="无触达项目")
    Opportunity.objects.filter(pk__in=[d2.pk, d3.pk]).update(created_at=base)
    _touch(a, base - 30 * day, "t1", account=x)
    _touch(b, base - 20 * day, "t2", account=x)
    _touch(a, base - 15 * day, "t3", account=x)
    _touch(c, base - 10 * day, "t4", lead=l1, account=x)
    _touch(b, base + day, "t5", account=x)
    _touch(b, base - 3 * day, "t6", account=y)
    _touch(b, base - 5 * day, "t7", lead=l2)
    _touch(a, base - 4 * day, "t8", lead=l3)
    _touch(c, base - 2 * day, "t9", lead=l3)
    today = timezone.localdate()
    CampaignCost.objects.create(campaign=a, spent_on=today - timedelta(days=10), description="展位", amount=D("3000"))
    CampaignCost.objects.create(campaign=a, spent_on=today - timedelta(days=400), description="去年", amount=D("500"))
    CampaignCost.objects.create(campaign=b, spent_on=today - timedelta(days=3), description="邮件", amount=D("600"))
    CampaignMember.objects.create(campaign=a, lead=l1, status=MemberStatus.RESPONDED)
    CampaignMember.objects.create(campaign=a, lead=l3, status=MemberStatus.OPENED)
    CampaignMember.objects.create(campaign=b, lead=l2, status=MemberStatus.CLICKED)
    # Cash: two partial payments on one invoice of D1's contract; the invoice stays partly open.
    billing.invoice_run(today=today + timedelta(days=800))
    issue_drafts(contract, world.finance)
    invoice = Invoice.objects.filter(contract=contract, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED).first()
    assert invoice is not None
    assert invoice.total > D("1500.00")
    pay(invoice, world.finance, D("1200.00"), reference="第一笔")
    pay(invoice, world.finance, D("300.00"), reference="第二笔")
    invoice.refresh_from_db()
    assert invoice.open_amount == invoice.total - D("1500.00")
    # The raw updates above announce nothing: the report reads the credits the rebuild makes.
    credits_rebuild()
    return {
        "a": a,
        "b": b,
        "c": c,
        "start": today - timedelta(days=60),
        "end": today,
        "d2": d2,
        "l2": l2,
        "y": y,
        "invoice": invoice,
    }


def _figures(world: Any, w: dict[str, Any], model: str, **filters: Any) -> dict[str, dict[str, Any]]:
    report = attribution_report(user=world.marketing, model=model, start=w["start"], end=w["end"], **filters)
    names = ("leads", "mql", "sql", "deals", "won", "won_amount", "cash", "cost", "roi")
    return {row.code: {name: getattr(row, name) for name in names} for row in report.campaigns}


def test_first_touch(world: Any, small_world: dict[str, Any]) -> None:
    rows = _figures(world, small_world, "first")
    assert rows["A"] == {
        "leads": D("2.00"),
        "mql": D("2.00"),
        "sql": D("1.00"),
        "deals": D("1.00"),
        "won": D("1.00"),
        "won_amount": D("900000.00"),
        "cash": D("1500.00"),
        "cost": D("3000.00"),
        "roi": D("-0.5000"),
    }
    assert rows["B"] == {
        "leads": D("1.00"),
        "mql": D("0.00"),
        "sql": D("0.00"),
        "deals": D("1.00"),
        "won": D("0.00"),
        "won_amount": D("0.00"),
        "cash": D("0.00"),
        "cost": D("600.00"),
        "roi": D("-1.0000"),
    }
    assert (rows["C"]["leads"], rows["C"]["cash"], rows["C"]["roi"]) == (D("0.00"), D("0.00"), None)


def test_last_touch(world: Any, small_world: dict[str, Any]) -> None:
    rows = _figures(world, small_world, "last")
    assert rows["C"] == {
        "leads": D("2.00"),
        "mql": D("2.00"),
        "sql": D("1.00"),
        "deals": D("1.00"),
        "won": D("1.00"),
        "won_amount": D("900000.00"),
        "cash": D("1500.00"),
        "cost": D("0.00"),
        "roi": None,
    }
    assert (rows["B"]["leads"], rows["B"]["deals"], rows["B"]["cash"]) == (D("1.00"), D("1.00"), D("0.00"))
    assert (rows["A"]["leads"], rows["A"]["deals"], rows["A"]["cash"]) == (D("0.00"), D("0.00"), D("0.00"))
    assert rows["A"]["roi"] == D("-1.0000")


def test_linear(world: Any, small_world: dict[str, Any]) -> None:
    rows = _figures(world, small_world, "linear")
    expected = {
        "A": ("1.00", "1.00", "0.50", "0.50", "0.50", "450000.00", "750.00", "3000.00", D("-0.7500")),
        "B": ("1.25", "0.25", "0.25", "1.25", "0.25", "225000.00", "375.00", "600.00", D("-0.3750")),
        "C": ("0.75", "0.75", "0.25", "0.25", "0.25", "225000.00", "375.00", "0.00", None),
    }
    names = ("leads", "mql", "sql", "deals", "won", "won_amount", "cash", "cost")
    for code, values in expected.items():
        assert {name: rows[code][name] for name in names} == dict(zip(names, map(D, values[:8]), strict=True))
        assert rows[code]["roi"] == values[8]


def test_costs_per_outcome_funnel_and_totals(world: Any, small_world: dict[str, Any]) -> None:
    report = attribution_report(
        user=world.marketing, model="linear", start=small_world["start"], end=small_world["end"]
    )
    a = next(row for row in report.campaigns if row.code == "A")
    b = next(row for row in report.campaigns if row.code == "B")
    assert (a.cost_per_lead, a.cost_per_mql, a.cost_per_won) == (D("3000.00"), D("3000.00"), D("6000.00"))
    assert (b.cost_per_lead, b.cost_per_mql, b.cost_per_won) == (D("480.00"), D("2400.00"), D("2400.00"))
    assert (a.members, a.responded, b.members, b.responded) == (2, 1, 1, 1)
    totals = report.totals
    # Every touched outcome once: 3 leads (the untouched world lead is nobody's), 2 deals, 1 won.
    assert (totals["leads"], totals["mql"], totals["sql"]) == (D("3.00"), D("2.00"), D("1.00"))
    assert (totals["deals"], totals["won"], totals["cash"], totals["cost"]) == (
        D("2.00"),
        D("1.00"),
        D("1500.00"),
        D("3600.00"),
    )
    assert totals["roi"] == D("-0.5833")
    assert report.conversion == {"mql_to_sql": D("50.0"), "sql_to_won": D("100.0"), "mql_to_won": D("50.0")}
    assert [row.code for row in report.campaigns] == ["A", "B", "C"]  # most cash first


def test_period_and_kind_filters(world: Any, small_world: dict[str, Any]) -> None:
    today = timezone.localdate()
    # A period that ends before the payments, the win and the deals: only L1 and L2 remain.
    rows = _figures(world, small_world, "first", kind="trade_show")
    assert list(rows) == ["A"]
    early = attribution_report(
        user=world.marketing, model="first", start=today - timedelta(days=60), end=today - timedelta(days=7)
    )
    a = next(row for row in early.campaigns if row.code == "A")
    assert (a.leads, a.deals, a.won, a.cash, a.cost) == (D("1.00"), D("0.00"), D("0.00"), D("0.00"), D("3000.00"))


def test_refuses_bad_filters_and_outsiders(world: Any, small_world: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as bad_model:
        attribution_report(user=world.marketing, model="u-shaped")
    assert "model" in bad_model.value.message_dict
    with pytest.raises(ValidationError) as bad_kind:
        attribution_report(user=world.marketing, kind="radio")
    assert "kind" in bad_kind.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as inverted:
        attribution_report(user=world.marketing, start=today, end=today - timedelta(days=1))
    assert "to" in inverted.value.message_dict
    with pytest.raises(PermissionDenied):
        attribution_report(user=world.owner)


def test_query_budget(world: Any, small_world: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        attribution_report(user=world.marketing, model="linear", start=small_world["start"], end=small_world["end"])


def test_demo_seed_credits_the_trade_show_first_and_the_nurture_last(world: Any, small_world: dict[str, Any]) -> None:
    from ltc.web.demo_marketing import NURTURE, TRADE_SHOW
    from ltc.web.demo_marketing_attribution import seed_attribution

    show = _campaign(TRADE_SHOW, "trade_show", world.marketing)
    nurture = _campaign(NURTURE, "email", world.marketing)
    seed_attribution({})
    seed_attribution({})  # idempotent: the same touches once
    assert AttributionCredit.objects.filter(campaign=show).exists()  # the demo ends with credits built
    assert Touch.objects.filter(campaign=show).count() == 1
    show_at = Touch.objects.get(campaign=show).occurred_at
    nurture_at = Touch.objects.get(campaign=nurture).occurred_at
    assert show_at < nurture_at  # the story: the show met them first, the e-mail came last
    last = _figures(world, small_world, "last")
    # The nurture click three days before D1 is now its last touch: it gets the 1,500.00.
    assert (last[NURTURE]["cash"], last[NURTURE]["won_amount"]) == (D("1500.00"), D("900000.00"))
    assert last[TRADE_SHOW]["cash"] == last["C"]["cash"] == D("0.00")
    # D1's six touches (A twice, B, C, show, nurture): the show's sixth of the cash.
    assert _figures(world, small_world, "linear")[TRADE_SHOW]["cash"] == D("250.00")


def test_linear_shares_add_up_to_the_outcome_and_the_models_agree(world: Any, small_world: dict[str, Any]) -> None:
    # D1 won 1,000.03 shared A ½, B ¼, C ¼: 500.015 / 250.0075 / 250.0075, each rounded on its own
    # line would make 500.02 + 250.01 + 250.01 = 1,000.04. Largest remainder: 500.01 + 250.01 + 250.01.
    deal = Opportunity.objects.get(status="won", amount=D("900000.00"))
    Opportunity.objects.filter(pk=deal.pk).update(amount=D("1000.03"))
    credits_rebuild()
    rows = _figures(world, small_world, "linear")
    assert [rows[code]["won_amount"] for code in "ABC"] == [D("500.01"), D("250.01"), D("250.01")]
    for model in ("first", "last", "linear"):
        report = attribution_report(
            user=world.marketing, model=model, start=small_world["start"], end=small_world["end"]
        )
        assert (report.totals["won_amount"], report.totals["cash"]) == (D("1000.03"), D("1500.00")), model
    stored = AttributionCredit.objects.filter(model="linear", outcome="won", subject_id=deal.pk)
    assert sorted(D(str(amount)) for amount in stored.values_list("amount", flat=True)) == [
        D("250.01"),
        D("250.01"),
        D("500.01"),
    ]
    rebuilt = _snapshot()
    credits_refresh(deal_ids=[deal.pk])  # the incremental path rounds the same way
    assert _snapshot() == rebuilt


def _snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every credit and day sum (amounts to the micro-unit: SQLite sums floats)."""
    q = D("0.000001")
    credits = sorted(
        (m, o, s, c, d, D(str(credit)).quantize(q), D(str(amount)).quantize(q))
        for m, o, s, c, d, credit, amount in AttributionCredit.objects.values_list(
            "model", "outcome", "subject_id", "campaign_id", "day", "credit", "amount"
        )
    )
    days = sorted(
        (m, o, c, d, D(str(credit)).quantize(q), D(str(amount)).quantize(q))
        for m, o, c, d, credit, amount in AttributionDay.objects.values_list(
            "model", "outcome", "campaign_id", "day", "credit", "amount"
        )
    )
    return credits, days


def test_incremental_path_matches_a_full_rebuild(world: Any, small_world: dict[str, Any]) -> None:
    from ltc.core.events import reactions_deliver
    from ltc.opportunities import services as deals

    w = small_world
    now = timezone.now()
    # New touches: C on account Y before D2 (D2's linear credit now B ½ C ½), A on lead L2 (its
    # own: counted whenever), and a touch after everything (credits nobody).
    touches_record(
        [
            TouchIn(campaign_id=w["c"].pk, kind="click", key="n1", account_id=w["y"].pk, at=now - timedelta(days=9)),
            TouchIn(campaign_id=w["a"].pk, kind="form", key="n2", lead_id=w["l2"].pk, at=now - timedelta(days=1)),
            TouchIn(campaign_id=w["b"].pk, kind="open", key="n3", account_id=w["y"].pk, at=now),
        ]
    )
    linear = _figures(world, w, "linear")
    assert (linear["B"]["deals"], linear["C"]["deals"]) == (D("0.75"), D("0.75"))  # D1 ¼ + D2 ½ each
    assert (linear["A"]["leads"], linear["B"]["leads"]) == (D("1.50"), D("0.75"))  # L2 split A ½ B ½
    # A win and a partial payment, followed after the commit (the worker's delivery).
    d2 = Opportunity.objects.get(pk=w["d2"].pk)
    deals.opportunity_win(
        actor=world.admin,
        opportunity=d2,
        expected_version=d2.version,
        reason="solution",
        override_reason="测试：跳过关卡",
    )
    pay(w["invoice"], world.finance, D("100.00"), reference="第三笔")
    reactions_deliver()
    won = Opportunity.objects.get(pk=d2.pk)
    assert won.status == "won"
    first, last = _figures(world, w, "first"), _figures(world, w, "last")
    # D2's first touch is now C (n1), its last still B (t6): each has a won deal; D1's extra
    # 100.00 goes to A (first) and C (last).
    assert (first["C"]["won"], last["B"]["won"]) == (D("1.00"), D("1.00"))
    assert (first["A"]["cash"], last["C"]["cash"]) == (D("1600.00"), D("1600.00"))
    incremental = _snapshot()
    credits_rebuild()
    assert _snapshot() == incremental
    credits_refresh(lead_ids=[w["l2"].pk], deal_ids=[d2.pk])  # idempotent
    assert _snapshot() == incremental


def test_merged_lead_loses_its_credits(world: Any, small_world: dict[str, Any]) -> None:
    l2 = small_world["l2"]
    assert AttributionCredit.objects.filter(outcome="lead", subject_id=l2.pk).count() == 3  # one per model
    Lead.objects.filter(pk=l2.pk).update(merged_into=Lead.objects.exclude(pk=l2.pk).first())
    credits_refresh(lead_ids=[l2.pk])
    assert not AttributionCredit.objects.filter(outcome="lead", subject_id=l2.pk).exists()
    assert _figures(world, small_world, "first")["B"]["leads"] == D("0.00")


def test_rebuild_command(world: Any, small_world: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    before = _snapshot()
    AttributionDay.objects.all().delete()
    out = StringIO()
    call_command("attribution_rebuild", stdout=out)
    assert "credits rebuilt" in out.getvalue()
    assert _snapshot() == before
