"""The KPI period check shared by the dashboard and the API (years, order, span), the CSAT
response rate counting only surveys that went out, and the dashboard's team list."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ltc.customers.tests.factories import ContactFactory
from ltc.org.tests.factories import TeamFactory, UserFactory
from ltc.service.kpis import MAX_DAYS, period_errors, service_kpis
from ltc.service.models import CaseStatus
from ltc.service.tests.test_renewals_support import at, case
from ltc.service.views_dashboard import service_teams


def test_period_errors() -> None:
    assert period_errors(date(2026, 1, 1), date(2026, 12, 31)) == {}
    assert set(period_errors(date(9999, 1, 1), date(9999, 12, 31))) == {"since", "until"}
    assert set(period_errors(date(2026, 1, 1), date(9999, 12, 31))) == {"until"}
    assert set(period_errors(date(2026, 3, 8), date(2026, 3, 1))) == {"until"}
    assert set(period_errors(date(2020, 1, 1), date(2026, 1, 1))) == {"since"}
    assert MAX_DAYS == 366


def test_service_kpis_refuses_a_wrong_period(world: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        service_kpis(world.admin, since=date(9999, 1, 1), until=date(9999, 12, 31))
    assert set(refused.value.error_dict) == {"since", "until"}


def test_the_page_shows_field_errors_not_a_500(world: Any, web_as: Any) -> None:
    page = web_as(world.admin).get("/service/?until=9999-12-31&since=9999-01-01")
    assert page.status_code == 200
    assert "Choose a day between 1900 and 2200." in page.content.decode()
    wide = web_as(world.admin).get("/service/?since=2016-01-01&until=2026-01-01")
    assert wide.status_code == 200
    assert "Choose a period of at most 366 days." in wide.content.decode()


def test_the_api_answers_422_with_field_errors(world: Any, api_as: Any) -> None:
    answer = api_as(world.admin).get("/service/kpis?until=9999-12-31&since=9999-01-01")
    assert answer.status_code == 422
    assert answer["Content-Type"].startswith("application/problem+json")
    assert {"since", "until"} <= set(answer.content.decode().replace('"', " ").split())
    wide = api_as(world.admin).get("/service/kpis?since=2016-01-01&until=2026-01-01")
    assert wide.status_code == 422
    assert "since" in wide.content.decode()
    assert api_as(world.admin).get("/service/kpis?since=2026-01-01&until=2026-12-31").status_code == 200


def test_csat_counts_only_surveys_that_went_out(world: Any) -> None:
    day = {"opened_at": at(2026, 3, 2, 9), "resolved_at": at(2026, 3, 2, 12)}
    mailed = ContactFactory(account=world.account, email="buyer@example.com")
    case(world.account, status=CaseStatus.CLOSED, csat_token="a", contact=mailed, **day)  # sent
    case(world.account, status=CaseStatus.RESOLVED, csat_token="b", channel="email", **day)  # sent
    case(world.account, status=CaseStatus.RESOLVED, csat_token="c", csat_score=4, contact=mailed, **day)  # answered
    case(world.account, status=CaseStatus.RESOLVED, csat_token="d", **day)  # nowhere to mail it
    case(world.account, status=CaseStatus.IN_PROGRESS, csat_token="e", contact=mailed, **day)  # reopened

    csat = service_kpis(world.admin, since=date(2026, 3, 1), until=date(2026, 3, 31))["csat"]

    assert (csat["answered"], csat["sent"], str(csat["response_rate"])) == (1, 3, "33.3")


def test_service_teams_are_those_of_active_service_staff(world: Any, django_assert_num_queries: Any) -> None:
    desk = TeamFactory(name="Service desk")
    field = TeamFactory(name="Field service")
    UserFactory(username="agent", team=desk, roles=["service"])
    UserFactory(username="gone", team=field, roles=["service"], is_active=False)
    case(world.account, team=world.north)  # a case's team alone does not list it

    with django_assert_num_queries(1):
        teams = service_teams()

    assert teams == [(str(desk.pk), "Service desk")]
