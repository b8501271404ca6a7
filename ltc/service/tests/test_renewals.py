"""Renewals: the daily run opens one renewal deal per warranty or service contract ending within
the window, for the account's AR, through the deal service; it is idempotent; pages and API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from ltc.core.models import IntegrationEvent, TimelineEvent
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_pipeline
from ltc.org.tests.factories import UserFactory
from ltc.service.models import AssetStatus, EntitlementStatus, Renewal, RenewalKind
from ltc.service.panels_service import deal_renewal
from ltc.service.services.renewals import renewals_run
from ltc.service.tests.test_renewals_support import asset, entitlement

TODAY = date(2026, 3, 2)


@pytest.fixture
def pipeline(db: Any) -> Any:
    return make_pipeline()


@override_settings(LANGUAGE_CODE="zh-hans")  # the deals are named in the installation's language
def test_a_run_opens_one_deal_per_thing_ending_and_a_second_run_none(world: Any, pipeline: Any) -> None:
    server = asset(world.account, warranty_ends_on=TODAY + timedelta(days=30), name="边缘服务器")
    contract = entitlement(world.account, starts_on=date(2025, 6, 1), ends_on=TODAY + timedelta(days=60))

    assert renewals_run(today=TODAY) == 2
    assert renewals_run(today=TODAY) == 0
    assert renewals_run(today=TODAY + timedelta(days=1)) == 0

    warranty = Renewal.objects.get(asset=server)
    assert (warranty.kind, warranty.ends_on, warranty.account_id) == (
        RenewalKind.WARRANTY,
        server.warranty_ends_on,
        world.account.pk,
    )
    deal = warranty.opportunity
    assert deal.owner == world.owner
    assert deal.name == f"续保：边缘服务器 ({server.code})"
    assert deal.expected_close_date == server.warranty_ends_on
    assert deal.amount == Decimal("0.00")
    assert deal.pipeline == pipeline
    assert deal.stage == pipeline.open_stages()[0]
    service = Renewal.objects.get(entitlement=contract)
    assert service.kind == RenewalKind.SERVICE_CONTRACT
    assert service.opportunity.name == "续约：标准维保"
    assert Opportunity.objects.count() == 2
    kinds = list(
        IntegrationEvent.objects.filter(kind="service.renewal_deal_created").values_list("subject_id", flat=True)
    )
    assert sorted(kinds) == sorted([warranty.pk, service.pk])
    assert TimelineEvent.objects.filter(object_id=server.pk, text__contains=deal.name).exists()


@override_settings(LTC_RENEWAL_DAYS=90)
def test_the_window_runs_from_today_to_today_plus_the_renewal_days(world: Any, pipeline: Any) -> None:
    today_end = asset(world.account, warranty_ends_on=TODAY)
    last_day = asset(world.account, warranty_ends_on=TODAY + timedelta(days=90))
    asset(world.account, warranty_ends_on=TODAY + timedelta(days=91))
    asset(world.account, warranty_ends_on=TODAY - timedelta(days=1))
    asset(world.account, warranty_ends_on=None)
    asset(world.account, warranty_ends_on=TODAY + timedelta(days=10), status=AssetStatus.RETIRED)
    entitlement(world.account, starts_on=date(2025, 1, 1), ends_on=TODAY + timedelta(days=91))
    entitlement(
        world.account, starts_on=date(2025, 1, 1), ends_on=TODAY + timedelta(days=5), status=EntitlementStatus.CANCELLED
    )

    assert renewals_run(today=TODAY) == 2

    assert set(Renewal.objects.values_list("asset_id", flat=True)) == {today_end.pk, last_day.pk}


def test_a_warranty_extended_to_a_later_date_renews_again(world: Any, pipeline: Any) -> None:
    server = asset(world.account, warranty_ends_on=TODAY + timedelta(days=10))
    assert renewals_run(today=TODAY) == 1
    server.warranty_ends_on = TODAY + timedelta(days=375)
    server.save(update_fields=["warranty_ends_on"])

    assert renewals_run(today=TODAY + timedelta(days=300)) == 1
    assert list(Renewal.objects.filter(asset=server).values_list("ends_on", flat=True)) == [
        TODAY + timedelta(days=10),
        TODAY + timedelta(days=375),
    ]


def test_an_ar_without_a_sales_role_or_no_pipeline_opens_nothing(world: Any, db: Any) -> None:
    asset(world.account, warranty_ends_on=TODAY + timedelta(days=10))
    assert renewals_run(today=TODAY) == 0  # no pipeline yet
    make_pipeline()
    world.account.owner = UserFactory(username="finance2", roles=["finance"])
    world.account.save(update_fields=["owner"])

    assert renewals_run(today=TODAY) == 0
    assert not Renewal.objects.exists()
    assert not Opportunity.objects.exists()


def test_the_command_runs_now(world: Any, pipeline: Any, capsys: Any) -> None:
    asset(world.account, warranty_ends_on=date.today() + timedelta(days=3))  # noqa: DTZ011 - the command's today
    call_command("renewals_run", "--now")
    assert "renewal deals opened: 1" in capsys.readouterr().out


def test_the_deal_page_panel_says_what_it_renews(world: Any, pipeline: Any, web_as: Any) -> None:
    server = asset(world.account, warranty_ends_on=TODAY + timedelta(days=10))
    renewals_run(today=TODAY)
    deal = Renewal.objects.get().opportunity

    shown = deal_renewal(world.owner, deal)
    assert shown is not None
    assert shown["renewed"] == server
    assert deal_renewal(world.owner, Opportunity(pk=deal.pk + 1000)) is None
    page = web_as(world.owner).get(deal.get_absolute_url())
    assert page.status_code == 200
    assert 'id="opportunity-renewal"' in page.content.decode()


def test_the_renewal_list_page_and_api(world: Any, pipeline: Any, web_as: Any, api_as: Any) -> None:
    asset(world.account, warranty_ends_on=TODAY + timedelta(days=10))
    entitlement(world.account, starts_on=date(2025, 1, 1), ends_on=TODAY + timedelta(days=20))
    renewals_run(today=TODAY)

    page = web_as(world.service).get("/service/renewals/?kind=warranty")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Warranty renewal:" in body
    assert "Service contract renewal:" not in body
    assert web_as(world.owner).get("/service/renewals/").status_code == 403

    answer = api_as(world.manager).get("/service/renewals")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [i["kind"] for i in items] == ["warranty", "service"]
    assert items[0]["opportunity_status"] == "open"
    mine = api_as(world.manager).get(f"/service/renewals?account_id={world.account.pk}").json()["items"]
    assert len(mine) == 2
    assert api_as(world.manager).get(f"/service/renewals?account_id={world.account.pk + 1000}").json()["items"] == []
    assert api_as(world.other).get("/service/renewals").status_code == 403
    assert api_as(world.service).get("/service/renewals?kind=nonsense").status_code == 422
