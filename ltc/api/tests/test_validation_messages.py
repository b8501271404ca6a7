"""Validation messages are in the reader's language, like every other message of the API."""

import pytest
from django.db import connection

from ltc.customers.models import Account

CHINESE = {"Accept-Language": "zh-hans"}
ENGLISH = {"Accept-Language": "en"}


@pytest.mark.django_db
def test_schema_errors_are_translated_to_chinese(world, api_as):
    api = api_as(world.owner)
    before = Account.objects.count()

    response = api.post("/accounts", {"owner_id": "abc", "status": "bogus"}, **CHINESE)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "请求无效。"
    assert body["errors"] == [
        {"field": "name", "message": "必填字段", "code": "missing"},
        {"field": "status", "message": "输入应为 'prospect', 'customer' 或 'former'", "code": "literal_error"},
        {"field": "owner_id", "message": "输入应为有效的整数，无法将字符串解析为整数", "code": "int_parsing"},
    ]
    assert Account.objects.count() == before


@pytest.mark.django_db
def test_schema_errors_stay_in_pydantic_words_in_english(world, api_as):
    response = api_as(world.owner).post("/accounts", {"owner_id": "abc", "status": "bogus"}, **ENGLISH)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "Field required", "code": "missing"},
        {"field": "status", "message": "Input should be 'prospect', 'customer' or 'former'", "code": "literal_error"},
        {
            "field": "owner_id",
            "message": "Input should be a valid integer, unable to parse string as an integer",
            "code": "int_parsing",
        },
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"account_id": 1, "amount": "abc", "received_on": "2026-01-01"}, "输入应为有效的十进制数"),
        ({"account_id": 1, "amount": "10", "received_on": "soon"}, "输入应为 YYYY-MM-DD 格式的有效日期"),
        ({"account_id": [], "amount": "10", "received_on": "2026-01-01"}, "输入应为有效的整数"),
    ],
)
def test_typed_fields_are_explained_in_chinese(world, api_as, body, message):
    response = api_as(world.finance).post("/payments", body, **CHINESE)

    assert response.status_code == 422
    assert [e["message"] for e in response.json()["errors"]] == [message]


@pytest.mark.django_db
def test_a_number_beyond_the_database_is_a_field_error_not_a_server_error(world, api_as):
    response = api_as(world.manager).post("/leads/route", {"ids": [10**30]}, **CHINESE)

    if connection.vendor == "sqlite":  # 64-bit integers only: the query cannot be sent
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "__all__", "message": "数字太大。", "code": "out_of_range"}]
    else:  # PostgreSQL compares it as a numeric: it names no lead
        assert response.status_code == 200
    world.lead.refresh_from_db()
    assert world.lead.owner == world.owner
