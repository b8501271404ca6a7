"""While the database cannot be reached (stopped, restarting, a dropped connection) a request fails
cleanly: 503 with Retry-After, problem+json under /api/, a plain translated page elsewhere, whether
the view or a middleware (the session, the Idempotency-Key store) met the error; the next request
is served as usual, without a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, override_settings

from ltc.api.tests.contract import openapi
from ltc.core.api import PreconditionsFirstOperation
from ltc.leads.models import Lead
from ltc.org.services import token_create
from ltc.quotes.tests.factories import make_quote

PROBLEM = "application/problem+json"
API_TITLE = "The service is temporarily unavailable."
API_DETAIL = "The database cannot be reached right now. Please try again in a moment."


@contextmanager
def database_down(table: str | None = None, error: type[Exception] = OperationalError) -> Iterator[None]:
    """Every query (or every query naming `table`) fails as it does when the server is gone."""

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if table is None or f'"{table}"' in sql:
            raise error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


def _bearer(user: Any) -> dict[str, str]:
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"Authorization": f"Bearer {raw}"}


@override_settings(DEBUG=False)
def test_an_api_list_answers_503_problem_json_while_the_database_is_down_then_recovers(world, api_as):
    api = api_as(world.owner)
    with database_down("leads_lead"):
        response = api.get("/leads")
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {
        "type": "about:blank",
        "title": API_TITLE,
        "status": 503,
        "detail": API_DETAIL,
    }

    response = api.get("/leads")
    assert response.status_code == 200
    assert [item["id"] for item in json.loads(response.content)["items"]] == [world.lead.pk]


@override_settings(DEBUG=False)
def test_an_api_write_cut_off_by_a_dropped_connection_answers_503_and_changes_nothing(world, api_as):
    api = api_as(world.owner)
    body = {"company_name": "断线测试有限公司", "contact_name": "王五"}
    with database_down("leads_lead", error=InterfaceError):
        response = api.post("/leads", body)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert list(Lead.objects.values_list("company_name", flat=True)) == ["锦程数据科技有限公司"]

    response = api.post("/leads", body)
    assert response.status_code == 201
    assert Lead.objects.filter(company_name="断线测试有限公司").count() == 1


def _failing_while_answering(monkeypatch: Any, error: type[Exception]) -> None:
    """Queries fail only once the view has returned, while its answer is being serialised."""
    answer = PreconditionsFirstOperation._result_to_response

    def answer_without_database(self: Any, *args: Any, **kwargs: Any) -> Any:
        with database_down(error=error):
            return answer(self, *args, **kwargs)

    monkeypatch.setattr(PreconditionsFirstOperation, "_result_to_response", answer_without_database)


@override_settings(DEBUG=False)
def test_an_api_answer_cut_off_while_it_is_serialised_answers_503(world, api_as, monkeypatch):
    """The answer's schema reads related records lazily (a quote's contract); the database going
    away then surfaces inside pydantic's validation of the answer, not as the database error."""
    quote = make_quote(world)
    api = api_as(world.owner)
    _failing_while_answering(monkeypatch, OperationalError)
    response = api.get(f"/quotes/{quote.pk}")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["title"] == API_TITLE

    monkeypatch.undo()
    response = api.get(f"/quotes/{quote.pk}")
    assert response.status_code == 200
    assert json.loads(response.content)["id"] == quote.pk


@override_settings(DEBUG=False)
def test_a_bug_met_while_serialising_an_answer_stays_a_500(world, monkeypatch):
    quote = make_quote(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    _failing_while_answering(monkeypatch, ValueError)
    response = client.get(f"/api/v1/quotes/{quote.pk}")
    assert response.status_code == 500
    assert "Retry-After" not in response


@override_settings(DEBUG=False)
def test_the_api_answers_503_in_the_callers_language_when_a_middleware_meets_the_error(world):
    """The Idempotency-Key store is written before the API's own handlers run."""
    client = Client(raise_request_exception=False)
    headers = {**_bearer(world.owner), "Idempotency-Key": "k-1", "Accept-Language": "zh-hans"}
    with database_down("core_idempotencyrecord"):
        response = client.post(
            "/api/v1/leads",
            data=json.dumps({"company_name": "幂等测试有限公司", "contact_name": "赵六"}),
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {
        "type": "about:blank",
        "title": "服务暂时不可用。",
        "status": 503,
        "detail": "暂时无法连接数据库，请稍后重试。",
    }
    assert not Lead.objects.filter(company_name="幂等测试有限公司").exists()

    response = client.post(
        "/api/v1/leads",
        data=json.dumps({"company_name": "幂等测试有限公司", "contact_name": "赵六"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201


@override_settings(DEBUG=False)
def test_a_page_answers_a_plain_translated_503_page_then_recovers(world):
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    with database_down("leads_lead"):
        response = client.get("/leads/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "<title>服务暂时不可用 · LTC</title>" in html
    assert "暂时无法连接数据库，请稍后重试。" in html
    assert 'href="/"' in html
    assert "nav-link-title" not in html  # drawn without the layout, which needs the database

    response = client.get("/leads/")
    assert response.status_code == 200
    assert "锦程数据科技有限公司" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_page_answers_503_when_not_even_the_session_can_be_read(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    with database_down():
        response = client.get("/leads/", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "<title>The service is temporarily unavailable · LTC</title>" in response.content.decode()

    assert client.get("/leads/").status_code == 200


@override_settings(DEBUG=False)
def test_other_server_errors_stay_500(world):
    """Only the database errors are 503; a bug is still a 500 (and is not retried by clients)."""
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    with database_down("leads_lead", error=ValueError):
        response = client.get("/leads/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_every_operation_declares_the_503_problem():
    document = openapi()
    undeclared = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["responses"].get("503", {}).get("content")
        != {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    ]
    assert undeclared == []


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OperationalError("connection to server at 127.0.0.1 failed: Connection refused"), True),
        (OperationalError("database is locked"), True),
        (InterfaceError("connection already closed"), True),
        (OperationalError("no such table: leads_lead"), False),
        (OperationalError("too many SQL variables"), False),
    ],
)
def test_only_an_error_that_may_pass_is_answered_as_unavailable(error: Exception, transient: bool) -> None:
    from ltc.core.api import database_unavailable

    assert database_unavailable(error) is transient


def test_a_postgresql_error_is_judged_by_its_state() -> None:
    from ltc.core.api import database_unavailable

    class Cause(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    for sqlstate, transient in (("57P01", True), ("08006", True), ("40P01", True), ("42P01", False), ("54000", False)):
        error = OperationalError("x")
        error.__cause__ = Cause(sqlstate)
        assert database_unavailable(error) is transient, sqlstate


@pytest.mark.django_db(transaction=True)
@override_settings(DEBUG=False)
def test_a_keyed_request_that_met_a_dropped_database_may_be_retried_with_the_same_key(world):
    """The key is claimed; then the database goes away (the lead's insert and every later write
    fail, the key's release included). The claim commits with the request's effect or not at all,
    so the retry with the same key runs once the database is back — not 409 until the key expires."""
    client = Client(raise_request_exception=False)
    headers = {**_bearer(world.owner), "Idempotency-Key": "k-dropped"}
    body = json.dumps({"company_name": "断线重试有限公司", "contact_name": "钱七"})
    claimed = []

    def drop_after_the_claim(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if '"core_idempotencyrecord"' in sql and sql.lstrip().upper().startswith("INSERT"):
            claimed.append(sql)
            return execute(sql, params, many, context)
        if claimed and not sql.lstrip().upper().startswith(("ROLLBACK", "RELEASE", "SAVEPOINT")):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_after_the_claim):
        response = client.post("/api/v1/leads", data=body, content_type="application/json", headers=headers)
    assert claimed
    assert response.status_code == 503
    assert not Lead.objects.filter(company_name="断线重试有限公司").exists(), [s[:60] for s in claimed]

    retry = client.post("/api/v1/leads", data=body, content_type="application/json", headers=headers)
    assert retry.status_code == 201, retry.content
    replay = client.post("/api/v1/leads", data=body, content_type="application/json", headers=headers)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert Lead.objects.filter(company_name="断线重试有限公司").count() == 1
