"""Ids of records the caller may not see, sent in a request body, are refused like ids that do
not exist: the same field error, and nothing is written (run on both databases)."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity, Stakeholder
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline

MISSING = 999_999


@pytest.fixture
def foreign(world: Any) -> Contact:
    """A contact of another team's customer."""
    return ContactFactory(account=AccountFactory(owner=world.other, name="北方能源有限公司"))


@pytest.mark.parametrize("which", ["foreign", "missing"])
def test_a_parent_account_out_of_sight(world, api_as, foreign, which):
    parent = foreign.account_id if which == "foreign" else MISSING
    before = Account.objects.count()
    response = api_as(world.owner).post(
        "/accounts", {"name": "宁波港联物流集团有限公司", "region": "east", "parent_id": parent}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "parent_id", "message": "No such account.", "code": "invalid"}]
    assert Account.objects.count() == before


@pytest.mark.parametrize("which", ["foreign", "missing"])
def test_a_contact_for_an_account_out_of_sight(world, api_as, foreign, which):
    account = foreign.account_id if which == "foreign" else MISSING
    before = Contact.objects.count()
    response = api_as(world.owner).post("/contacts", {"account_id": account, "name": "王芳", "mobile": "13800138000"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account_id"
    assert Contact.objects.count() == before


@pytest.mark.parametrize("which", ["foreign", "missing"])
def test_deal_contacts_of_another_customer(world, api_as, foreign, which):
    contact = foreign.pk if which == "foreign" else MISSING
    pipeline = make_pipeline()
    body = {"name": "MES 项目", "account_id": world.account.pk, "pipeline_id": pipeline.pk, "contact_ids": [contact]}
    response = api_as(world.owner).post("/opportunities", body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "contact_ids", "message": "No such contact of the deal's account.", "code": "invalid"}
    ]
    assert not Opportunity.objects.filter(name="MES 项目").exists()


@pytest.mark.parametrize("which", ["foreign", "missing"])
def test_a_decision_chain_contact_of_another_customer(world, api_as, foreign, which):
    deal = make_opportunity(world, make_pipeline())
    contact = foreign.pk if which == "foreign" else MISSING
    response = api_as(world.owner).post(
        f"/opportunities/{deal.pk}/decision-chain", {"contact_id": contact, "role": "decision_maker"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_id"
    assert not Stakeholder.objects.filter(opportunity=deal).exists()


def test_a_lead_given_to_someone_outside_the_givers_teams(world, api_as):
    before = Lead.objects.count()
    response = api_as(world.owner).post(
        "/leads", {"company": "甲公司", "contact_name": "王芳", "mobile": "13800138001", "owner_id": world.other.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner"
    assert Lead.objects.count() == before
