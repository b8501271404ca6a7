"""Links run both ways along the value stream: lead → deal, deal → quotes and contracts,
quote → contract, invoice → acceptance document (an API path); and the close check shows
exactly what the close refuses with."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.billing.models import Invoice
from ltc.billing.tests.factories import settle
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import contract_team, delivered_contract, signed_contract
from ltc.opportunities.models import Opportunity
from ltc.quotes import services as quote_services
from ltc.quotes.tests.factories import make_quote, quote_authority

pytestmark = pytest.mark.django_db


def test_lead_deal_quote_and_contract_link_each_other(world: Any, api_as: Any) -> None:
    team = contract_team(world)
    contract = signed_contract(world, team, Catalog())
    deal = contract.opportunity
    Opportunity.objects.filter(pk=deal.pk).update(source_lead=world.lead)
    ar = api_as(world.owner)

    assert ar.get(f"/leads/{world.lead.pk}").json()["opportunity_id"] == deal.pk

    with CaptureQueriesContext(connection) as queries:
        body = ar.get(f"/opportunities/{deal.pk}").json()
    assert (body["quote_ids"], body["contract_ids"]) == ([contract.quote_id], [contract.pk])
    assert body["quotes_url"] == f"/api/v1/quotes?opportunity={deal.pk}"
    assert body["contracts_url"] == f"/api/v1/contracts?opportunity={deal.pk}"
    assert [q["id"] for q in ar.get(body["quotes_url"].removeprefix("/api/v1")).json()["items"]] == [contract.quote_id]
    assert len(queries) <= 20

    quote = ar.get(f"/quotes/{contract.quote_id}").json()
    assert (quote["contract_id"], quote["contract_url"]) == (contract.pk, f"/api/v1/contracts/{contract.pk}")
    assert ar.get(quote["contract_url"].removeprefix("/api/v1")).status_code == 200


def test_a_lead_not_converted_into_a_deal_links_none(world: Any, api_as: Any) -> None:
    assert api_as(world.owner).get(f"/leads/{world.lead.pk}").json()["opportunity_id"] is None


def test_an_invoice_links_its_acceptance_document_by_api_path(world: Any, api_as: Any) -> None:
    contract = delivered_contract(world, contract_team(world), Catalog())
    invoice = Invoice.objects.filter(contract=contract, billing_line__milestone__isnull=False).first()
    assert invoice is not None
    milestone = invoice.billing_line.milestone
    body = api_as(world.finance).get(f"/invoices/{invoice.pk}").json()
    assert body["acceptance_document_url"] == f"/api/v1/milestones/{milestone.pk}/acceptance-document"
    download = api_as(world.owner).get(body["acceptance_document_url"].removeprefix("/api/v1"))
    assert download.status_code == 200


def test_close_check_shows_what_close_refuses_with(world: Any, api_as: Any) -> None:
    contract = delivered_contract(world, contract_team(world), Catalog())
    settle(contract, world.finance)
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == "in_execution"
    ar = api_as(world.owner)
    check = ar.get(f"/contracts/{contract.pk}/close-check")
    assert check.json() == {"problems": ["Not possible while the contract is In execution."]}
    refused = ar.post(f"/contracts/{contract.pk}/close", {"satisfaction": 5}, **{"If-Match": f'"{contract.version}"'})
    assert refused.status_code == 422
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("status", "Not possible while the contract is In execution.")
    ]
    assert Contract.objects.get(pk=contract.pk).status == "in_execution"


def test_the_lead_page_links_its_deal_for_the_deal_team(world: Any, web_as: Any) -> None:
    deal = signed_contract(world, contract_team(world), Catalog()).opportunity
    Opportunity.objects.filter(pk=deal.pk).update(source_lead=world.lead)
    page = web_as(world.owner).get(f"/leads/{world.lead.pk}/").content.decode()
    assert f'<a href="/opportunities/{deal.pk}/" id="lead-deal">{deal.name}</a> · Won' in page


def test_sending_before_the_quote_stage_is_a_field_error_naming_it(world: Any, api_as: Any) -> None:
    catalog = Catalog()
    quote_authority("ar", discount="5")
    quote = make_quote(world, catalog)
    quote_services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )
    quote.refresh_from_db()
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    pipeline = quote.opportunity.pipeline
    pipeline.quote_from_stage = pipeline.stages.get(name="方案")
    pipeline.save(update_fields=["quote_from_stage"])
    refused = api_as(world.owner).post(f"/quotes/{quote.pk}/send", {"to": "buyer@jincheng.cn"})
    assert refused.status_code == 422
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("stage", "The deal is in 确认: quotes are sent from 方案 on.")
    ]
    quote.refresh_from_db()
    assert quote.current.status == "approved"
