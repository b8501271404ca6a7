"""Review fixes on campaigns: a currency stays once costs are booked in it; members are listed by
name only to those who may read the lead or contact (a sales manager of another team sees counts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import Campaign, CampaignMember, MemberSource, MemberStatus
from ltc.marketing.services import campaigns as services
from ltc.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _north_manager(world: Any) -> Any:
    """A sales manager of the north team: `other`'s manager, outside the east team's tree."""
    manager = UserFactory(username="north_manager", roles=["sales_manager"], team=world.north)
    world.north.manager = manager
    world.north.save(update_fields=["manager"])
    return manager


def _campaign(world: Any) -> Campaign:
    return Campaign.objects.create(name="工博会", code="expo-review", kind="trade_show", owner=world.marketing)


def _members(world: Any, campaign: Campaign) -> dict[str, CampaignMember]:
    east_lead = LeadFactory(owner=world.owner, company_name="东区线索公司", contact_name="东线索人", email="e@x.cn")
    north_lead = LeadFactory(owner=world.other, company_name="北区线索公司", contact_name="北线索人", email="n@x.cn")
    north_account = AccountFactory(owner=world.other, name="北区客户公司")
    east_contact = ContactFactory(account=world.account, name="东联系人")
    north_contact = ContactFactory(account=north_account, name="北联系人")
    rows = {
        "east_lead": CampaignMember(campaign=campaign, lead=east_lead),
        "north_lead": CampaignMember(campaign=campaign, lead=north_lead),
        "east_contact": CampaignMember(campaign=campaign, contact=east_contact),
        "north_contact": CampaignMember(campaign=campaign, contact=north_contact),
    }
    for member in rows.values():
        member.status = MemberStatus.TARGETED
        member.source = MemberSource.MANUAL
        member.save()
    return rows


# --- finding 5: the currency of booked costs ------------------------------------------------------


def test_the_currency_cannot_change_once_a_cost_is_booked(world: Any, api_as: Any) -> None:
    campaign = _campaign(world)
    services.cost_add(
        actor=world.marketing, campaign=campaign, spent_on=date(2026, 3, 1), description="展位", amount=Decimal("100")
    )

    with pytest.raises(ValidationError) as refused:
        services.campaign_update(
            actor=world.marketing, campaign=campaign, data={"currency": "USD"}, expected_version=campaign.version
        )
    assert set(refused.value.message_dict) == {"currency"}
    answer = api_as(world.marketing).patch(
        f"/marketing/campaigns/{campaign.pk}", {"currency": "USD"}, **{"If-Match": f'"{campaign.version}"'}
    )

    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"currency"}
    campaign.refresh_from_db()
    assert (campaign.currency, campaign.version) == ("CNY", 1)


def test_the_currency_may_change_while_no_cost_is_booked_and_the_same_currency_is_fine(world: Any) -> None:
    campaign = _campaign(world)

    services.campaign_update(
        actor=world.marketing, campaign=campaign, data={"currency": "USD"}, expected_version=campaign.version
    )
    services.cost_add(
        actor=world.marketing, campaign=campaign, spent_on=date(2026, 3, 1), description="展位", amount=Decimal("9")
    )
    services.campaign_update(
        actor=world.marketing,
        campaign=campaign,
        data={"currency": "USD", "name": "工博会 2026"},
        expected_version=campaign.version,
    )

    campaign.refresh_from_db()
    assert (campaign.currency, campaign.name) == ("USD", "工博会 2026")


# --- finding 6: members by name only within sight ----------------------------------------------------


def test_a_sales_manager_of_another_team_lists_only_members_in_sight(world: Any, api_as: Any) -> None:
    campaign = _campaign(world)
    rows = _members(world, campaign)
    north = _north_manager(world)

    def listed(user: Any) -> set[int]:
        answer = api_as(user).get(f"/marketing/campaigns/{campaign.pk}/members")
        assert answer.status_code == 200
        return {item["id"] for item in answer.json()["items"]}

    assert listed(north) == {rows["north_lead"].pk, rows["north_contact"].pk}
    assert listed(world.manager) == {rows["east_lead"].pk, rows["east_contact"].pk}
    assert listed(world.marketing) == {m.pk for m in rows.values()}
    assert listed(world.executive) == {m.pk for m in rows.values()}
    assert services.members_not_shown(user=north, campaign=campaign) == 2
    assert services.members_not_shown(user=world.marketing, campaign=campaign) == 0


def test_the_campaign_page_hides_names_out_of_sight_and_counts_them(world: Any, web_as: Any) -> None:
    campaign = _campaign(world)
    _members(world, campaign)
    north = _north_manager(world)

    page = web_as(north).get(f"/marketing/campaigns/{campaign.pk}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "北区线索公司" in text
    assert "北联系人" in text
    assert "东区线索公司" not in text
    assert "东联系人" not in text
    assert 'id="campaign-members-hidden"' in text
    full = web_as(world.marketing).get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert "东区线索公司" in full
    assert 'id="campaign-members-hidden"' not in full


# --- role walk 19, 22, 23: money, member names and links, cost labels, sub-nav --------------------


def test_the_campaign_pages_show_money_with_the_money_filter(world: Any, web_as: Any) -> None:
    world.marketing.language = "en"
    world.marketing.save(update_fields=["language"])
    campaign = _campaign(world)
    Campaign.objects.filter(pk=campaign.pk).update(budget=Decimal("300000"), currency="CNY")
    services.cost_add(
        actor=world.marketing,
        campaign=campaign,
        spent_on=date(2026, 10, 1),
        description="展位",
        amount=Decimal("300400"),
    )
    client = web_as(world.marketing)

    page = client.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    listing = client.get("/marketing/campaigns/").content.decode()

    figures = page.split('id="campaign-figures"')[1].split('id="campaign-members"')[0]  # figures and costs
    assert "300,000.00 CNY" in figures
    assert "300,400.00 CNY" in figures
    assert "-400.00 CNY" in figures
    assert "300400 CNY" not in figures
    assert "300000.00 CNY" not in figures
    assert "300,000.00 CNY" in listing


def test_member_rows_name_the_person_with_the_company_linked_when_openable(world: Any, web_as: Any) -> None:
    from ltc.core.access import may_see

    campaign = _campaign(world)
    rows = _members(world, campaign)
    north = _north_manager(world)

    text = web_as(north).get(f"/marketing/campaigns/{campaign.pk}/").content.decode()

    lead = rows["north_lead"].lead
    contact = rows["north_contact"].contact
    assert may_see(north, lead)
    assert may_see(north, contact)
    assert (
        f'<a href="{lead.get_absolute_url()}">北线索人</a> <span class="text-secondary small">北区线索公司</span>'
        in text
    )
    assert f'<a href="{contact.get_absolute_url()}">北联系人</a>' in text
    full = web_as(world.marketing).get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    east = rows["east_lead"].lead
    assert "东线索人" in full
    assert (f'href="{east.get_absolute_url()}"' in full) == may_see(world.marketing, east)


def test_the_campaign_page_has_the_sub_nav_and_labelled_cost_inputs(world: Any, web_as: Any) -> None:
    world.marketing.language = "en"
    world.marketing.save(update_fields=["language"])
    campaign = _campaign(world)

    text = web_as(world.marketing).get(f"/marketing/campaigns/{campaign.pk}/").content.decode()

    for name in ("spent_on", "description", "amount"):
        assert f'<label class="form-label" for="id_{name}">' in text
    assert 'for="id_spent_on">Date</label>' in text
    assert 'for="id_amount">Amount (CNY)</label>' in text
    assert text.index('id="marketing-nav"') < text.index('id="campaign-facts"')
