"""The calendar (#18): each source's entries in range and only visible ones, mine vs my team's,
moving an activity (service, API, page), the private ICS feed and its allow-list, the month
page's query budget, Chinese."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from ltc.billing.models import Invoice
from ltc.contracts.models import Milestone
from ltc.contracts.tests.factories import contract_team, make_contract
from ltc.core import calendar
from ltc.core.activities import activity_create, activity_reschedule
from ltc.core.calendar_feed import calendar_feed_create, calendar_feed_revoke
from ltc.core.models import Activity, CalendarFeed, TimelineEvent
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities.models import Bid
from ltc.opportunities.tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)
START, END = date(2026, 11, 30), date(2027, 1, 4)  # December 2026 as the month grid shows it


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def plan(actor: Any, subject: Any, title: str, day: date, *, owner: Any = None, hour: int = 10) -> Activity:
    return activity_create(
        actor=actor, subject=subject, kind="call", title=title, owner=owner or actor, due_at=at(day, hour)
    )


@pytest.fixture
def dated(world: Any) -> dict[str, Any]:
    """One thing of every source in December for the owner, one in January (out of range), and
    the north rep's own things."""
    deal = make_opportunity(world, expected_close_date=date(2026, 12, 20), amount=Decimal("8888888.00"))
    make_opportunity(world, name="明年项目", expected_close_date=date(2027, 2, 1))
    make_opportunity(world, name="北方项目", owner=world.other, expected_close_date=date(2026, 12, 21))
    bid = Bid.objects.create(
        opportunity=deal,
        tender_number="ZB-2026-18",
        issuer="锦程集团招标中心",
        submission_deadline=at(date(2026, 12, 15), 17),
        created_by=world.owner,
    )
    team = contract_team(world)
    contract = make_contract(world, team)
    contract.milestones.update(planned_date=date(2030, 1, 1))
    milestone = Milestone.objects.create(
        contract=contract, position=99, name="上线验收", planned_date=date(2026, 12, 28)
    )
    invoice = Invoice.objects.create(
        kind="invoice",
        number="INV-2026-0018",
        status="issued",
        account=world.account,
        contract=contract,
        due_date=date(2026, 12, 30),
        total=Decimal("66666.00"),
        open_amount=Decimal("66666.00"),
    )
    Invoice.objects.create(
        kind="invoice",
        number="INV-2026-0019",
        status="issued",
        account=world.account,
        contract=contract,
        due_date=date(2026, 12, 29),
        total=Decimal("100.00"),
        allocated=Decimal("100.00"),
        open_amount=Decimal("0.00"),
    )
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3))
    activity.outcome = "内部备注：客户预算紧张"
    activity.save(update_fields=["outcome"])
    plan(world.owner, world.lead, "一月回访", date(2027, 1, 10))
    north = LeadFactory(owner=world.other, company_name="北方能源集团", company_key="北方能源")
    plan(world.other, north, "北方拜访", date(2026, 12, 3))
    return {"deal": deal, "bid": bid, "milestone": milestone, "invoice": invoice, "activity": activity, "team": team}


def titles(user: Any, scope: str = calendar.MINE, start: date = START, end: date = END) -> list[str]:
    return [e.title for e in calendar.entries_for(user, start, end, scope=scope)]


def test_each_source_answers_its_entries_in_range(world, dated):
    entries = calendar.entries_for(world.owner, START, END, scope=calendar.MINE)
    found = {(e.kind, e.record_id, e.day) for e in entries}
    assert found == {
        ("activity", dated["activity"].pk, date(2026, 12, 3)),
        ("bid_deadline", dated["bid"].pk, date(2026, 12, 15)),
        ("deal_close", dated["deal"].pk, date(2026, 12, 20)),
        ("milestone", dated["milestone"].pk, date(2026, 12, 28)),
        ("invoice_due", dated["invoice"].pk, date(2026, 12, 30)),
    }
    assert [e.kind for e in entries] == ["activity", "bid_deadline", "deal_close", "milestone", "invoice_due"]
    only_movable = [e.kind for e in entries if e.movable]
    assert only_movable == ["activity"]
    assert titles(world.owner, start=date(2027, 1, 4), end=date(2027, 1, 11))[0].endswith("一月回访")


def test_another_reps_calendar_shows_none_of_it(world, dated):
    assert titles(world.other, calendar.TEAM) == ["Call: 北方拜访", "Expected close: 北方项目"]
    assert all("锦程" not in t and "上线验收" not in t for t in titles(world.other, calendar.TEAM))


def test_team_scope_shows_a_managers_people_but_an_ar_only_their_own(world, dated):
    plan(world.teammate, world.lead, "同事的电话", date(2026, 12, 4))
    assert not any("同事的电话" in t for t in titles(world.manager, calendar.MINE))
    manager_team = titles(world.manager, calendar.TEAM)
    assert any("同事的电话 (" in t for t in manager_team)
    assert any("确认预算" in t for t in manager_team)
    assert not any("北方" in t for t in manager_team)
    assert not any("同事的电话" in t for t in titles(world.owner, calendar.TEAM))
    assert titles(world.owner, calendar.TEAM) == titles(world.owner, calendar.MINE)


def test_finance_sees_every_invoice_due_in_team_scope_but_no_sales_things(world, dated):
    kinds = {e.kind for e in calendar.entries_for(world.finance, START, END, scope=calendar.TEAM)}
    assert "invoice_due" in kinds
    assert "activity" not in kinds
    assert calendar.entries_for(world.finance, START, END, scope=calendar.MINE) == []


# --- moving an activity ----------------------------------------------------------------------


def _lead_timeline(world: Any) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(world.lead), object_id=world.lead.pk, kind="changed"
        )
    )


def test_the_owner_moves_an_activity_and_the_subjects_timeline_says_so(world):
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3))
    activity.remind_at = at(date(2026, 12, 3), 9)
    activity.save(update_fields=["remind_at"])
    moved = activity_reschedule(
        actor=world.owner, activity=activity, due_at=at(date(2026, 12, 8)), expected_due_at=at(date(2026, 12, 3))
    )
    activity.refresh_from_db()
    assert activity.due_at == moved.due_at == at(date(2026, 12, 8))
    assert activity.remind_at == at(date(2026, 12, 8), 9)
    (event,) = _lead_timeline(world)
    assert {c["field"] for c in event.changes} == {"activity.due_at", "activity.remind_at"}
    assert "确认预算" in event.text


def test_a_manager_may_move_their_reps_activity_a_teammate_may_not(world):
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3))
    with pytest.raises(PermissionDenied):
        activity_reschedule(
            actor=world.teammate, activity=activity, due_at=at(date(2026, 12, 9)), expected_due_at=activity.due_at
        )
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 3))
    assert _lead_timeline(world) == []
    activity_reschedule(
        actor=world.manager, activity=activity, due_at=at(date(2026, 12, 9)), expected_due_at=at(date(2026, 12, 3))
    )
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 9))


def test_a_stale_move_changes_nothing(world):
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3))
    with pytest.raises(ValidationError) as refused:
        activity_reschedule(
            actor=world.owner, activity=activity, due_at=at(date(2026, 12, 9)), expected_due_at=at(date(2026, 12, 2))
        )
    assert "expected_due_at" in refused.value.message_dict
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 3))


# --- the API -----------------------------------------------------------------------------------


def test_the_api_answers_typed_entries(world, dated, api_as):
    response = api_as(world.owner).get(f"/calendar?start={START}&end={END}&kinds=activity,invoice_due")
    assert response.status_code == 200
    body = response.json()
    assert [(e["kind"], e["record_id"]) for e in body["entries"]] == [
        ("activity", dated["activity"].pk),
        ("invoice_due", dated["invoice"].pk),
    ]
    first = body["entries"][0]
    assert first["movable"] is True
    assert datetime.fromisoformat(first["version"]) == dated["activity"].due_at
    assert body["entries"][1] == {
        "kind": "invoice_due",
        "title": "Invoice due: INV-2026-0018",
        "start": "2026-12-30",
        "all_day": True,
        "url": f"/billing/invoices/{dated['invoice'].pk}/",
        "record": "INV-2026-0018 · 锦程智能制造有限公司",
        "record_id": dated["invoice"].pk,
        "movable": False,
        "version": "",
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-12-10&end=2026-12-01", "end"),
        ("start=2026-01-01&end=2028-01-01", "end"),
        ("kinds=nothing", "kinds"),
    ],
)
def test_the_api_refuses_a_bad_range_or_source(world, api_as, query, field):
    base = "start=2026-12-01&end=2026-12-31"
    response = api_as(world.owner).get(f"/calendar?{base}&{query}")
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}


def test_the_api_moves_an_activity_and_refuses_a_bad_time(world, api_as):
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3))
    client = api_as(world.owner)
    path = f"/activities/{activity.pk}/reschedule"
    bad = client.post(path, {"due_at": "下周一", "expected_due_at": activity.due_at.isoformat()})
    assert bad.status_code == 422
    assert "due_at" in {e["field"].split(".")[-1] for e in bad.json()["errors"]}
    naive = client.post(path, {"due_at": "2026-12-09T10:00:00", "expected_due_at": activity.due_at.isoformat()})
    assert naive.status_code == 422
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 3))
    moved = client.post(
        path, {"due_at": at(date(2026, 12, 9)).isoformat(), "expected_due_at": activity.due_at.isoformat()}
    )
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["due_at"]) == at(date(2026, 12, 9))
    assert (
        api_as(world.other)
        .post(path, {"due_at": at(date(2026, 12, 10)).isoformat(), "expected_due_at": moved.json()["due_at"]})
        .status_code
        == 404
    )


# --- the page ----------------------------------------------------------------------------------


def test_the_month_page_shows_the_entries_on_their_days(world, dated, web_as):
    html = web_as(world.owner).get("/calendar/?day=2026-12-01").content.decode()
    assert 'data-day="2026-12-03"' in html
    assert f'id="entry-activity-{dated["activity"].pk}" draggable="true"' in html
    assert "Invoice due: INV-2026-0018" in html
    assert "66666" not in html
    assert "8888888" not in html
    week = web_as(world.owner).get("/calendar/?view=week&day=2026-12-03&kinds=activity").content.decode()
    assert "确认预算" in week
    assert "Bid deadline:" not in week


def test_the_page_moves_an_activity_by_day_and_refuses_a_bad_day(world, web_as):
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3), hour=15)
    client = web_as(world.owner)
    url = f"/calendar/activities/{activity.pk}/move/"
    bad = client.post(url, {"day": "十二月", "expected_due_at": activity.due_at.isoformat()})
    assert bad.status_code == 422
    assert bad.json()["field"] == "day"
    refused = web_as(world.teammate).post(url, {"day": "2026-12-07", "expected_due_at": activity.due_at.isoformat()})
    assert refused.status_code == 404
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 3), 15)
    moved = client.post(url, {"day": "2026-12-07", "expected_due_at": activity.due_at.isoformat()})
    assert moved.status_code == 200
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 7), 15)
    stale = client.post(url, {"day": "2026-12-08", "expected_due_at": at(date(2026, 12, 3), 15).isoformat()})
    assert stale.status_code == 422
    assert "moved" in stale.json()["message"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "明天"])
def test_a_day_beyond_any_calendar_shows_this_month(world, web_as, day):
    response = web_as(world.owner).get(f"/calendar/?day={day}")
    assert response.status_code == 200
    assert timezone.localdate().strftime("%Y-%m") in response.content.decode()


def test_the_month_page_reads_a_fixed_number_of_queries(world, web_as, django_assert_max_num_queries):
    client = web_as(world.manager)
    client.get("/calendar/?day=2026-12-01&scope=team")  # warm the session and content types

    def fill(n: int) -> None:
        for i in range(n):
            lead = LeadFactory(owner=world.owner if i % 2 else world.teammate)
            plan(lead.owner, lead, f"回访 {i}", date(2026, 12, 1 + i % 28), owner=lead.owner)
            deal = make_opportunity(world, name=f"项目 {i}", expected_close_date=date(2026, 12, 1 + i % 28))
            plan(world.owner, deal, f"方案 {i}", date(2026, 12, 2 + i % 27))

    fill(3)
    with django_assert_max_num_queries(25) as few:
        assert client.get("/calendar/?day=2026-12-01&scope=team").status_code == 200
    fill(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/calendar/?day=2026-12-01&scope=team").content.decode()
    assert html.count("calendar-entry calendar-activity") == 66


def test_the_page_speaks_chinese(world, dated, web_as):
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    html = web_as(world.owner).get("/calendar/?day=2026-12-01").content.decode()
    for text in (
        "日历",
        "我的",
        "我团队的",
        "活动",
        "机会点预计成交日",
        "投标截止",
        "合同里程碑",
        "发票到期",
        "订阅地址",
    ):
        assert text in html, text


# --- the private feed --------------------------------------------------------------------------


def _feed(client: Any, raw: str) -> Any:
    return client.get(f"/calendar/feed/{raw}.ics")


def test_the_feed_is_a_calendar_of_ones_own_entries_and_nothing_more(world, dated, client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    plan(world.teammate, world.lead, "同事的电话", date(2026, 12, 4))
    _feed_row, raw = calendar_feed_create(actor=world.owner, user=world.owner)
    response = _feed(client, raw)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {
        "Call: 确认预算",
        "Bid deadline: ZB-2026-18 · 锦程集团招标中心",
        "Expected close: 锦程智能工厂项目",
        "Milestone: 上线验收",
        "Invoice due: INV-2026-0018",
        "Call: 一月回访",
        "Expected close: 明年项目",
    }
    invoice = events["Invoice due: INV-2026-0018"]
    assert invoice.decoded("dtstart") == date(2026, 12, 30)
    assert str(invoice["url"]).endswith(f"/billing/invoices/{dated['invoice'].pk}/")
    allowed = {"UID", "DTSTAMP", "SUMMARY", "DTSTART", "DTEND", "DESCRIPTION", "URL", "CATEGORIES"}
    assert all(set(event.keys()) <= allowed for event in parsed.walk("VEVENT"))
    text = response.content.decode()
    for absent in ("66666", "8888888", "内部备注", "同事的电话", "北方", "INV-2026-0019"):
        assert absent not in text, absent


def test_a_revoked_or_replaced_feed_answers_404(world, client):
    _row, first = calendar_feed_create(actor=world.owner, user=world.owner)
    _row, second = calendar_feed_create(actor=world.owner, user=world.owner)
    assert _feed(client, first).status_code == 404
    assert _feed(client, second).status_code == 200
    calendar_feed_revoke(actor=world.owner, user=world.owner)
    assert _feed(client, second).status_code == 404
    assert _feed(client, "cal_guess").status_code == 404
    assert CalendarFeed.objects.filter(user=world.owner).count() == 2  # kept, revoked
    with pytest.raises(PermissionDenied):
        calendar_feed_create(actor=world.manager, user=world.owner)


def test_the_page_makes_the_feed_address_once_and_stops_it(world, web_as, client):
    page = web_as(world.owner)
    shown = page.post("/calendar/feed/", {"action": "create"}).content.decode()
    address = shown.split('id="calendar-feed-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    raw = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert _feed(client, raw).status_code == 200
    assert raw not in page.get("/calendar/").content.decode()
    page.post("/calendar/feed/", {"action": "revoke"})
    assert _feed(client, raw).status_code == 404


def test_an_inactive_users_feed_answers_404(world, client):
    _row, raw = calendar_feed_create(actor=world.owner, user=world.owner)
    world.owner.is_active = False
    world.owner.save(update_fields=["is_active"])
    assert _feed(client, raw).status_code == 404


def test_every_source_is_registered_by_its_app():
    assert [s.key for s in calendar.sources()] == ["activity", "deal_close", "bid_deadline", "milestone", "invoice_due"]
    assert timedelta(days=calendar.MAX_RANGE_DAYS) > timedelta(days=210)


@pytest.mark.parametrize(
    "query", ["start=0001-01-01&end=0001-01-02", "start=9999-12-30&end=9999-12-31", "start=2026-12-01&end=x"]
)
def test_the_api_answers_edge_ranges_without_a_server_error(world, api_as, query):
    response = api_as(world.owner).get(f"/calendar?{query}")
    assert response.status_code in {200, 422}


@pytest.mark.parametrize("due", ["9999-12-31T23:59:00-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_move_beyond_any_date_is_a_field_error(world, api_as, due):
    activity = plan(world.owner, world.lead, "确认预算", date(2026, 12, 3))
    response = api_as(world.owner).post(
        f"/activities/{activity.pk}/reschedule", {"due_at": due, "expected_due_at": activity.due_at.isoformat()}
    )
    assert response.status_code == 422
    activity.refresh_from_db()
    assert activity.due_at == at(date(2026, 12, 3))
