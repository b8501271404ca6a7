from datetime import timedelta

from django.utils import timezone

from ltc.core.models import IdempotencyRecord
from ltc.core.tasks import purge_idempotency_records
from ltc.customers.models import Account

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
