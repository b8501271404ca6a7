import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ltc.core.models import IdempotencyRecord
from ltc.core.tasks import purge_idempotency_records
from ltc.customers.models import Account
from ltc.org.services import token_create

BODY = {"name": "宁波港联物流集团有限公司", "region": "east"}


def test_a_retried_create_returns_the_first_answer_and_creates_once(world, api_as):
    api = api_as(world.owner)
    first = api.post("/accounts", BODY, **{"Idempotency-Key": "create-1"})
    retry = api.post("/accounts", BODY, **{"Idempotency-Key": "create-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Location"] == first["Location"]
    assert Account.objects.filter(name=BODY["name"]).count() == 1


def test_the_same_key_with_another_body_is_refused(world, api_as):
    api = api_as(world.owner)
    api.post("/accounts", BODY, **{"Idempotency-Key": "create-2"})
    reused = api.post("/accounts", {**BODY, "name": "另一家公司有限公司"}, **{"Idempotency-Key": "create-2"})
    assert reused.status_code == 422
    assert reused["Content-Type"] == "application/problem+json"
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Account.objects.filter(name="另一家公司有限公司").exists()


def test_keys_are_scoped_to_their_user(world, api_as):
    api_as(world.owner).post("/accounts", BODY, **{"Idempotency-Key": "shared"})
    other = api_as(world.manager).post(
        "/accounts", {**BODY, "owner_id": world.manager.pk}, **{"Idempotency-Key": "shared"}
    )
    assert other.status_code == 201
    assert Account.objects.filter(name=BODY["name"]).count() == 2


def test_a_refused_request_is_replayed_as_refused(world, api_as):
    api = api_as(world.owner)
    bad = {"name": "x"}
    assert api.post("/accounts", bad, **{"Idempotency-Key": "bad"}).status_code == 422
    assert api.post("/accounts", bad, **{"Idempotency-Key": "bad"}).status_code == 422
    assert IdempotencyRecord.objects.get(key="bad").status_code == 422


def test_old_keys_are_purged_by_the_background_task(world):
    IdempotencyRecord.objects.create(principal="u:1", key="old", request_fingerprint="f", status_code=201)
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))
    IdempotencyRecord.objects.create(principal="u:1", key="new", request_fingerprint="f", status_code=201)
    result = purge_idempotency_records.enqueue()
    assert result.return_value == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_a_key_past_its_lifetime_is_free_again(world, api_as):
    api = api_as(world.owner)
    api.post("/accounts", BODY, **{"Idempotency-Key": "reuse-1"})
    IdempotencyRecord.objects.filter(key="reuse-1").update(created_at=timezone.now() - timedelta(days=2))
    again = api.post("/accounts", {**BODY, "name": "另一家公司"}, **{"Idempotency-Key": "reuse-1"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert IdempotencyRecord.objects.get(key="reuse-1").created_at > timezone.now() - timedelta(hours=1)


def _big_csv(size: int) -> bytes:
    header = "公司名称,联系人,手机\n".encode()
    row = "宁波港联物流集团有限公司,王芳,13800138000\n".encode()
    return header + row * (size // len(row) + 1)


def test_a_large_upload_with_an_idempotency_key_is_accepted_once(world, api_as):
    """A 3 MB file passes the idempotency check (hashed as a stream) and a retry replays it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ltc.leads.models import LeadImport

    api = api_as(world.owner)

    def send():
        upload = SimpleUploadedFile("big.csv", _big_csv(3 * 1024 * 1024), content_type="text/csv")
        return api.client.post(
            "/api/v1/lead-imports", {"file": upload}, headers={**api.headers, "Idempotency-Key": "big-upload"}
        )

    first, retry = send(), send()
    assert first.status_code == 201, first.content[:300]
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert LeadImport.objects.count() == 1


def test_a_made_up_token_stores_no_idempotency_record(world, api_as):
    api = api_as(None)
    api.headers["Authorization"] = "Bearer ltc_made-up"
    response = api.post("/accounts", BODY, **{"Idempotency-Key": "forged"})
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_an_oversized_json_body_answers_413_problem(world, api_as):
    api = api_as(world.owner)
    response = api.post("/accounts", {**BODY, "notes": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert not Account.objects.filter(name=BODY["name"]).exists()


def test_an_oversized_json_body_with_a_key_answers_413_and_stores_nothing(world, api_as):
    api = api_as(world.owner)
    response = api.post("/accounts", {**BODY, "notes": "x" * (10 * 1024 * 1024)}, **{"Idempotency-Key": "huge"})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert not IdempotencyRecord.objects.exists()


def test_the_daily_housekeeping_purges_old_keys(world):
    from django.core.management import call_command

    IdempotencyRecord.objects.create(principal="u:1", key="old", request_fingerprint="f", status_code=201)
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))
    call_command("housekeeping_daily")
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_requests_sent_at_once_with_one_key_create_once_and_all_get_its_answer(world):
    """PostgreSQL (SQLite serialises its writers): the retries wait on the first request's claim
    and are then answered with its answer, instead of 409 while it runs."""
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    _token, raw = token_create(actor=world.owner, user=world.owner, name="race")
    body = json.dumps({"name": "并发幂等集团有限公司", "region": "east"})
    barrier = threading.Barrier(6)
    answers: list[tuple[int, bytes]] = []

    def send() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/accounts",
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "race-1"},
            )
            answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _content in answers] == [201] * 6
    assert len({content for _status, content in answers}) == 1
    assert Account.objects.filter(name="并发幂等集团有限公司").count() == 1
