"""Service KPIs with known figures: business-minute times, SLA attainment, backlog by age, CSAT,
breakdowns, upsell won amount; scope; the dashboard and the API; query budgets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from ltc.customers.tests.factories import AccountFactory
from ltc.opportunities.tests.factories import make_opportunity
from ltc.service.kpis import service_kpis
from ltc.service.models import CaseCategory, CaseStatus, Priority, SlaState
from ltc.service.services.upsell import case_upsell_flag
from ltc.service.tests.test_renewals_support import asset, at, case

SINCE, UNTIL = date(2026, 3, 2), date(2026, 3, 8)  # Monday to Sunday, no holiday
NOW = at(2026, 3, 10, 12)


@pytest.fixture
def figures(world: Any) -> Any:
    server = asset(world.account, warranty_ends_on=None)
    resolved = case(
        world.account,
        opened_at=at(2026, 3, 2, 9),
        first_response_at=at(2026, 3, 2, 10),  # 60 business minutes
        resolved_at=at(2026, 3, 2, 17),  # 480
        status=CaseStatus.RESOLVED,
        response_sla=SlaState.MET,
        resolution_sla=SlaState.MET,
        priority=Priority.P1,
        category=CaseCategory.INCIDENT,
        csat_token="t1",
        csat_score=5,
        owner=world.service,
        asset=server,
    )
    case(
        world.account,
        opened_at=at(2026, 3, 2, 9),
        first_response_at=at(2026, 3, 3, 9, 30),  # 540 + 30 = 570
        status=CaseStatus.IN_PROGRESS,
        response_sla=SlaState.MISSED,
        resolution_sla=SlaState.BREACHED,
        owner=world.service,
        asset=server,
    )
    case(
        world.account,
        opened_at=at(2026, 3, 6, 17),  # Friday 17:00
        first_response_at=at(2026, 3, 9, 9, 30),  # 60 + 30 = 90 over the weekend
        resolved_at=at(2026, 3, 9, 10),  # 120, less 20 waited on the customer = 100
        paused_minutes=20,
        status=CaseStatus.CLOSED,
        response_sla=SlaState.MET,
        resolution_sla=SlaState.MET,
        csat_token="t3",
        channel="email",  # the survey went to the sender's address
    )
    case(world.account, opened_at=at(2026, 3, 10, 8), status=CaseStatus.NEW)  # after the period: backlog only
    case(AccountFactory(owner=world.other), opened_at=at(2026, 3, 3, 9), status=CaseStatus.NEW)  # another AR's
    upsell = case_upsell_flag(actor=world.service, case=resolved, kind="upsell", note="加购许可")
    upsell.flagged_at = at(2026, 3, 3, 9)
    upsell.save(update_fields=["flagged_at"])
    make_opportunity(world, source_lead=upsell.lead, status="won", amount=Decimal("50000.00"))
    return world


def test_known_figures(figures: Any) -> None:
    kpis = service_kpis(figures.manager, since=SINCE, until=UNTIL, now=NOW)

    assert kpis["cases"] == {"opened": 3, "resolved": 2}
    assert kpis["first_response"] == {"measured": 3, "average_minutes": 240, "median_minutes": 90}
    assert kpis["resolution"] == {"measured": 2, "average_minutes": 290, "median_minutes": 290}
    assert kpis["sla"]["response"] == {"met": 2, "missed": 1, "breached": 0, "attainment": Decimal("66.7")}
    assert kpis["sla"]["resolution"] == {"met": 2, "missed": 0, "breached": 1, "attainment": Decimal("66.7")}
    assert {b["bucket"]: b["cases"] for b in kpis["backlog"]} == {"lt_1d": 1, "1_3d": 0, "3_7d": 0, "gt_7d": 1}
    assert kpis["csat"] == {"average": Decimal("5.0"), "answered": 1, "sent": 2, "response_rate": Decimal("50.0")}
    assert {p["priority"]: p["cases"] for p in kpis["by_priority"]} == {"p1": 1, "p2": 0, "p3": 2, "p4": 0}
    assert {c["category"]: c["cases"] for c in kpis["by_category"]}["incident"] == 1
    assert kpis["assets"]["top_assets"][0]["cases"] == 2
    assert (kpis["assets"]["cases_on_assets"], kpis["assets"]["assets_in_use"]) == (2, 1)
    assert kpis["assets"]["cases_per_asset"] == Decimal("2.00")
    assert kpis["upsell"] == {
        "flagged": 1,
        "deals": 1,
        "won": 1,
        "won_amounts": [{"currency": "CNY", "amount": Decimal("50000.00")}],
    }
    assert kpis["agents"] is None  # a sales manager: no figures by agent


def test_scope_team_and_manager_view(figures: Any) -> None:
    everything = service_kpis(figures.admin, since=SINCE, until=UNTIL, now=NOW)
    assert everything["cases"]["opened"] == 4  # the other AR's account too
    assert [(a["name"], a["opened"], a["resolved"]) for a in everything["agents"]] == [("Service", 2, 1)]
    assert service_kpis(figures.admin, since=SINCE, until=UNTIL, team_id=figures.east.pk)["cases"]["opened"] == 0
    with pytest.raises(PermissionDenied):
        service_kpis(figures.owner, since=SINCE, until=UNTIL)


def test_within_the_query_budget(figures: Any, django_assert_max_num_queries: Any) -> None:
    admin = type(figures.admin).objects.get(pk=figures.admin.pk)
    with django_assert_max_num_queries(14):
        service_kpis(admin, since=SINCE, until=UNTIL, now=NOW)


def test_the_dashboard_and_the_api(figures: Any, web_as: Any, api_as: Any, django_assert_max_num_queries: Any) -> None:
    client = web_as(figures.admin)
    with django_assert_max_num_queries(30):
        page = client.get("/service/?since=2026-03-02&until=2026-03-08")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="service-agents"' in body
    assert "echarts/echarts.min.js" in body
    assert 'id="figure-opened">4<' in body
    wrong = client.get("/service/?since=2026-03-08&until=2026-03-01&team=abc")
    assert wrong.status_code == 200
    assert "The end comes before the start." in wrong.content.decode()
    assert web_as(figures.owner).get("/service/").status_code == 403

    answer = api_as(figures.manager).get("/service/kpis?since=2026-03-02&until=2026-03-08")
    assert answer.status_code == 200
    data = answer.json()
    assert data["cases"]["opened"] == 3
    assert data["upsell"]["won_amounts"][0]["amount"] == "50000.00"
    assert data["agents"] is None
    assert api_as(figures.manager).get("/service/kpis?since=2026-03-08&until=2026-03-01").status_code == 422
    assert api_as(figures.owner).get("/service/kpis").status_code == 403
