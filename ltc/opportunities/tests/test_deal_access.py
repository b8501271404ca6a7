"""Links lead somewhere (issue #14): whoever reads a contract reads the deal it was won on, and
the deal's page draws only the actions its viewer may take."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity
from ltc.org.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_whoever_reads_a_contract_reads_the_deal_it_was_won_on(world: Any, web_as: Any) -> None:
    team = team_of(world)
    contract = signed_contract(world, team)
    # As in the demo: the contract names an SR and an FR the deal never had.
    Opportunity.objects.filter(pk=contract.opportunity_id).update(sr=None, fr=None)
    url = f"/opportunities/{contract.opportunity_id}/"
    for user in (team.sr, team.fr, team.legal, world.finance):
        assert web_as(user).get(url).status_code == 200, user.username
    assert web_as(world.other).get(url).status_code == 404
    assert web_as(world.teammate).get(url).status_code == 404
    # The customer's link is drawn exactly when the reader may open the customer.
    account_url = world.account.get_absolute_url()
    for user in (world.owner, team.legal, world.finance):
        client = web_as(user)
        opens = client.get(account_url).status_code == 200
        assert (f'href="{account_url}"' in client.get(url).content.decode()) == opens, user.username
    assert web_as(world.owner).get(account_url).status_code == 200


def test_finance_reads_no_deal_without_a_contract(world: Any, web_as: Any, api_as: Any) -> None:
    deal = make_opportunity(world)
    assert web_as(world.finance).get(deal.get_absolute_url()).status_code == 404
    assert api_as(world.finance).get(f"/opportunities/{deal.pk}").status_code == 404
    assert api_as(world.owner).get(f"/opportunities/{deal.pk}").status_code == 200


def test_the_new_quote_button_is_drawn_only_for_who_may_quote(world: Any, web_as: Any) -> None:
    # An executive heading the company steers every deal below but holds no sales role.
    chief = UserFactory(username="chief", roles=["executive"])
    group = TeamFactory(name="Group", manager=chief)
    world.head.parent = group
    world.head.save(update_fields=["parent"])
    deal = make_opportunity(world)
    executive = web_as(chief).get(deal.get_absolute_url())
    assert executive.status_code == 200
    assert 'id="new-quote"' not in executive.content.decode()
    assert web_as(chief).get(f"/quotes/new/?opportunity={deal.pk}").status_code == 403
    owner = web_as(world.owner).get(deal.get_absolute_url()).content.decode()
    assert 'id="new-quote"' in owner
    assert web_as(world.owner).get(f"/quotes/new/?opportunity={deal.pk}").status_code == 200
