"""/api/v1/marketing/consent and /api/v1/marketing/data-requests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import Consent
from ltc.marketing.models.privacy import DataSubjectRequest

pytestmark = pytest.mark.django_db


def test_record_then_read_consent_and_history(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    answer = api.post(
        "/marketing/consent", {"address": " Li@JC.cn ", "state": "granted", "basis": "contract", "source": "框架合同"}
    )
    assert answer.status_code == 201
    assert answer.json()["email_allowed"] is True
    api.post("/marketing/consent", {"address": "li@jc.cn", "state": "withdrawn", "source": "电话退订"})

    current = api_as(world.manager).get("/marketing/consent?address=li@jc.cn").json()
    assert current["email_allowed"] is False
    assert [(c["channel"], c["state"], c["source"]) for c in current["consents"]] == [
        ("email", "withdrawn", "电话退订")
    ]
    history = api.get("/marketing/consent/history?address=LI@jc.cn").json()
    assert [h["state"] for h in history] == ["withdrawn", "granted"]
    assert history[1]["recorded_by"]["id"] == world.marketing.pk


def test_bad_consent_is_a_problem_with_field_errors(world: Any, api_as: Any) -> None:
    answer = api_as(world.admin).post("/marketing/consent", {"address": "nope", "state": "granted", "source": "x"})
    assert answer.status_code == 422
    assert answer["Content-Type"].startswith("application/problem+json")
    assert {e["field"] for e in answer.json()["errors"]} == {"address", "basis"}
    assert not Consent.objects.exists()


def test_a_data_request_from_creation_to_erasure(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    lead = LeadFactory(contact_name="赵敏", email="zm@example.cn")
    export = api.post("/marketing/data-requests", {"kind": "export", "lead_id": lead.pk, "asked_via": "邮件"})
    assert export.status_code == 201
    download = api.get(f"/marketing/data-requests/{export.json()['id']}/export")
    assert download.status_code == 200
    assert json.loads(download.content)["person"]["contact_name"] == "赵敏"
    assert api.get(f"/marketing/data-requests/{export.json()['id']}").json()["status"] == "open"
    assert api.post(f"/marketing/data-requests/{export.json()['id']}/given").json()["status"] == "done"

    erase = api.post("/marketing/data-requests", {"kind": "erase", "lead_id": lead.pk, "asked_via": "电话"}).json()
    refused = api.post(f"/marketing/data-requests/{erase['id']}/erase", {"confirm": False})
    assert refused.status_code == 422
    assert Lead.objects.get(pk=lead.pk).contact_name == "赵敏"
    done = api.post(f"/marketing/data-requests/{erase['id']}/erase", {"confirm": True})
    assert done.json()["status"] == "done"
    assert Lead.objects.get(pk=lead.pk).contact_name == f"已删除用户 #{lead.pk}"
    listed = api.get("/marketing/data-requests?status=done").json()
    assert [r["kind"] for r in listed["items"]] == ["erase", "export"]


def test_a_request_naming_nobody_is_a_field_error(world: Any, api_as: Any) -> None:
    api = api_as(world.admin)
    answer = api.post("/marketing/data-requests", {"kind": "export", "contact_id": 999999, "asked_via": "邮件"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["contact_id"]
    assert not DataSubjectRequest.objects.exists()
