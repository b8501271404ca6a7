"""Campaigns: services, API (checked against the OpenAPI document by the shared ApiClient), pages,
nav, panels and the "add to campaign" mass action."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ltc.core.models import TimelineEvent
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.marketing.models import Campaign, CampaignCost, CampaignMember, MemberStatus, TouchKind
from ltc.marketing.services import campaigns as services
from ltc.marketing.services.touches import TouchIn, touches_record

pytestmark = pytest.mark.django_db


def make(world, **fields):
    data = {"name": "工博会", "code": "expo-2026", "kind": "trade_show", "budget": Decimal("1000.00"), **fields}
    return services.campaign_create(actor=world.marketing, data=data)


# --- services --------------------------------------------------------------------------------


def test_create_records_owner_and_timeline(world):
    campaign = make(world)
    assert campaign.owner == world.marketing
    assert campaign.created_by == world.marketing
    assert TimelineEvent.objects.filter(object_id=campaign.pk, kind="created").count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"starts_on": date(2026, 5, 2), "ends_on": date(2026, 5, 1)}, "ends_on"),
        ({"budget": Decimal("-1.00")}, "budget"),
        ({"code": "has space"}, "code"),
    ],
)
def test_create_refuses_bad_fields(world, fields, field):
    with pytest.raises(ValidationError) as exc:
        make(world, **fields)
    assert field in exc.value.message_dict
    assert not Campaign.objects.exists()


def test_only_marketing_and_admin_create(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=world.executive, data={"name": "x", "code": "x", "kind": "email"})
    assert not Campaign.objects.exists()


def test_parent_cannot_make_a_cycle(world):
    top = make(world)
    child = make(world, code="child", parent=top)
    grandchild = make(world, code="grandchild", parent=child)
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(
            actor=world.marketing, campaign=top, data={"parent": grandchild}, expected_version=top.version
        )
    assert "parent" in exc.value.message_dict
    top.refresh_from_db()
    assert top.parent_id is None


def test_costs_roll_up_with_children_and_corrections(world):
    top = make(world)
    child = make(world, code="child", parent=top, budget=None)
    services.cost_add(
        actor=world.marketing, campaign=top, spent_on=date(2026, 1, 1), description="展位", amount=Decimal("600")
    )
    services.cost_add(
        actor=world.marketing, campaign=top, spent_on=date(2026, 1, 2), description="更正", amount=Decimal("-100")
    )
    services.cost_add(
        actor=world.marketing, campaign=child, spent_on=date(2026, 1, 3), description="物料", amount=Decimal("50")
    )
    with pytest.raises(ValidationError):
        services.cost_add(
            actor=world.marketing, campaign=top, spent_on=date(2026, 1, 3), description="零", amount=Decimal("0")
        )
    stats = services.campaign_stats(campaign=top)
    assert stats.cost_total == Decimal("550.00")
    assert stats.budget_left == Decimal("450.00")
    assert [(row["campaign"].pk, row["cost_total"]) for row in stats.children] == [(child.pk, Decimal("50.00"))]
    assert CampaignCost.objects.count() == 3


def test_members_add_remove_and_stats(world):
    campaign = make(world)
    contact = ContactFactory(account=AccountFactory(owner=world.marketing))
    added = services.members_add(
        actor=world.marketing, campaign=campaign, lead_ids=[world.lead.pk], contact_ids=[contact.pk]
    )
    assert added == 2
    # A response moves the lead forward; a reached member cannot be removed.
    touches_record([TouchIn(campaign_id=campaign.pk, kind=TouchKind.FORM, key="t1", lead_id=world.lead.pk)])
    lead_member = CampaignMember.objects.get(campaign=campaign, lead=world.lead)
    assert lead_member.status == MemberStatus.RESPONDED
    with pytest.raises(ValidationError):
        services.member_remove(actor=world.marketing, member=lead_member)
    assert CampaignMember.objects.filter(pk=lead_member.pk).exists()
    stats = services.campaign_stats(campaign=campaign)
    assert stats.members_by_status["responded"] == 1
    assert stats.members_by_status["targeted"] == 1
    assert stats.touches_by_kind == {"form": 1}
    contact_member = CampaignMember.objects.get(campaign=campaign, contact=contact)
    services.member_remove(actor=world.marketing, member=contact_member)
    assert not CampaignMember.objects.filter(pk=contact_member.pk).exists()


def test_members_add_refuses_unknown_ids(world):
    campaign = make(world)
    with pytest.raises(ValidationError) as exc:
        services.members_add(actor=world.marketing, campaign=campaign, lead_ids=[world.lead.pk, 999999])
    assert "lead_ids" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.members_add(actor=world.marketing, campaign=campaign, lead_ids=["x"])
    assert not CampaignMember.objects.exists()


# --- API -------------------------------------------------------------------------------------


def test_api_create_get_list_update(world, api_as):
    api = api_as(world.marketing)
    created = api.post(
        "/marketing/campaigns", {"name": "研讨会", "code": "seminar-1", "kind": "seminar", "budget": "500"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["budget"] == "500.00"
    assert body["owner"]["id"] == world.marketing.pk
    assert body["stats"]["cost_total"] == "0.00"
    pk = body["id"]
    listed = api.get("/marketing/campaigns?kind=seminar&q=研讨").json()
    assert [c["id"] for c in listed["items"]] == [pk]
    assert api.get("/marketing/campaigns?kind=email").json()["items"] == []
    assert api.patch(f"/marketing/campaigns/{pk}", {"name": "x"}).status_code == 428
    assert api.patch(f"/marketing/campaigns/{pk}", {"name": "x"}, **{"If-Match": '"9"'}).status_code == 412
    updated = api.patch(f"/marketing/campaigns/{pk}", {"status": "active"}, **{"If-Match": '"1"'})
    assert updated.status_code == 200, updated.content
    assert updated.json()["status"] == "active"
    assert updated["ETag"] == '"2"'
    bad = api.patch(
        f"/marketing/campaigns/{pk}", {"ends_on": "2026-01-01", "starts_on": "2026-02-01"}, **{"If-Match": '"2"'}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"ends_on"}


def test_api_costs_and_members(world, api_as):
    campaign = make(world)
    api = api_as(world.marketing)
    cost = api.post(
        f"/marketing/campaigns/{campaign.pk}/costs", {"spent_on": "2026-03-01", "description": "展位", "amount": "300"}
    )
    assert cost.status_code == 201, cost.content
    assert [c["amount"] for c in api.get(f"/marketing/campaigns/{campaign.pk}/costs").json()] == ["300.00"]
    added = api.post(f"/marketing/campaigns/{campaign.pk}/members", {"lead_ids": [world.lead.pk]})
    assert added.json() == {"added": 1}
    members = api.get(f"/marketing/campaigns/{campaign.pk}/members?status=targeted").json()
    assert [m["lead_id"] for m in members["items"]] == [world.lead.pk]
    removed = api.request("DELETE", f"/marketing/campaigns/{campaign.pk}/members/{members['items'][0]['id']}")
    assert removed.status_code == 204
    assert not CampaignMember.objects.exists()


def test_api_access(world, api_as):
    campaign = make(world)
    assert api_as(world.owner).get("/marketing/campaigns").status_code == 403
    assert api_as(world.owner).get(f"/marketing/campaigns/{campaign.pk}").status_code == 404
    assert api_as(world.executive).get(f"/marketing/campaigns/{campaign.pk}").status_code == 200
    refused = api_as(world.executive).post(
        f"/marketing/campaigns/{campaign.pk}/costs", {"spent_on": "2026-03-01", "description": "x", "amount": "1"}
    )
    assert refused.status_code == 403
    assert not CampaignCost.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def test_pages_and_nav(world, web_as):
    campaign = make(world)
    marketing = web_as(world.marketing)
    listed = marketing.get("/marketing/campaigns/?status=planned")
    assert listed.status_code == 200
    assert "工博会" in listed.content.decode()
    assert 'href="/marketing/campaigns/"' in listed.content.decode()  # the nav entry
    assert marketing.get(f"/marketing/campaigns/{campaign.pk}/").status_code == 200
    home = web_as(world.owner).get("/leads/").content.decode()
    assert 'href="/marketing/campaigns/"' not in home
    assert web_as(world.owner).get("/marketing/campaigns/").status_code == 403
    created = marketing.post(
        "/marketing/campaigns/new/",
        {
            "name": "邮件",
            "code": "mail-1",
            "kind": "email",
            "owner": world.marketing.pk,
            "status": "planned",
            "currency": "CNY",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    refused = marketing.post(
        "/marketing/campaigns/new/",
        {
            "name": "坏",
            "code": "bad",
            "kind": "email",
            "owner": world.marketing.pk,
            "status": "planned",
            "currency": "CNY",
            "starts_on": "2026-02-02",
            "ends_on": "2026-01-01",
        },
    )
    assert refused.status_code == 422
    assert not Campaign.objects.filter(code="bad").exists()
    edited = marketing.post(
        f"/marketing/campaigns/{campaign.pk}/edit/",
        {
            "name": "工博会 2026",
            "code": campaign.code,
            "kind": "trade_show",
            "owner": world.marketing.pk,
            "status": "active",
            "currency": "CNY",
            "budget": "1000",
            "version": campaign.version,
        },
    )
    assert edited.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status, campaign.version) == ("工博会 2026", "active", 2)
    stale = marketing.post(
        f"/marketing/campaigns/{campaign.pk}/edit/",
        {
            "name": "旧",
            "code": campaign.code,
            "kind": "trade_show",
            "owner": world.marketing.pk,
            "status": "active",
            "currency": "CNY",
            "version": 1,
        },
    )
    assert stale.status_code == 422
    campaign.refresh_from_db()
    assert campaign.name == "工博会 2026"
    marketing.post(
        f"/marketing/campaigns/{campaign.pk}/costs/", {"spent_on": "2026-03-01", "description": "展位", "amount": "-5"}
    )
    assert CampaignCost.objects.get().amount == Decimal("-5.00")


def test_mass_action_from_lead_and_contact_lists(world, web_as):
    campaign = make(world)
    contact = ContactFactory(account=AccountFactory(owner=world.marketing))
    marketing = web_as(world.marketing)
    page = marketing.get("/leads/").content.decode()
    assert 'formaction="/marketing/campaigns/add-members/"' in page
    assert 'formaction="/marketing/campaigns/add-members/"' not in web_as(world.owner).get("/leads/").content.decode()
    marketing.post(
        "/marketing/campaigns/add-members/",
        {"campaign": campaign.pk, "kind": "lead", "ids": [world.lead.pk], "next": "/leads/"},
    )
    marketing.post(
        "/marketing/campaigns/add-members/", {"campaign": campaign.pk, "kind": "contact", "ids": [contact.pk]}
    )
    assert set(CampaignMember.objects.values_list("lead_id", "contact_id", "source")) == {
        (world.lead.pk, None, "list"),
        (None, contact.pk, "list"),
    }
    assert (
        web_as(world.owner)
        .post("/marketing/campaigns/add-members/", {"campaign": campaign.pk, "kind": "lead", "ids": [world.lead.pk]})
        .status_code
        == 403
    )


def test_campaign_panel_on_lead_contact_and_account(world, web_as, django_assert_max_num_queries):
    from ltc.marketing.panels_campaigns import account_campaigns

    campaign = make(world)
    contact = ContactFactory(account=world.account)
    services.members_add(actor=world.admin, campaign=campaign, lead_ids=[world.lead.pk], contact_ids=[contact.pk])
    link = f'href="/marketing/campaigns/{campaign.pk}/"'
    owner_page = web_as(world.owner).get(world.lead.get_absolute_url()).content.decode()
    assert "工博会" in owner_page
    assert link not in owner_page
    assert link in web_as(world.executive).get(world.lead.get_absolute_url()).content.decode()
    assert "工博会" in web_as(world.owner).get(contact.get_absolute_url()).content.decode()
    for _ in range(3):
        ContactFactory(account=world.account)
    with django_assert_max_num_queries(3):
        rows = account_campaigns(world.owner, world.account)
    assert [r["campaign"].pk for r in rows["campaign_rows"]] == [campaign.pk]
    assert account_campaigns(world.owner, AccountFactory(owner=world.owner)) is None


def test_list_query_budget(world, web_as, django_assert_max_num_queries):
    for n in range(5):
        make(world, code=f"c{n}")
    client = web_as(world.marketing)
    client.get("/marketing/campaigns/")
    with django_assert_max_num_queries(20):
        assert client.get("/marketing/campaigns/").status_code == 200


def test_demo_seed_adds_members_touches_and_a_sub_campaign(world):
    from ltc.leads.tests.factories import LeadFactory
    from ltc.web.demo_marketing_campaigns import TRADE_SHOW, seed_campaigns

    show = make(world, code=TRADE_SHOW, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 4))
    booth = [LeadFactory(owner=world.owner, source="event", campaign="2026 工博会") for _ in range(3)]
    LeadFactory(owner=world.owner, source="website")
    contact = ContactFactory(account=world.account)
    seed_campaigns({"sun": world.marketing})
    members = set(CampaignMember.objects.filter(campaign=show).values_list("lead_id", "contact_id"))
    assert {(lead.pk, None) for lead in booth} | {(None, contact.pk)} <= members
    stats = services.campaign_stats(campaign=show)
    # The booth leads answered its scan form; the contact was invited and has not answered yet.
    kinds = {kind: n for kind, n in stats.touches_by_kind.items() if n}
    # No registration or attendance the event does not hold; the dinner's guests were noted by hand.
    assert set(kinds) == {"form", "manual"}
    assert kinds["form"] >= 3
    [child] = stats.children
    assert child["campaign"].name == "工博会 VIP 客户晚宴"
    assert stats.cost_total == Decimal("26800.00")
