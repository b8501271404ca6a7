"""Lists (#18 item 7): export of what the list shows, saved views, remembered columns, mass reassignment."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ltc.core.listviews import MASS_ACTION_LIMIT
from ltc.core.models import ListPreference, SavedView, TimelineEvent
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


# --- export ----------------------------------------------------------------------------------


def test_the_deal_list_exports_its_filtered_rows_as_csv_and_xlsx_within_the_readers_scope(world, web_as):
    pipeline = make_pipeline()
    make_opportunity(
        world, pipeline, name="=HYPERLINK(1)", amount=Decimal("1234.50"), expected_close_date=date(2027, 5, 10)
    )
    make_opportunity(world, pipeline, name="已输项目", status="lost")
    make_opportunity(world, pipeline, name="北方项目", owner=world.other)
    client = web_as(world.owner)

    rows = _csv(client.get("/opportunities/?status=open&export=csv"))

    assert rows[0] == ["Opportunity", "Account", "Stage", "Amount", "Currency", "Close", "Iron triangle"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)"]  # the lost deal is filtered out, 北方项目 not visible
    assert rows[1][3:6] == ["1234.50", "CNY", "2027-05-10"]
    sheet = _xlsx(client.get("/opportunities/?status=open&export=xlsx"))
    assert sheet[1][0] == "=HYPERLINK(1)"  # a text cell, not a formula
    assert sheet[1][3] == 1234.5  # a number
    assert sheet[1][5].date() == date(2027, 5, 10)  # a date cell (read back as a datetime), not text
    assert len(sheet) == 2


def test_the_deal_export_is_in_the_readers_language(world, web_as):
    make_opportunity(world, make_pipeline())
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    rows = _csv(web_as(world.owner).get("/opportunities/?export=csv"))
    assert rows[0][0] == "机会点"


def test_a_deal_export_costs_the_same_queries_for_200_rows_as_for_20(world, web_as):
    pipeline = make_pipeline()
    client = web_as(world.owner)
    counts = []
    for total in (20, 200):
        Opportunity.objects.all().delete()
        for n in range(total):
            make_opportunity(world, pipeline, name=f"项目{n}", sr=world.teammate, fr=world.manager)
        with CaptureQueriesContext(connection) as queries:
            rows = _csv(client.get("/opportunities/?export=csv"))
        assert len(rows) == total + 1
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "path",
    ["/customers/accounts/", "/customers/contacts/", "/leads/", "/opportunities/", "/quotes/", "/contracts/"],
)
def test_every_list_exports_csv_and_xlsx(world, web_as, path):
    client = web_as(world.executive)
    assert _csv(client.get(f"{path}?export=csv"))[0]
    assert _xlsx(client.get(f"{path}?export=xlsx"))[0]


@pytest.mark.parametrize("path", ["/billing/", "/billing/payments/"])
def test_the_billing_lists_export_csv_and_xlsx(world, web_as, path):
    client = web_as(world.finance)
    assert _csv(client.get(f"{path}?export=csv"))[0]
    assert _xlsx(client.get(f"{path}?export=xlsx"))[0]


# --- columns ---------------------------------------------------------------------------------


def test_chosen_columns_are_remembered_and_followed_by_page_and_export(world, web_as):
    make_opportunity(world, make_pipeline(), sr=world.teammate)
    client = web_as(world.owner)

    response = client.post("/lists/deals/columns/", {"columns": ["sr", "name", "bogus"], "query": "status=open"})

    assert response.status_code == 302
    assert response["Location"] == "/opportunities/?status=open"
    assert ListPreference.objects.get(user=world.owner, list_key="deals").columns == ["name", "sr"]
    page = client.get("/opportunities/").content.decode()
    assert "<th>SR</th>" in page
    assert "<th>Iron triangle</th>" not in page
    assert _csv(client.get("/opportunities/?export=csv"))[0] == ["Opportunity", "SR"]
    # another user still sees the declared defaults
    assert "Iron triangle" in web_as(world.teammate).get("/opportunities/").content.decode()


def test_leads_and_accounts_loop_over_their_chosen_columns(world, web_as):
    client = web_as(world.owner)
    client.post("/lists/leads/columns/", {"columns": ["company", "score"]})
    client.post("/lists/accounts/columns/", {"columns": ["name", "team"]})
    assert _csv(client.get("/leads/?export=csv"))[0] == ["Company", "Score"]
    rows = _csv(client.get("/customers/accounts/?export=csv"))
    assert rows[0] == ["Name", "Owner's team"]
    assert rows[1] == [world.account.name, "East"]
    assert "<th>Score</th>" in client.get("/leads/").content.decode()


# --- saved views -----------------------------------------------------------------------------


def test_a_saved_default_view_applies_when_the_list_opens_without_parameters(world, web_as):
    client = web_as(world.owner)

    client.post("/lists/deals/views/", {"name": "我的赢单", "query": "status=won", "is_default": "on"})

    view = SavedView.objects.get(user=world.owner, list_key="deals")
    assert (view.name, view.query, view.is_default) == ("我的赢单", "status=won", True)
    opened = client.get("/opportunities/")
    assert opened.status_code == 302
    assert opened["Location"] == "/opportunities/?status=won"
    assert client.get("/opportunities/?view=all").status_code == 200
    # a second default takes the place of the first
    client.post("/lists/deals/views/", {"name": "进行中", "query": "status=open", "is_default": "on"})
    assert list(SavedView.objects.filter(is_default=True).values_list("name", flat=True)) == ["进行中"]
    assert web_as(world.teammate).get("/opportunities/").status_code == 200


def test_opening_a_saved_view_restores_its_filters_and_columns(world, web_as):
    client = web_as(world.owner)
    client.post("/lists/accounts/columns/", {"columns": ["name", "phone"]})
    client.post("/lists/accounts/views/", {"name": "电话", "query": "region=east"})
    client.post("/lists/accounts/columns/", {"columns": ["name"]})
    view = SavedView.objects.get(user=world.owner)

    opened = client.get(f"/lists/views/{view.pk}/")

    assert opened["Location"] == "/customers/accounts/?region=east"
    assert ListPreference.objects.get(user=world.owner, list_key="accounts").columns == ["name", "phone"]
    assert "电话" in client.get("/customers/accounts/").content.decode()


def test_another_user_can_neither_see_open_nor_delete_my_view(world, web_as):
    view = SavedView.objects.create(user=world.owner, list_key="deals", name="私人", query="status=open")
    stranger = web_as(world.teammate)

    assert "私人" not in stranger.get("/opportunities/").content.decode()
    assert stranger.get(f"/lists/views/{view.pk}/").status_code == 404
    assert stranger.post(f"/lists/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert web_as(world.owner).post(f"/lists/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_without_a_name_or_for_an_unknown_list_is_refused(world, web_as):
    client = web_as(world.owner)
    client.post("/lists/deals/views/", {"name": "  ", "query": "status=open"})
    assert client.post("/lists/nope/views/", {"name": "x"}).status_code == 404
    assert not SavedView.objects.exists()


# --- mass actions ----------------------------------------------------------------------------


def test_mass_reassign_of_deals_reports_the_stale_and_the_invisible_ones(world, web_as):
    pipeline = make_pipeline()
    fresh = make_opportunity(world, pipeline, name="新鲜项目")
    stale = make_opportunity(world, pipeline, name="过期项目")
    foreign = make_opportunity(world, pipeline, name="北方项目", owner=world.other)
    data = {
        "action": "reassign",
        "owner": world.teammate.pk,
        "ids": [fresh.pk, stale.pk, foreign.pk],
        f"version_{fresh.pk}": fresh.version,
        f"version_{stale.pk}": stale.version - 1 if stale.version > 1 else 99,
        f"version_{foreign.pk}": foreign.version,
        "next": "/opportunities/",
    }

    response = web_as(world.manager).post("/opportunities/bulk/", data, follow=True)

    page = response.content.decode()
    assert "1 records reassigned." in page
    assert "“过期项目” not changed" in page
    assert "1 selected records are not visible to you." in page
    owners = dict(Opportunity.objects.values_list("name", "owner_id"))
    assert owners == {"新鲜项目": world.teammate.pk, "过期项目": world.owner.pk, "北方项目": world.other.pk}
    changes = TimelineEvent.objects.filter(object_id=fresh.pk, kind="changed").values_list("changes", flat=True)
    assert any(c["field"] == "owner" for entry in changes for c in entry)


def test_mass_reassign_refused_by_the_service_changes_nothing(world, web_as):
    deal = make_opportunity(world, make_pipeline())
    data = {"action": "reassign", "owner": world.teammate.pk, "ids": [deal.pk], f"version_{deal.pk}": deal.version}

    page = web_as(world.owner).post("/opportunities/bulk/", data, follow=True).content.decode()

    assert "You may only give deals to yourself or to people in your teams." in page
    deal.refresh_from_db()
    assert (deal.owner_id, deal.version) == (world.owner.pk, 1)


def test_mass_actions_are_capped(world, web_as):
    deal = make_opportunity(world, make_pipeline())
    ids = [deal.pk, *range(10_000, 10_000 + MASS_ACTION_LIMIT)]
    data = {"action": "reassign", "owner": world.manager.pk, "ids": ids, f"version_{deal.pk}": deal.version}
    page = web_as(world.manager).post("/opportunities/bulk/", data, follow=True).content.decode()
    assert f"Select at most {MASS_ACTION_LIMIT} records at a time." in page
    deal.refresh_from_db()
    assert deal.owner_id == world.owner.pk


def test_mass_reassign_of_accounts_goes_through_account_update(world, web_as):
    mine = AccountFactory(owner=world.owner, name="东方客户有限公司")
    data = {
        "action": "reassign",
        "owner": world.teammate.pk,
        "ids": [world.account.pk, mine.pk],
        f"version_{world.account.pk}": world.account.version,
        f"version_{mine.pk}": "x",
    }
    page = web_as(world.manager).post("/customers/accounts/bulk/", data, follow=True).content.decode()
    assert "1 records reassigned." in page
    assert dict(Account.objects.values_list("name", "owner_id")) == {
        world.account.name: world.teammate.pk,
        "东方客户有限公司": world.owner.pk,
    }


def test_mass_assign_of_leads_reports_each_refused_lead(world, web_as):
    closed = LeadFactory(owner=world.owner, company_name="已关闭线索", status="disqualified")
    data = {"action": "assign", "owner": world.teammate.pk, "ids": [world.lead.pk, closed.pk]}
    page = web_as(world.manager).post("/leads/bulk/", data, follow=True).content.decode()
    assert "1 leads updated." in page
    assert "not changed" in page
    world.lead.refresh_from_db()
    assert world.lead.owner_id == world.teammate.pk


def test_the_deal_list_shows_checkboxes_with_versions_and_the_tools_in_chinese(world, web_as):
    deal = make_opportunity(world, make_pipeline())
    world.manager.language = "zh-hans"
    world.manager.save(update_fields=["language"])
    page = web_as(world.manager).get("/opportunities/").content.decode()
    assert f'name="version_{deal.pk}" value="{deal.version}"' in page
    assert "我的视图" in page
    assert "批量" in page or "重新分配" in page


@pytest.mark.parametrize("path", ["/opportunities/", "/customers/accounts/"])
def test_the_mass_reassign_is_drawn_only_for_what_the_viewer_may_hand_on(world, web_as, path):
    """An AR (who may hand deals and accounts only to themself) and an executive (who sees all
    and manages no team) are drawn no tick box and no new-owner menu; a manager gets tick boxes
    on the rows of their teams only and a menu of the people in their teams."""
    if path == "/opportunities/":
        pipeline = make_pipeline()
        rows = [
            make_opportunity(world, pipeline, name=n, owner=u).pk
            for n, u in (("东区", world.owner), ("北方", world.other))
        ]
    else:
        rows = [AccountFactory(name=n, owner=u).pk for n, u in (("东区公司", world.owner), ("北方公司", world.other))]
    for user in (world.owner, world.executive):
        page = web_as(user).get(path).content.decode()
        assert 'name="ids"' not in page
        assert 'name="owner"' not in page
    page = web_as(world.manager).get(path).content.decode()
    assert f'name="ids" value="{rows[0]}"' in page
    assert f'name="ids" value="{rows[1]}"' not in page
    menu = page[page.index('name="owner"') : page.index("</select>", page.index('name="owner"'))]
    assert f'value="{world.teammate.pk}"' in menu
    for outsider in (world.other, world.finance, world.admin, world.executive):
        assert f'value="{outsider.pk}"' not in menu


@pytest.mark.parametrize("path", ["/opportunities/", "/leads/", "/customers/accounts/"])
def test_a_list_page_costs_the_same_queries_for_26_rows_as_for_40(world, web_as, path):
    """Both past the first page (a full page adds the count of all rows)."""
    pipeline = make_pipeline()
    makers = {
        "/opportunities/": lambda n: make_opportunity(world, pipeline, name=f"项目{n}", sr=world.teammate),
        "/leads/": lambda n: LeadFactory(owner=world.owner, company_name=f"线索{n}"),
        "/customers/accounts/": lambda n: AccountFactory(owner=world.owner, name=f"客户{n}有限公司"),
    }
    client = web_as(world.owner)
    counts = []
    for n in range(40):
        makers[path](n)
        if n + 1 in (26, 40):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[1]
