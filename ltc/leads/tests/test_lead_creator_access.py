"""The creator of a lead routed to someone else keeps read access (issue #14)."""

import pytest

from ltc.leads import selectors, services
from ltc.leads.models import AssignmentRule, Lead


@pytest.fixture
def routes_to_teammate(world):
    return AssignmentRule.objects.create(name="东区", assign_user=world.teammate)


def test_an_ar_reads_the_lead_they_created_and_routed_to_someone_else(world, api_as, routes_to_teammate):
    api = api_as(world.owner)
    created = api.post("/leads", {"company_name": "嘉兴智造装备有限公司", "contact_name": "钱峰"})
    assert created.status_code == 201
    body = created.json()
    assert body["owner"] == {"id": world.teammate.pk, "name": str(world.teammate)}
    assert body["created_by"] == {"id": world.owner.pk, "name": str(world.owner)}
    fetched = api.get(created["Location"].removeprefix("/api/v1"))
    assert fetched.status_code == 200
    assert fetched.json()["owner"]["id"] == world.teammate.pk
    refused = api.patch(
        created["Location"].removeprefix("/api/v1"), {"need": "改需求"}, **{"If-Match": fetched["ETag"]}
    )
    assert refused.status_code == 403
    assert Lead.objects.get(pk=body["id"]).need == ""
    mine = api.get("/leads?created_by=me").json()["items"]
    assert [x["id"] for x in mine] == [body["id"]]
    assert body["id"] not in [x["id"] for x in api.get("/leads?owner=" + str(world.owner.pk)).json()["items"]]


def test_the_created_lead_stays_hidden_from_people_who_neither_own_nor_created_it(world, api_as, routes_to_teammate):
    lead_id = api_as(world.owner).post("/leads", {"company_name": "嘉兴智造装备有限公司"}).json()["id"]
    assert api_as(world.other).get(f"/leads/{lead_id}").status_code == 404
    assert api_as(world.other).get("/leads?created_by=me").json()["items"] == []


def test_the_creator_may_not_act_on_the_routed_lead(world, api_as, routes_to_teammate):
    api = api_as(world.owner)
    lead_id = api.post("/leads", {"company_name": "嘉兴智造装备有限公司"}).json()["id"]
    assert api.post(f"/leads/{lead_id}/disqualify", {"reason": "no_need"}).status_code == 403
    assert api.post(f"/leads/{lead_id}/assign", {"owner_id": world.owner.pk}).status_code == 403
    lead = Lead.objects.get(pk=lead_id)
    assert (lead.status, lead.owner_id) == ("new", world.teammate.pk)


def test_the_ui_create_form_says_where_the_lead_went_and_shows_it_read_only(world, web_as, routes_to_teammate):
    client = web_as(world.owner)
    response = client.post(
        "/leads/new/",
        {
            "company_name": "嘉兴智造装备有限公司",
            "source": "employee",
            "timeframe": "unknown",
            "budget_currency": "CNY",
        },
    )
    assert response.status_code == 302
    lead = Lead.objects.get(company_name="嘉兴智造装备有限公司")
    assert (lead.owner, lead.created_by) == (world.teammate, world.owner)
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Routed to {world.teammate}" in html
    assert f'<dt class="col-4">Created by</dt><dd class="col-8">{world.owner}</dd>' in html
    assert f'href="/leads/{lead.pk}/edit/"' not in html
    assert client.get(f"/leads/{lead.pk}/edit/").status_code == 403
    listed = client.get("/leads/?created_by=me").content.decode()
    assert "嘉兴智造装备有限公司" in listed


def test_the_quick_create_form_says_who_owns_the_lead(world, web_as, routes_to_teammate):
    client = web_as(world.owner)
    response = client.post("/quick/lead/", {"company_name": "天津港航物流有限公司", "source": "employee"})
    lead = Lead.objects.get(company_name="天津港航物流有限公司")
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert (lead.owner, lead.created_by) == (world.owner, world.owner)
    assert "Lead created; you own it." in client.get(response["Location"]).content.decode()


def test_a_lead_nobody_was_routed_to_waits_in_the_pool_and_the_creator_is_told(world, web_as):
    client = web_as(world.owner)
    response = client.post(
        "/leads/new/",
        {
            "company_name": "青岛海润食品有限公司",
            "source": "employee",
            "timeframe": "unknown",
            "budget_currency": "CNY",
        },
    )
    lead = Lead.objects.get(company_name="青岛海润食品有限公司")
    assert lead.owner is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "No rule matched: the lead waits in the unassigned pool." in page.content.decode()


def test_imported_and_web_form_leads_record_their_creator(world):
    lead = services.lead_create(actor=world.marketing, data={"source": "website", "company_name": "甲公司"})
    assert lead.created_by == world.marketing
    public = services.lead_create(actor=None, data={"source": "website", "company_name": "乙公司"})
    assert public.created_by is None


def test_the_usual_list_keeps_its_plan_and_created_by_me_uses_its_own(world):
    """An OR on the creator would make the database sort every visible lead on each page."""
    usual = str(selectors.lead_list(user=world.owner).query).split(" WHERE ")[1]
    assert "created_by" not in usual
    mine = str(selectors.lead_list(user=world.owner, filters=selectors.LeadFilters(created_by="me")).query)
    assert '"created_by_id" = ' in mine.split(" WHERE ")[1]
    assert '"owner_id" = ' not in mine.split(" WHERE ")[1]


def test_the_lead_list_names_creators_without_a_query_per_row(world, api_as, django_assert_max_num_queries):
    for n in range(20):
        services.lead_create(actor=world.owner, data={"source": "api", "company_name": f"公司{n}"}, owner=world.owner)
    with django_assert_max_num_queries(7):  # the 7th reads the page's custom field values, in one query
        items = api_as(world.owner).get("/leads?created_by=me&limit=50").json()["items"]
    assert len(items) == 20
    assert {x["created_by"]["id"] for x in items} == {world.owner.pk}
