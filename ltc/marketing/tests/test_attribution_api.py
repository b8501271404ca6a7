"""The attribution API and pages over the small world of test_attribution (figures by hand there)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ltc.marketing.tests import test_attribution

small_world = test_attribution.small_world  # the shared fixture (its figures are computed there)


def _query(w: dict[str, Any], **more: str) -> str:
    params = {"from": str(w["start"]), "to": str(w["end"]), **more}
    return "&".join(f"{key}={value}" for key, value in params.items())


def test_api_linear_figures(world: Any, small_world: dict[str, Any], api_as: Any) -> None:
    response = api_as(world.marketing).get(f"/marketing/attribution?{_query(small_world, model='linear')}")
    assert response.status_code == 200
    body = response.json()
    assert (body["model"], body["from"], body["to"], body["kind"]) == (
        "linear",
        str(small_world["start"]),
        str(small_world["end"]),
        "",
    )
    rows = {row["code"]: row for row in body["campaigns"]}
    assert {k: rows["A"][k] for k in ("leads", "mql", "deals", "won", "won_amount", "cash", "cost")} == {
        "leads": "1.00",
        "mql": "1.00",
        "deals": "0.50",
        "won": "0.50",
        "won_amount": "450000.00",
        "cash": "750.00",
        "cost": "3000.00",
    }
    assert (rows["A"]["cost_per_lead"], rows["A"]["cost_per_won"]) == ("3000.00", "6000.00")
    assert rows["B"]["cash"] == "375.00"
    assert rows["C"]["roi"] is None
    assert body["totals"]["cash"] == "1500.00"
    assert body["totals"]["cost"] == "3600.00"


def test_api_dashboard(world: Any, small_world: dict[str, Any], api_as: Any) -> None:
    response = api_as(world.executive).get(f"/marketing/dashboard?{_query(small_world, model='first')}")
    assert response.status_code == 200
    body = response.json()
    assert body["funnel"] == {
        "members": 3,
        "responded": 2,
        "leads": "3.00",
        "mql": "2.00",
        "sql": "1.00",
        "won": "1.00",
    }
    assert body["conversion"] == {"mql_to_sql": "50.0", "sql_to_won": "100.0", "mql_to_won": "50.0"}
    first = body["campaigns"][0]
    assert (first["name"], first["cash"], first["members"], first["responded"]) == ("活动A", "1500.00", 2, 1)


def test_api_refuses_bad_filters_as_problems(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    bad_model = api.get("/marketing/attribution?model=u-shaped")
    assert bad_model.status_code == 422
    assert bad_model["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in bad_model.json()["errors"]] == ["model"]
    bad_kind = api.get("/marketing/attribution?kind=radio")
    assert bad_kind.status_code == 422
    assert [e["field"] for e in bad_kind.json()["errors"]] == ["kind"]
    bad_date = api.get("/marketing/attribution?from=2026-13-01")
    assert bad_date.status_code == 422
    assert [e["field"] for e in bad_date.json()["errors"]] == ["from"]
    inverted = api.get("/marketing/attribution?from=2026-05-02&to=2026-05-01")
    assert inverted.status_code == 422
    assert [e["field"] for e in inverted.json()["errors"]] == ["to"]
    assert api_as(world.owner).get("/marketing/attribution").status_code == 403


def test_dashboard_page(
    world: Any, small_world: dict[str, Any], web_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = web_as(world.manager)
    with django_assert_max_num_queries(14):
        response = client.get(f"/marketing/?model=last&start={small_world['start']}&end={small_world['end']}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="marketing-funnel-chart"' in html
    assert "echarts/echarts.min.js" in html
    assert "活动C" in html
    assert "1,500.00" in html  # last touch: C brought the cash
    assert web_as(world.owner).get("/marketing/").status_code == 403


def test_attribution_page_bad_filter_and_export(world: Any, small_world: dict[str, Any], web_as: Any) -> None:
    client = web_as(world.marketing)
    today = timezone.localdate()
    bad = client.get(f"/marketing/attribution/?model=u-shaped&start={today}&end={today}")
    assert bad.status_code == 200
    assert 'id="attribution-table"' not in bad.content.decode()
    assert "invalid-feedback" in bad.content.decode()
    inverted = client.get(f"/marketing/attribution/?start={today}&end=2020-01-01")
    assert "The end date must not be before the start date." in inverted.content.decode()
    page = client.get(f"/marketing/attribution/?model=linear&start={small_world['start']}&end={small_world['end']}")
    assert page.status_code == 200
    assert "750.00" in page.content.decode()
    export = client.get(
        f"/marketing/attribution/?model=linear&start={small_world['start']}&end={small_world['end']}&export=csv"
    )
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Campaign,Code,Type,Leads")
    assert lines[1].startswith("活动A,A,Trade show,1.00,1.00,0.50,0.50,0.50,450000.00,750.00,3000.00,-0.7500")


def test_dashboard_dropdown_shows_the_model_of_the_figures(
    world: Any, small_world: dict[str, Any], web_as: Any
) -> None:
    import json
    import re

    client = web_as(world.marketing)
    for url in ("/marketing/", f"/marketing/?start={small_world['start']}&end={small_world['end']}&model="):
        html = client.get(url).content.decode()
        model_select = html[html.index('name="model"') : html.index("</select>", html.index('name="model"'))]
        selected = re.findall(r'<option value="(\w+)"[^>]*selected', model_select)
        assert selected == ["linear"], url  # the figures below are linear: so is the dropdown
        assert "model=linear" in html  # and the tabs carry it on
    # The funnel's counts are numbers without decimals (a linear split keeps its fraction).
    html = client.get(f"/marketing/?model=linear&start={small_world['start']}&end={small_world['end']}").content
    data = re.search(rb'<script id="marketing-chart-data" type="application/json">(.*?)</script>', html)
    assert data is not None
    # members, responded, leads (1 + 1.25 + 0.75), MQL, SQL, won: whole numbers, not "3.00"
    values = [step["value"] for step in json.loads(data.group(1))["funnel"]]
    assert values == [3, 2, 3, 2, 1, 1]
    assert all(isinstance(value, int) for value in values)
    first = client.get(f"/marketing/?model=first&start={small_world['start']}&end={small_world['end']}")
    assert first.context["form"]["model"].value() == first.context["report"].model == "first"
