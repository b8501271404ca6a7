"""Browser journey (headless Chromium) across the seams of the value stream: the customer accepts
a quote through its link while the deal's gates still hold, so the deal stays where it is and
its AR finds a task naming what is missing; once the AR has done it, the contract made from the
quote is reviewed (the ATC) and its signature, recorded on the page, wins the deal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import PDF, contract_team, deal_ready_to_win, fresh
from ltc.core.tests.browser import sign_in
from ltc.opportunities.models import Opportunity
from ltc.quotes import services as quote_services
from ltc.quotes.tests.factories import make_quote, quote_authority

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_acceptance_respects_the_gates_and_signing_wins_the_deal(world: Any, page: Any, tmp_path: Path) -> None:
    team = contract_team(world)
    catalog = Catalog()
    quote_authority("ar", discount="5")
    quote = make_quote(world, catalog, sr=team.sr, fr=team.fr)
    deal = quote.opportunity
    deal.pipeline.quote_accepted_stage = deal.pipeline.stages.get(name="签约")
    deal.pipeline.save(update_fields=["quote_accepted_stage"])
    quote_services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line(licences="20")]},
    )
    quote.refresh_from_db()
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    quote.refresh_from_db()
    link = quote_services.quote_send(
        actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]

    # The customer accepts through the link; the deal has not done its checklist.
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/q/{token}/")
    page.fill("#id_name", "李采购")
    page.click("#accept-quote")
    expect(page.locator("#answer-done")).to_contain_text("李采购")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    expect(page.locator("#stage-path .step-item.active")).to_have_text("确认")
    expect(page.get_by_text(f"To move “{deal.name}” to 签约: 确认: 需求已确认").first).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "确认"

    # The AR does the checklist; the contract is made, reviewed and approved (the ATC).
    deal_ready_to_win(world, Opportunity.objects.get(pk=deal.pk))
    quote.refresh_from_db()
    contract = services.contract_create(actor=world.owner, quote=quote)
    services.contract_submit_review(actor=world.owner, contract=contract, expected_version=contract.version)
    contract = fresh(contract)
    checkers = {"finance": world.finance, "legal": team.legal, "delivery": team.fr}
    for check in contract.reviews.get().checks.all():
        services.review_check(actor=checkers[check.area], contract=contract, item=check.item, result="ok")
    services.review_decide(actor=world.manager, contract=contract, decision="approve")

    # The AR records the signature on the contract's page: the deal is won.
    signed = tmp_path / "合同签字版.pdf"
    signed.write_bytes(PDF)
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    page.fill("#id_signed_on", timezone.localdate().isoformat())
    page.fill("#id_customer_signatory", "王总")
    page.set_input_files("#id_signed_copy", str(signed))
    page.click("#sign-contract")
    expect(page.locator("#contract-steps .active")).to_have_text("Signed")
    contract = Contract.objects.get(pk=contract.pk)
    page.goto(f"{page.base_url}/opportunities/{deal.pk}/")
    expect(page.locator("#stage-path .step-item.active")).to_have_text("赢单")
    expect(page.get_by_text(f"Contract {contract.number} signed.").first).to_be_visible()
    deal = Opportunity.objects.get(pk=deal.pk)
    assert (deal.status, deal.amount, deal.expected_close_date) == ("won", contract.total, timezone.localdate())
