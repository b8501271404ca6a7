from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.opportunities import services
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline


@pytest.fixture
def deal(world):
    return make_opportunity(world, make_pipeline())


def _codes(deal):
    return [w.code for w in services.chain_warnings(list(deal.stakeholders.select_related("contact")))]


def test_the_map_warns_until_the_decision_chain_is_covered(world, deal):
    assert _codes(deal) == ["no_decision_maker"]
    cio = ContactFactory(account=world.account, name="王总")
    services.stakeholder_set(
        actor=world.owner,
        opportunity=deal,
        contact=cio,
        data={"role": "decision_maker", "attitude": "neutral", "influence": "high"},
    )
    assert _codes(deal) == ["decision_maker_stale", "no_coach"]
    rival = ContactFactory(account=world.account, name="李工")
    services.stakeholder_set(
        actor=world.owner,
        opportunity=deal,
        contact=rival,
        data={"role": "technical", "attitude": "opponent", "influence": "high"},
    )
    assert "influential_opponent" in _codes(deal)
    today = timezone.localdate()
    services.stakeholder_set(actor=world.owner, opportunity=deal, contact=cio, data={"last_contact_on": today})
    services.stakeholder_set(
        actor=world.owner, opportunity=deal, contact=ContactFactory(account=world.account), data={"role": "coach"}
    )
    services.stakeholder_set(actor=world.owner, opportunity=deal, contact=rival, data={"attitude": "neutral"})
    assert _codes(deal) == []
    assert deal.stakeholders.count() == 3  # one entry per contact: later calls update it
    old = today - timedelta(days=31)
    services.stakeholder_set(actor=world.owner, opportunity=deal, contact=cio, data={"last_contact_on": old})
    assert _codes(deal) == ["decision_maker_stale"]


def test_bad_input_and_access(world, deal):
    outsider = ContactFactory(account=AccountFactory(owner=world.owner))
    with pytest.raises(ValidationError):
        services.stakeholder_set(actor=world.owner, opportunity=deal, contact=outsider, data={"role": "user"})
    contact = ContactFactory(account=world.account)
    for data, field in (
        ({"role": "king"}, "role"),
        ({"role": "user", "relationship": 9}, "relationship"),
        ({"role": "user", "last_contact_on": timezone.localdate() + timedelta(days=2)}, "last_contact_on"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.stakeholder_set(actor=world.owner, opportunity=deal, contact=contact, data=data)
        assert field in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.stakeholder_set(actor=world.teammate, opportunity=deal, contact=contact, data={"role": "user"})
    assert not deal.stakeholders.exists()


def test_decision_chain_api_and_page(world, api_as, web_as, deal):
    contact = ContactFactory(account=world.account, name="赵处长")
    api = api_as(world.owner)
    url = f"/opportunities/{deal.pk}/decision-chain"
    chain = api.post(url, {"contact_id": contact.pk, "role": "decision_maker", "attitude": "supporter"}).json()
    assert chain["stakeholders"][0]["contact"]["name"] == "赵处长"
    assert [w["code"] for w in chain["warnings"]] == ["decision_maker_stale", "no_coach"]
    assert api.post(url, {"contact_id": contact.pk, "role": "nobody"}).status_code == 422
    assert api.post(url, {"contact_id": 999999, "role": "user"}).status_code == 422
    page = web_as(world.owner).get(f"/opportunities/{deal.pk}/").content.decode()
    assert "赵处长" in page
    assert 'data-warning="no_coach"' in page
    stakeholder_id = chain["stakeholders"][0]["id"]
    assert api.request("DELETE", f"{url}/{stakeholder_id}").status_code == 204
    assert api.get(url).json()["stakeholders"] == []
