import pytest

from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _if_match(version):
    return {"If-Match": f'"{version}"'}


def test_pipelines_describe_stages_checklists_and_guidance(world, api_as, pipeline):
    answer = api_as(world.owner).get("/pipelines").json()
    stages = answer[0]["stages"]
    assert [s["name"] for s in stages] == ["确认", "方案", "签约", "赢单", "输单"]
    assert stages[1]["requirements"][0]["kind"] == "activity"
    assert stages[2]["needs_fr"] is True


def test_create_then_advance_through_a_gate(world, api_as, pipeline):
    api = api_as(world.owner)
    contact = ContactFactory(account=world.account)
    created = api.post(
        "/opportunities",
        {
            "name": "锦程二期",
            "account_id": world.account.pk,
            "pipeline_id": pipeline.pk,
            "amount": "2500000.00",
            "contact_ids": [contact.pk],
        },
    )
    assert created.status_code == 201, created.json()
    deal = created.json()
    assert (deal["stage_name"], deal["probability"], deal["weighted_amount"]) == ("确认", 10, "250000.00")
    assert deal["contacts"] == [{"id": contact.pk, "name": contact.name}]
    url = f"/opportunities/{deal['id']}"
    assert api.post(f"{url}/advance", {}).status_code == 428
    refused = api.post(f"{url}/advance", {}, **_if_match(1))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "gate"
    assert "需求已确认" in refused.json()["errors"][0]["message"]
    checklist = api.get(f"{url}/checklist").json()
    assert checklist["missing_to_advance"] == ["确认: 需求已确认"]
    requirement_id = checklist["items"][0]["requirement_id"]
    ticked = api.post(f"{url}/checklist/{requirement_id}", {"done": True}).json()
    assert ticked["items"][0]["done"] is True
    assert ticked["missing_to_advance"] == []
    moved = api.post(f"{url}/advance", {}, **_if_match(1))
    assert moved.status_code == 200
    assert (moved.json()["stage_name"], moved["ETag"]) == ("方案", '"2"')
    stale = api.post(f"{url}/advance", {"stage_id": stage(pipeline, "确认").pk}, **_if_match(1))
    assert stale.status_code == 412
    timeline = api.get(f"{url}/timeline").json()
    assert any(c["field"] == "stage" for e in timeline for c in e["changes"])


def test_bad_input_is_refused_field_by_field_and_nothing_is_created(world, api_as, pipeline):
    api = api_as(world.owner)
    other_pipeline = make_pipeline("产品销售")
    stranger = ContactFactory(account=AccountFactory(owner=world.owner))
    base = {"name": "x", "account_id": world.account.pk, "pipeline_id": pipeline.pk}
    cases = [
        ({"amount": "-5"}, "amount"),
        ({"pipeline_id": 999999}, "pipeline_id"),
        ({"stage_id": stage(other_pipeline, "方案").pk}, "stage_id"),
        ({"account_id": AccountFactory(owner=world.other).pk}, "account_id"),
        ({"contact_ids": [stranger.pk]}, "contact_ids"),  # the field that was sent
        ({"sr_id": world.teammate.pk}, "sr_id"),  # named as sent, not as the model's field
        ({"currency": "XXX"}, "currency"),
        ({"probability": 140}, "probability"),
    ]
    for extra, field in cases:
        answer = api.post("/opportunities", {**base, **extra})
        assert answer.status_code == 422, (extra, answer.json())
        assert answer["Content-Type"] == "application/problem+json"
        assert field in {e["field"] for e in answer.json()["errors"]}, (extra, answer.json())
    everything_wrong = api.post("/opportunities", {**base, "name": "", "amount": "-1", "sr_id": world.teammate.pk})
    assert {e["field"] for e in everything_wrong.json()["errors"]} >= {"name", "amount", "sr_id"}
    assert not Opportunity.objects.exists()


def test_win_lose_reopen_and_list_filters(world, api_as, pipeline):
    fr = UserFactory(username="fr", team=world.east, roles=["fr"])
    sr = UserFactory(username="sr", team=world.east, roles=["sr"])
    deal = make_opportunity(world, pipeline, stage=stage(pipeline, "签约"), fr=fr, sr=sr)
    api = api_as(world.owner)
    url = f"/opportunities/{deal.pk}"
    assert api.post(f"{url}/win", {"reason": "nonsense"}, **_if_match(1)).status_code == 422
    won = api.post(f"{url}/win", {"reason": "relationship"}, **_if_match(1)).json()
    assert (won["status"], won["probability"]) == ("won", 100)
    assert api.post(f"{url}/reopen", {}, **_if_match(2)).json()["status"] == "open"
    lost = api.post(f"{url}/lose", {"reason": "price", "note": "低价"}, **_if_match(3)).json()
    assert (lost["status"], lost["close_reason"], lost["close_note"]) == ("lost", "price", "低价")
    make_opportunity(world, pipeline, name="另一个")
    assert [d["name"] for d in api_as(sr).get("/opportunities?mine=sr").json()["items"]] == ["锦程智能工厂项目"]
    assert api.get("/opportunities?status=lost").json()["items"][0]["id"] == deal.pk


def test_members_and_their_managers_see_the_deal_others_do_not(world, api_as, pipeline):
    north_manager = UserFactory(username="north-boss", roles=["sales_manager"])
    world.north.manager = north_manager
    world.north.save()
    fr = UserFactory(username="fr", team=world.north, roles=["fr"])
    deal = make_opportunity(world, pipeline, fr=fr)
    assert api_as(fr).get(f"/opportunities/{deal.pk}").status_code == 200
    assert api_as(north_manager).get(f"/opportunities/{deal.pk}").status_code == 200
    assert api_as(world.other).get(f"/opportunities/{deal.pk}").status_code == 404
    assert api_as(world.other).get("/opportunities").json()["items"] == []


def test_board_counts_sums_per_currency_and_query_budget(world, api_as, pipeline, django_assert_max_num_queries):
    for n in range(25):
        make_opportunity(world, pipeline, name=f"项目{n}", amount=f"{n + 1}0000.00")
    make_opportunity(world, pipeline, name="美元项目", amount="5000.00", currency="USD")
    api = api_as(world.owner)
    with django_assert_max_num_queries(12):
        columns = api.get(f"/pipelines/{pipeline.pk}/board").json()
    first = columns[0]
    assert (first["stage_name"], first["count"], len(first["cards"])) == ("确认", 26, 20)
    assert {m["currency"]: m["amount"] for m in first["amounts"]} == {"CNY": "3250000.00", "USD": "5000.00"}
    assert {m["currency"]: m["amount"] for m in first["weighted"]} == {"CNY": "325000.00", "USD": "500.00"}
    assert first["cards"][0]["name"] == "项目24"
    assert [c["count"] for c in columns[1:]] == [0, 0]  # open stages only: won and lost are not on the board


def test_from_lead_through_the_api(world, api_as, pipeline):
    from ltc.leads import services as lead_services

    lead_services.lead_qualify(actor=world.manager, lead=world.lead, override_reason="推荐")
    answer = api_as(world.owner).post(
        "/opportunities/from-lead", {"lead_id": world.lead.pk, "pipeline_id": pipeline.pk, "name": "锦程数据中心"}
    )
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["source_lead_id"], answer.json()["name"]) == (world.lead.pk, "锦程数据中心")
    again = api_as(world.owner).post("/opportunities/from-lead", {"lead_id": world.lead.pk, "pipeline_id": pipeline.pk})
    assert again.status_code == 422
