"""Links lead somewhere (issue #14): the contract's page links its billing schedule; whoever reads
the contract reads the schedule. The money work stays with finance: no invoicing button, and an
invoice the reader may not open is named, not linked."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.billing.models import Invoice
from ltc.contracts.tests.factories import signed_contract, team_of

pytestmark = pytest.mark.django_db


def test_whoever_reads_a_contract_reads_its_billing_schedule(world: Any, web_as: Any) -> None:
    team = team_of(world)
    contract = signed_contract(world, team)
    draft = Invoice.objects.get(contract=contract)
    url = f"/billing/schedule/{contract.pk}/"
    for user in (team.sr, team.fr, team.legal):
        client = web_as(user)
        assert 'id="billing-schedule"' in client.get(f"/contracts/{contract.pk}/").content.decode()
        page = client.get(url)
        assert page.status_code == 200, user.username
        html = page.content.decode()
        assert 'id="schedule-lines"' in html
        assert "/billing/schedule/lines/" not in html
        assert f'href="/billing/invoices/{draft.pk}/"' not in html
        assert client.get(f"/billing/invoices/{draft.pk}/").status_code == 404
    owner = web_as(world.owner).get(url).content.decode()
    assert f'href="/billing/invoices/{draft.pk}/"' in owner
    assert web_as(world.other).get(url).status_code == 404
    assert web_as(world.other).get(f"/contracts/{contract.pk}/").status_code == 404
