"""/service/cases: queues and filters, a case with its messages, the steps, field-level
errors for bad input (never a 500), scope, and the list's query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.customers.tests.factories import AccountFactory
from ltc.service.models import CaseStatus
from ltc.service.tests.factories import make_calendar, make_case, make_entitlement


@pytest.fixture
def desk(world: Any) -> Any:
    make_calendar()
    make_entitlement(world.account)
    return world


def test_create_work_and_read_a_case(desk: Any, api_as: Any) -> None:
    client = api_as(desk.service)
    made = client.post(
        "/service/cases",
        {"account_id": desk.account.pk, "subject": "无法开机", "description": "今天早上", "priority": "p1"},
    )
    assert made.status_code == 201, made.content
    case = made.json()
    assert case["number"].startswith("CS")
    assert case["response_sla"] == "running"
    assert [m["kind"] for m in case["messages"]] == ["customer"]
    path = f"/service/cases/{case['id']}"
    assert client.post(f"{path}/notes", {"body": "查日志"}).status_code == 201
    assert client.post(f"{path}/replies", {"body": "您好"}).status_code == 201
    current = client.get(path)
    assert current.json()["status"] == "in_progress"
    assert [m["kind"] for m in current.json()["messages"]] == ["customer", "note", "reply"]
    etag = current.headers["ETag"]
    waiting = client.post(f"{path}/status", {"status": "waiting"}, **{"If-Match": etag})
    assert waiting.status_code == 200
    assert waiting.json()["paused_at"] is not None
    stale = client.post(f"{path}/status", {"status": "resolved"}, **{"If-Match": etag})
    assert stale.status_code == 412
    assert client.post(f"{path}/status", {"status": "resolved"}).status_code == 428
    mine = client.post(f"{path}/assign", {"owner_id": desk.service.pk}, **{"If-Match": waiting.headers["ETag"]})
    assert mine.json()["owner"]["id"] == desk.service.pk
    listed = client.get("/service/cases?view=mine").json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account_id": 0, "subject": "x"}, "account_id"),
        ({"subject": "x"}, "account_id"),
        ({"account_id": "abc", "subject": "x"}, "account_id"),
        ({"account_id": None, "subject": "   "}, "account_id"),
        ({"subject": "x", "account_id": 1, "priority": "p9"}, "priority"),
        ({"subject": "x" * 300, "account_id": 1}, "subject"),
    ],
)
def test_bad_input_is_a_field_error(desk: Any, api_as: Any, body: dict[str, Any], field: str) -> None:
    answer = api_as(desk.service).post("/service/cases", body)
    assert answer.status_code == 422, answer.content
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_blank_subject_and_foreign_contact_are_field_errors(desk: Any, api_as: Any) -> None:
    client = api_as(desk.service)
    blank = client.post("/service/cases", {"account_id": desk.account.pk, "subject": "  "})
    assert [e["field"] for e in blank.json()["errors"]] == ["subject"]
    foreign = client.post("/service/cases", {"account_id": desk.account.pk, "subject": "x", "contact_id": 99999999})
    assert [e["field"] for e in foreign.json()["errors"]] == ["contact_id"]
    case = make_case(desk.account, actor=desk.service)
    merge = client.post(f"/service/cases/{case.pk}/merge", {"into_id": case.pk}, **{"If-Match": f'"{case.version}"'})
    assert merge.status_code == 422
    assert [e["field"] for e in merge.json()["errors"]] == ["into_id"]
    empty = client.post(f"/service/cases/{case.pk}/replies", {"body": ""})
    assert [e["field"] for e in empty.json()["errors"]] == ["body"]
    wrong = client.post(f"/service/cases/{case.pk}/status", {"status": "closed_forever"}, **{"If-Match": '"1"'})
    assert wrong.status_code == 422


def test_scope_an_ar_of_another_account_gets_404(desk: Any, api_as: Any) -> None:
    case = make_case(desk.account, actor=desk.service)
    assert api_as(desk.other).get(f"/service/cases/{case.pk}").status_code == 404
    assert api_as(desk.other).get("/service/cases").json()["items"] == []
    owner = api_as(desk.owner)
    assert owner.get(f"/service/cases/{case.pk}").status_code == 200
    assert owner.post(f"/service/cases/{case.pk}/notes", {"body": "客户也找过我"}).status_code == 201
    assert owner.post(f"/service/cases/{case.pk}/replies", {"body": "x"}).status_code == 403


def test_filters(desk: Any, api_as: Any) -> None:
    p1 = make_case(desk.account, actor=desk.service, subject="网络中断", priority="p1")
    make_case(desk.account, actor=desk.service, subject="咨询", status=CaseStatus.CLOSED)
    client = api_as(desk.service)
    assert [c["id"] for c in client.get("/service/cases?priority=p1").json()["items"]] == [p1.pk]
    assert [c["id"] for c in client.get("/service/cases?q=网络").json()["items"]] == [p1.pk]
    assert client.get("/service/cases?view=unassigned").json()["total"] == 1
    assert client.get("/service/cases?status=nope").status_code == 422
    assert client.get("/service/cases?view=nope").status_code == 422


def test_list_query_budget(desk: Any, api_as: Any) -> None:
    client = api_as(desk.executive)
    make_case(desk.account, actor=desk.service)
    client.get("/service/cases")  # warm-up: token, caches
    with CaptureQueriesContext(connection) as one:
        client.get("/service/cases")
    second = AccountFactory(owner=desk.other)
    for _ in range(5):
        make_case(second, actor=desk.service)
    with CaptureQueriesContext(connection) as many:
        answer = client.get("/service/cases")
    assert answer.json()["total"] == 6
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(many.captured_queries) <= 8


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL")
def test_queue_views_use_their_indexes(desk: Any) -> None:
    from ltc.service import selectors

    make_case(desk.account, actor=desk.service, owner=desk.service)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask which index fits
    mine = selectors.case_list(desk.service, view="mine").explain()
    desk.service.team = desk.east
    desk.service.save(update_fields=["team"])
    team = selectors.case_list(desk.service, view="team").explain()
    # an index led by the owner (svc_case_owner, or the foreign key's own on a tiny table), never a
    # scan of every case
    assert "Seq Scan on service_case" not in mine
    assert "Index Cond: (owner_id = " in mine
    assert "Seq Scan on service_case" not in team
    assert "team_id" in team.split("Index Cond:")[1]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/service/cases", {"account_id": True, "subject": "x"}, "account_id"),
        ("/service/cases", {"account_id": "1", "subject": "x"}, "account_id"),
        ("/service/cases", {"account_id": 1.0, "subject": "x"}, "account_id"),
        ("/service/cases", {"account_id": 1, "subject": "x", "contact_id": True}, "contact_id"),
        ("/service/cases", {"account_id": 1, "subject": "x", "asset_id": False}, "asset_id"),
    ],
)
def test_ids_are_strict_integers(desk: Any, api_as: Any, path: str, body: dict[str, Any], field: str) -> None:
    answer = api_as(desk.service).post(path, body)
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_step_ids_are_strict_integers(desk: Any, api_as: Any) -> None:
    client = api_as(desk.service)
    case = make_case(desk.account, actor=desk.service)
    match = {"If-Match": f'"{case.version}"'}
    assigned = client.post(f"/service/cases/{case.pk}/assign", {"owner_id": True}, **match)
    assert assigned.status_code == 422
    assert "owner_id" in [e["field"] for e in assigned.json()["errors"]]
    merged = client.post(f"/service/cases/{case.pk}/merge", {"into_id": True}, **match)
    assert merged.status_code == 422
    assert "into_id" in [e["field"] for e in merged.json()["errors"]]
    patched = client.patch(f"/service/cases/{case.pk}", {"contact_id": True}, **match)
    assert patched.status_code == 422
    case.refresh_from_db()
    assert (case.owner_id, case.merged_into_id, case.contact_id) == (None, None, None)


def test_an_erased_or_foreign_contact_is_a_field_error(desk: Any, api_as: Any) -> None:
    from django.utils import timezone

    from ltc.customers.tests.factories import ContactFactory
    from ltc.service.models import Case

    erased = ContactFactory(account=desk.account)
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    foreign = ContactFactory(account=AccountFactory(owner=desk.owner))
    client = api_as(desk.service)
    for contact in (erased, foreign):
        answer = client.post(
            "/service/cases", {"account_id": desk.account.pk, "subject": "x", "contact_id": contact.pk}
        )
        assert answer.status_code == 422
        assert [e["field"] for e in answer.json()["errors"]] == ["contact_id"]
    assert not Case.objects.exists()
    case = make_case(desk.account, actor=desk.service)
    patched = client.patch(f"/service/cases/{case.pk}", {"contact_id": erased.pk}, **{"If-Match": f'"{case.version}"'})
    assert [e["field"] for e in patched.json()["errors"]] == ["contact_id"]


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_merge_into_a_resolved_or_closed_case_is_a_field_error(desk: Any, api_as: Any, status: str) -> None:
    target = make_case(desk.account, actor=desk.service, subject="Done", status=status)
    dup = make_case(desk.account, actor=desk.service, subject="Again")
    answer = api_as(desk.service).post(
        f"/service/cases/{dup.pk}/merge", {"into_id": target.pk}, **{"If-Match": f'"{dup.version}"'}
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["into_id"]
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id, dup.messages.count(), target.messages.count()) == ("new", None, 1, 1)


def test_all_is_newest_first(desk: Any, api_as: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ltc.service.models import Case

    old, new = (make_case(desk.account, actor=desk.service, subject=s) for s in ("old", "new"))
    Case.objects.filter(pk=old.pk).update(opened_at=timezone.now() - timedelta(days=3), resolution_due=None)
    Case.objects.filter(pk=new.pk).update(opened_at=timezone.now())
    listed = api_as(desk.service).get("/service/cases").json()["items"]
    assert [c["id"] for c in listed] == [new.pk, old.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL")
def test_all_and_mine_use_their_ordered_indexes(desk: Any) -> None:
    from ltc.service import selectors

    make_case(desk.account, actor=desk.service, owner=desk.service)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    every = selectors.case_list(desk.executive, view="all")[:50].explain()
    assert "svc_case_opened" in every
    mine = selectors.case_list(desk.service, view="mine")[:50].explain()
    assert "svc_case_owner_open" in mine
