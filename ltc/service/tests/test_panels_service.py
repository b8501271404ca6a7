"""The account page shows service next to sales: open cases with their SLA state, counts, assets,
entitlements and renewal deals; "New case" for service staff only; nothing for finance or
marketing; within its query budget whatever the number of records."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.core.panels import panels_of
from ltc.customers.choices import AccountStatus
from ltc.customers.models import Account
from ltc.opportunities.tests.factories import make_pipeline
from ltc.service.models import CaseStatus, SlaState
from ltc.service.panels_service import account_service
from ltc.service.services.renewals import renewals_run
from ltc.service.tests.test_renewals_support import asset, case, entitlement


def _service_world(world: Any, cases: int = 2) -> None:
    today = timezone.localdate()
    for n in range(cases):
        case(
            world.account,
            status=CaseStatus.IN_PROGRESS,
            resolution_sla=SlaState.BREACHED,
            owner=world.service,
            subject=f"报警 {n}",
        )
    case(world.account, status=CaseStatus.CLOSED)
    asset(world.account, warranty_ends_on=today + timedelta(days=20))
    asset(world.account, warranty_ends_on=today + timedelta(days=400))
    entitlement(world.account, starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=60))
    make_pipeline()
    renewals_run(today=today)


def test_a_service_reader_sees_the_account_service(world: Any) -> None:
    _service_world(world)

    shown = account_service(world.service, world.account)

    assert shown is not None
    assert len(shown["open_cases"]) == 2
    assert shown["cases_total"] == 3
    assert dict(shown["status_counts"])[CaseStatus.CLOSED.label] == 1
    assert (shown["assets_total"], shown["assets_ending"]) == (2, 1)
    assert [e.name for e, _url in shown["entitlements"]] == ["标准维保"]
    assert len(shown["renewals"]) == 2
    assert shown["new_case_url"] == f"/service/cases/new/?account={world.account.pk}"
    assert shown["open_cases"][0][1] == f"/service/cases/{shown['open_cases'][0][0].pk}/"
    # the service agent may not open the AR's deals: listed, not linked
    assert [r.deal_visible for r in shown["renewals"]] == [False, False]


def test_the_ar_sees_it_with_the_deals_linked_and_no_new_case(world: Any) -> None:
    _service_world(world)
    shown = account_service(world.owner, world.account)
    assert shown is not None
    assert shown["new_case_url"] == ""
    assert [r.deal_visible for r in shown["renewals"]] == [True, True]


def test_finance_marketing_and_an_empty_account_for_sales_get_no_panel(world: Any) -> None:
    _service_world(world)
    assert account_service(world.finance, world.account) is None
    assert account_service(world.marketing, world.account) is None
    empty = Account.objects.create(name="空白客户有限公司", owner=world.owner)
    assert account_service(world.owner, empty) is None


def test_the_account_page_draws_the_panel_within_its_budget(world: Any, web_as: Any) -> None:
    _service_world(world, cases=12)
    panel = next(p for p in panels_of(Account) if p.key == "account-service")
    service = type(world.service).objects.get(pk=world.service.pk)  # fresh: nothing cached
    with CaptureQueriesContext(connection) as queries:
        account_service(service, world.account)
    assert len(queries) <= panel.max_queries
    owner = type(world.owner).objects.get(pk=world.owner.pk)
    with CaptureQueriesContext(connection) as queries:
        account_service(owner, world.account)
    assert len(queries) <= panel.max_queries

    page = web_as(world.owner).get(world.account.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="account-service"' in body
    assert 'id="service-open-cases"' in body
    # Finance reads no service records: a prospect with cases is not found, a customer it bills
    # is shown without the service panel.
    finance = web_as(world.finance)
    assert finance.get(world.account.get_absolute_url()).status_code == 404
    Account.objects.filter(pk=world.account.pk).update(status=AccountStatus.CUSTOMER)
    billed = finance.get(world.account.get_absolute_url())
    assert billed.status_code == 200
    assert 'id="account-service"' not in billed.content.decode()


def _panel_links(body: str) -> list[str]:
    """The links inside the panel's card (from its opening <div> to the matching </div>)."""
    start = body.rindex("<div", 0, body.index('id="account-service"'))
    depth = 0
    for tag in re.finditer(r"<(/?)div\b", body[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return re.findall(r'href="([^"]+)"', body[start : start + tag.end()])
    raise AssertionError("the panel's card is not closed")


@pytest.mark.parametrize("who", ["owner", "manager", "service"])
def test_every_link_the_panel_draws_opens_for_its_viewer(world: Any, web_as: Any, who: str) -> None:
    _service_world(world)
    client = web_as(getattr(world, who))
    page = client.get(world.account.get_absolute_url())
    assert page.status_code == 200
    links = _panel_links(page.content.decode())
    assert any("/service/assets/" in link for link in links)
    assert any("/service/cases/" in link for link in links)
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
