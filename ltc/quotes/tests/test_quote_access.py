"""Links lead somewhere (issue #14): the quote version a contract was made from opens for whoever
reads the contract; the quote's page draws only the actions its viewer may take."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.contracts.tests.factories import accepted_quote, signed_contract, team_of
from ltc.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


def test_whoever_reads_a_contract_reads_the_quote_versions_behind_it(world: Any, web_as: Any) -> None:
    team = team_of(world)
    contract = signed_contract(world, team)
    Opportunity.objects.filter(pk=contract.opportunity_id).update(sr=None, fr=None)
    url = f"/quotes/{contract.quote_id}/?v={contract.quote_version.number}"
    for user in (team.sr, team.fr, team.legal, world.finance):
        page = web_as(user).get(url)
        assert page.status_code == 200, user.username
        assert contract.quote.number in page.content.decode()
    assert web_as(world.other).get(url).status_code == 404


def test_the_make_contract_button_is_drawn_only_for_the_deals_ar_side(world: Any, web_as: Any) -> None:
    team = team_of(world)
    quote = accepted_quote(world, team)
    sr_page = web_as(team.sr).get(f"/quotes/{quote.pk}/").content.decode()
    assert 'id="make-contract"' not in sr_page
    assert 'id="make-contract"' in web_as(world.owner).get(f"/quotes/{quote.pk}/").content.decode()
