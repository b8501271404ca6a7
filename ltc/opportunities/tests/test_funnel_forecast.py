from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ltc.opportunities import selectors
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _deal(world, pipeline, stage_name, *, reached=None, **fields):
    at = stage(pipeline, stage_name)
    furthest = stage(pipeline, reached).order if reached else at.order
    return make_opportunity(world, pipeline, stage=at, probability=at.probability, max_stage_order=furthest, **fields)


def test_funnel_counts_what_is_in_each_stage_and_what_went_on(world, api_as, pipeline, django_assert_max_num_queries):
    for _ in range(4):
        _deal(world, pipeline, "确认")
    for _ in range(3):
        _deal(world, pipeline, "方案", amount=Decimal("200000.00"))
    _deal(world, pipeline, "签约")
    _deal(world, pipeline, "输单", reached="方案", status="lost")
    _deal(world, pipeline, "赢单", reached="赢单", status="won")
    _deal(world, pipeline, "确认", reached="签约")  # moved back: still counts as having reached 签约
    api = api_as(world.owner)
    with django_assert_max_num_queries(11):  # sign-in 2, pipeline 4, access 2, the three aggregates
        answer = api.get(f"/pipelines/{pipeline.pk}/funnel").json()
    rows = {s["stage_name"]: s for s in answer["stages"]}
    assert [rows[n]["count"] for n in ("确认", "方案", "签约")] == [5, 3, 1]
    assert [rows[n]["reached"] for n in ("确认", "方案", "签约")] == [11, 7, 3]
    assert rows["方案"]["amounts"] == [{"currency": "CNY", "amount": "600000.00"}]
    assert [rows[n]["conversion"] for n in ("确认", "方案", "签约")] == ["63.6", "42.9", "33.3"]
    assert (answer["won"], answer["lost"], answer["win_rate"]) == (1, 1, "50.0")
    assert api_as(world.other).get(f"/pipelines/{pipeline.pk}/funnel").json()["stages"][0]["reached"] == 0


def test_forecast_by_month_category_and_weight(world, api_as, pipeline):
    month = timezone.localdate().replace(day=1)
    later = (month + timedelta(days=40)).replace(day=1)
    _deal(world, pipeline, "确认", expected_close_date=month, amount=Decimal("1000000.00"))  # 10%
    _deal(world, pipeline, "签约", expected_close_date=month + timedelta(days=3), forecast_category="commit")  # 90%
    _deal(world, pipeline, "方案", expected_close_date=later, forecast_category="best_case", amount=Decimal("50000.00"))
    _deal(world, pipeline, "方案", expected_close_date=later, forecast_category="omitted")
    _deal(world, pipeline, "方案", expected_close_date=later, currency="USD")
    _deal(world, pipeline, "方案", expected_close_date=month - timedelta(days=1))  # before the window
    rows = api_as(world.owner).get(f"/forecast?start={month.isoformat()}&months=3").json()
    assert [r["label"] for r in rows] == [month.strftime("%Y-%m"), later.strftime("%Y-%m")]
    first, second = rows
    assert (first["pipeline"], first["commit"], first["total"]) == ("1000000.00", "1000000.00", "2000000.00")
    assert first["weighted"] == "1000000.00"  # 10% of 1M + 90% of 1M
    assert (second["best_case"], second["weighted"]) == ("50000.00", "20000.00")


def test_forecast_by_owner_and_team_and_bad_input(world, api_as, pipeline):
    colleague = UserFactory(username="colleague", team=world.east, roles=["ar"])
    month = timezone.localdate().replace(day=1)
    _deal(world, pipeline, "方案", expected_close_date=month)
    _deal(world, pipeline, "方案", expected_close_date=month, owner=colleague)
    by_owner = api_as(world.manager).get("/forecast?group=owner").json()
    assert sorted(r["label"] for r in by_owner) == sorted([str(world.owner), str(colleague)])
    by_team = api_as(world.manager).get("/forecast?group=team").json()
    assert [(r["label"], r["total"]) for r in by_team] == [(str(world.east), "2000000.00")]
    bad = api_as(world.manager).get("/forecast?group=planet&months=99")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"group", "months"}


def test_the_funnel_page_draws_the_chart(world, web_as, pipeline):
    _deal(world, pipeline, "方案", expected_close_date=timezone.localdate())
    page = web_as(world.owner).get(f"/opportunities/funnel/?pipeline={pipeline.pk}&group=owner").content.decode()
    assert 'id="funnel-data"' in page
    assert '"value": 1' in page
    assert str(world.owner) in page
    assert selectors.funnel(user=world.owner, pipeline=pipeline).stages[1].count == 1
