"""The API and pages of business calendars, SLA policies and entitlements: problem+json field
errors, If-Match, the reader's scope, what a page draws for whom, and the list's query budget."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from ltc.customers.tests.factories import AccountFactory
from ltc.service.models import CalendarDay, Entitlement
from ltc.service.services import policies
from ltc.service.services.clock import default_calendar


def _entitlement(account: Any, **fields: Any) -> Entitlement:
    today = timezone.localdate()
    return Entitlement.objects.create(
        account=account,
        name=fields.pop("name", "标准服务"),
        level=fields.pop("level", "standard"),
        policy=policies.default_policy(),
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=300),
        **fields,
    )


def test_importing_an_unknown_year_answers_a_field_error(world: Any, api_as: Any) -> None:
    calendar = default_calendar()
    api = api_as(world.admin)
    answer = api.post(f"/service/calendars/{calendar.pk}/import", {"year": 2027}, **{"If-Match": '"1"'})
    assert answer.status_code == 422
    assert answer["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["year"]
    known = api.post(f"/service/calendars/{calendar.pk}/import", {"year": 2026}, **{"If-Match": '"1"'})
    assert known.status_code == 200
    assert known.json()["year"] == 2026
    assert known["ETag"] == '"2"'
    stale = api.post(
        f"/service/calendars/{calendar.pk}/days", {"day": "2027-02-08", "kind": "holiday"}, **{"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert not CalendarDay.objects.filter(day__year=2027).exists()


def test_a_policy_with_bad_targets_is_refused_field_by_field(world: Any, api_as: Any) -> None:
    targets = [
        {"priority": "p1", "first_response_minutes": 120, "resolution_minutes": 60},
        {"priority": "p2", "first_response_minutes": 0, "resolution_minutes": 480},
    ]
    answer = api_as(world.admin).post("/service/sla-policies", {"name": "金牌", "targets": targets})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {
        "p1_resolution_minutes",
        "p2_first_response_minutes",
        "p3_first_response_minutes",
        "p3_resolution_minutes",
        "p4_first_response_minutes",
        "p4_resolution_minutes",
    }
    listed = api_as(world.service).get("/service/sla-policies")
    assert [p["name"] for p in listed.json()] == []


def test_entitlements_by_api_create_patch_cancel(world: Any, api_as: Any) -> None:
    api = api_as(world.service)
    today = timezone.localdate()
    # A prospect nobody contracted with is not service's to name (the same answer as no account).
    prospect = {"account_id": world.account.pk, "name": "x", "starts_on": str(today), "ends_on": str(today)}
    refused = api.post("/service/entitlements", prospect)
    assert [e["field"] for e in refused.json()["errors"]] == ["account_id"]
    customer = AccountFactory(owner=world.owner, name="锦程客户有限公司", status="customer")
    created = api.post(
        "/service/entitlements",
        {
            "account_id": customer.pk,
            "name": "金牌服务",
            "level": "premium",
            "starts_on": str(today),
            "ends_on": str(today),
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["policy"]["name"], body["products"], body["status"]) == ("Standard support", [], "active")
    path = f"/service/entitlements/{body['id']}"
    assert api.patch(path, {"level": "basic"}).status_code == 428
    changed = api.patch(path, {"level": "basic", "ends_on": str(today - timedelta(days=1))}, **{"If-Match": '"1"'})
    assert changed.status_code == 422
    assert [e["field"] for e in changed.json()["errors"]] == ["ends_on"]
    changed = api.patch(path, {"level": "basic"}, **{"If-Match": '"1"'})
    assert (changed.status_code, changed.json()["level"], changed["ETag"]) == (200, "basic", '"2"')
    cancelled = api.post(f"{path}/cancel", {"reason": "重复"}, **{"If-Match": '"2"'})
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"{path}/cancel", {}, **{"If-Match": '"3"'})
    assert again.status_code == 422


def test_readers_see_the_entitlements_of_accounts_they_may_read(
    world: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    mine = _entitlement(world.account)
    northern = AccountFactory(owner=world.other, name="北方能源有限公司")
    theirs = _entitlement(northern, name="北方标准服务")
    for _ in range(5):
        _entitlement(northern)
    assert [e["id"] for e in api_as(world.owner).get("/service/entitlements").json()["items"]] == [mine.pk]
    assert api_as(world.owner).get(f"/service/entitlements/{theirs.pk}").status_code == 404
    api = api_as(world.service)
    with django_assert_max_num_queries(8):
        items = api.get("/service/entitlements?limit=50").json()["items"]
    assert len(items) == 7


def test_the_pages_draw_what_the_viewer_may_do(world: Any, web_as: Any) -> None:
    entitlement = _entitlement(world.account, name="金牌服务", level="premium")
    page = web_as(world.owner).get(f"/service/entitlements/{entitlement.pk}/").content.decode()
    assert "金牌服务" in page
    assert "/cancel/" not in page
    assert "/edit/" not in page
    page = web_as(world.service).get(f"/service/entitlements/{entitlement.pk}/").content.decode()
    assert f"/service/entitlements/{entitlement.pk}/cancel/" in page
    listed = web_as(world.owner).get("/service/entitlements/").content.decode()
    assert "金牌服务" in listed
    assert "/service/entitlements/new/" not in listed


def test_the_calendar_page_lists_the_year_and_a_bad_day_is_flashed(world: Any, web_as: Any) -> None:
    calendar = default_calendar()
    admin = web_as(world.admin)
    admin.post(f"/service/calendars/{calendar.pk}/import/", {"year": "2026", "version": calendar.version})
    page = admin.get(f"/service/calendars/{calendar.pk}/?year=2026").content.decode()
    assert "2026-10-10" in page
    assert "国庆节" in page
    refused = admin.post(
        f"/service/calendars/{calendar.pk}/days/",
        {"day": "2026-10-17", "kind": "holiday", "name": "", "version": calendar.version + 1},
        follow=True,
    )
    assert "Saturday or Sunday is off anyway" in refused.content.decode()
    assert not CalendarDay.objects.filter(day="2026-10-17").exists()


def test_the_policy_form_shows_errors_on_their_fields(world: Any, web_as: Any) -> None:
    form = {"name": "金牌服务", "calendar": default_calendar().pk, "warn_at_pct": 80, "active": "on"}
    for p in ("p1", "p2", "p3", "p4"):
        form[f"{p}_first_response_minutes"] = "60"
        form[f"{p}_resolution_minutes"] = "240"
    form["p1_resolution_minutes"] = "30"
    answer = web_as(world.admin).post("/service/sla-policies/new/", form)
    assert answer.status_code == 422
    assert "cannot be shorter than the first response" in answer.content.decode()


def test_a_year_out_of_range_is_a_field_error_never_a_crash(world: Any, api_as: Any, web_as: Any) -> None:
    calendar = default_calendar()
    api = api_as(world.admin)
    for year in ("99999", "-3", "1899", "2201"):
        answer = api.get(f"/service/calendars/{calendar.pk}/days?year={year}")
        assert answer.status_code == 422, year
        assert [e["field"] for e in answer.json()["errors"]] == ["year"]
        imported = api.post(f"/service/calendars/{calendar.pk}/import", {"year": int(year)}, **{"If-Match": '"1"'})
        assert imported.status_code == 422, year
    assert api.get(f"/service/calendars/{calendar.pk}/days?year=2200").status_code == 200
    admin = web_as(world.admin)
    for year in ("99999", "-3"):
        assert admin.get(f"/service/calendars/{calendar.pk}/?year={year}").status_code == 200
    calendar.refresh_from_db()
    assert calendar.version == 1


def test_finance_and_marketing_read_no_entitlements(world: Any, api_as: Any, web_as: Any) -> None:
    _entitlement(world.account)
    for user in (world.finance, world.marketing):
        assert api_as(user).get("/service/entitlements").status_code == 403
        assert web_as(user).get("/service/entitlements/").status_code == 403
    assert api_as(world.owner).get("/service/entitlements").json()["total"] == 1


def test_working_hours_are_local_times_shown_as_hh_mm(world: Any, api_as: Any) -> None:
    api = api_as(world.admin)
    refused = Client().post(  # against the document (its pattern), so not through the contract client
        "/api/v1/service/calendars",
        {"name": "夜班", "day_starts": "02:47:05Z"},
        content_type="application/json",
        HTTP_AUTHORIZATION=api.headers["Authorization"],
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["day_starts"]
    made = api.post("/service/calendars", {"name": "夜班", "day_starts": "08:30", "day_ends": "17:30"})
    assert made.status_code == 201
    assert (made.json()["day_starts"], made.json()["day_ends"]) == ("08:30", "17:30")
