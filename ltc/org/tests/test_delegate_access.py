"""A delegate reads what their principal must decide (授权委托): while the delegation runs, the
deal of an open decision review, the contract of an open contract review or change, the quote
(and its deal) of a discount waiting for the principal open for the delegate, read-only; they
close again when the delegation ends or the decision is taken."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.models import ChangeRequest, Contract
from ltc.contracts.tests.factories import Team, accepted_contract, contract_team, in_review
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import DecisionReview, Opportunity
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org.delegation import delegation_cancel
from ltc.org.models import Delegation
from ltc.org.tests.test_delegation import TODAY, _open_ati, _priced, away
from ltc.quotes import services as quote_services
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import standard_matrix


def ended(delegation: Delegation) -> None:
    """Time passes: the delegation ended yesterday."""
    Delegation.objects.filter(pk=delegation.pk).update(
        starts_on=TODAY() - timedelta(days=20), ends_on=TODAY() - timedelta(days=1)
    )


def status(client: Any, *urls: str) -> list[int]:
    return [client.get(url).status_code for url in urls]


@pytest.fixture
def deal(world: Any) -> Opportunity:
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    return make_opportunity(world, pipeline, amount=Decimal("3000000.00"))


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


# --- deal of an open decision review ---------------------------------------------------------


def test_the_deal_of_a_review_opens_while_the_delegation_runs(world: Any, deal: Opportunity, web_as: Any) -> None:
    review = _open_ati(world, deal)
    page, api = deal.get_absolute_url(), f"/api/v1/opportunities/{deal.pk}"
    delegate = web_as(world.teammate)
    assert status(delegate, page, api) == [404, 404]  # the teammate is not on the deal
    delegation = away(world, subjects=["review_ati"])
    assert status(delegate, page, api) == [200, 200]
    assert status(web_as(world.other), page) == [404]
    ended(delegation)
    assert status(delegate, page, api) == [404, 404]
    away(world, subjects=["review_ati"])  # away again: the deal opens again, until the decision
    assert status(delegate, page) == [200]
    deal_services.review_decide(actor=world.boss, review=review, decision="go")  # decided by another
    assert status(delegate, page, api) == [404, 404]


def test_a_cancelled_delegation_or_another_subject_opens_nothing(world: Any, deal: Opportunity, web_as: Any) -> None:
    _open_ati(world, deal)
    delegate, page = web_as(world.teammate), deal.get_absolute_url()
    other_subject = away(world, subjects=["quote_discount"])
    assert status(delegate, page) == [404]
    delegation_cancel(actor=world.manager, delegation=other_subject)
    everything = away(world, subjects=[])  # no subject listed: every decision
    assert status(delegate, page) == [200]
    delegation_cancel(actor=world.manager, delegation=everything)
    assert status(delegate, page) == [404]


def test_the_delegate_reads_the_deal_and_decides_through_its_pages(world: Any, deal: Opportunity, web_as: Any) -> None:
    away(world, subjects=["review_ati"])
    review = _open_ati(world, deal)
    delegate = web_as(world.teammate)
    page = delegate.get(deal.get_absolute_url()).content.decode()
    assert review.get_absolute_url() in page  # the review is linked from the deal's page
    assert f"/opportunities/{deal.pk}/edit/" not in page  # read-only: no edit control
    assert 'id="open-review-form"' not in page
    refused = delegate.post(f"/opportunities/{deal.pk}/edit/", {"name": "改名", "version": deal.version})
    assert refused.status_code in (403, 404)
    assert Opportunity.objects.get(pk=deal.pk).name == deal.name
    review_page = delegate.get(review.get_absolute_url()).content.decode()
    assert 'name="decision"' in review_page
    decided = delegate.post(reverse("opportunities:review_decide", args=[review.pk]), {"decision": "go"}, follow=True)
    assert decided.status_code == 200  # back on the review's page: what they decided stays open to them
    review.refresh_from_db()
    assert (review.status, review.decided_by, review.decided_for) == ("decided", world.teammate, world.manager)
    assert status(delegate, deal.get_absolute_url(), review.get_absolute_url()) == [200, 200]
    ended(Delegation.objects.get())
    assert status(delegate, deal.get_absolute_url(), review.get_absolute_url()) == [404, 404]


# --- contract of an open contract review -----------------------------------------------------


def test_the_contract_of_a_review_opens_while_the_delegation_runs(
    world: Any, team: Team, catalog: Catalog, web_as: Any
) -> None:
    contract = in_review(world, team, catalog, checked=True)
    page, api = contract.get_absolute_url(), f"/api/v1/contracts/{contract.pk}"
    deal_page = f"/opportunities/{contract.opportunity_id}/"
    delegate = web_as(world.teammate)
    assert status(delegate, page, api, deal_page) == [404, 404, 404]
    delegation = away(world, subjects=["review_atc"])
    assert status(delegate, page, api, deal_page) == [200, 200, 200]  # and the deal the page links
    html = delegate.get(page).content.decode()
    assert f"/contracts/{contract.pk}/edit/" not in html  # read-only: no edit control
    assert f"/contracts/{contract.pk}/approve/" in html  # the decision is theirs to take
    ended(delegation)
    assert status(delegate, page, api, deal_page) == [404, 404, 404]
    away(world, subjects=["review_atc"])
    contract_services.review_decide(actor=world.executive, contract=contract, decision="approve")
    assert status(delegate, page, api) == [404, 404]  # decided by another


def test_the_delegate_approves_the_contract_through_the_api(
    world: Any, team: Team, catalog: Catalog, api_as: Any
) -> None:
    contract = in_review(world, team, catalog, checked=True)
    away(world, subjects=["review_atc"])
    answer = api_as(world.teammate).post(f"/contracts/{contract.pk}/approve", {"note": "代批"})
    assert answer.status_code == 200  # the answer is the contract they decided, still theirs to read
    assert answer.json()["status"] == "approved"
    assert contract.reviews.get().decided_for == world.manager
    assert api_as(world.teammate).get(f"/contracts/{contract.pk}").status_code == 200
    ended(Delegation.objects.get())
    assert api_as(world.teammate).get(f"/contracts/{contract.pk}").status_code == 404


# --- contract of an open change --------------------------------------------------------------


def test_the_contract_of_a_change_opens_while_the_delegation_runs(
    world: Any, team: Team, catalog: Catalog, web_as: Any
) -> None:
    contract = accepted_contract(world, team, catalog)
    change = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="扩容",
        reason="客户追加",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "1", "unit_price": "50000"}]},
    )
    assert change.decider == world.manager
    page, change_page = contract.get_absolute_url(), change.get_absolute_url()
    delegate = web_as(world.teammate)
    assert status(delegate, page, change_page) == [404, 404]
    delegation = away(world, subjects=["contract_change"])
    assert status(delegate, page, change_page) == [200, 200]
    assert 'id="raise-change"' not in delegate.get(page).content.decode()  # read-only
    refused = delegate.post(
        f"/contracts/{contract.pk}/change/", {"origin": "internal", "title": "再改", "reason": "试"}
    )
    assert refused.status_code == 403
    assert ChangeRequest.objects.filter(contract=contract).count() == 1
    ended(delegation)
    assert status(delegate, page, change_page) == [404, 404]
    again = away(world, subjects=["contract_change"])
    contract_services.change_decide(actor=world.executive, change=change, approve=False, note="预算未批")
    assert status(delegate, page, change_page) == [404, 404]  # decided by another
    ended(again)
    second = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="再扩容",
        reason="客户再追加",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "2", "unit_price": "50000"}]},
    )
    last = away(world, subjects=["contract_change"])
    second_page = second.get_absolute_url()
    decided = delegate.post(second_page, {"action": "decide", "approve": "0", "note": "暂缓扩容"}, follow=True)
    assert decided.status_code == 200  # decided through the change's page, and back on it
    assert ChangeRequest.objects.get(pk=second.pk).decided_for == world.manager
    ended(last)
    assert status(delegate, page, second_page) == [404, 404]


# --- quote (and its deal) of a discount approval ---------------------------------------------


def test_the_quote_of_a_discount_opens_while_the_delegation_runs(world: Any, catalog: Catalog, web_as: Any) -> None:
    standard_matrix(world)  # the manager approves up to 10%
    quote = _priced(world, catalog, "8")
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    page, api = f"/quotes/{quote.pk}/", f"/api/v1/quotes/{quote.pk}"
    deal_page = f"/opportunities/{quote.opportunity_id}/"
    delegate = web_as(world.teammate)
    assert status(delegate, page, api, deal_page) == [404, 404, 404]
    delegation = away(world, subjects=["quote_discount"])
    assert status(delegate, page, api, deal_page) == [200, 200, 200]
    assert f"/quotes/{quote.pk}/approve/" in delegate.get(page).content.decode()
    ended(delegation)
    assert status(delegate, page, api, deal_page) == [404, 404, 404]
    away(world, subjects=["quote_discount"])
    quote_services.quote_approve(actor=world.manager, quote=quote)  # back early, she decides herself
    assert status(delegate, page, api, deal_page) == [404, 404, 404]


def test_the_delegate_approves_through_the_page_and_reads_the_quote_only(
    world: Any, catalog: Catalog, web_as: Any, api_as: Any
) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog, "8")
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    delegation = away(world, subjects=["quote_discount"])
    delegate, page = web_as(world.teammate), f"/quotes/{quote.pk}/"
    approved = delegate.post(f"/quotes/{quote.pk}/approve/", {"comment": "代批"}, follow=True)
    assert approved.status_code == 200  # back on the quote's page, not a 404
    html = approved.content.decode()
    assert 'id="approval-1-on-behalf"' in html
    assert Quote.objects.get(pk=quote.pk).status == "approved"
    assert 'id="revise-quote"' not in html  # read-only: the rep's controls are not drawn
    assert 'id="send-quote"' not in html
    versions = quote.versions.count()
    revise = delegate.post(f"/quotes/{quote.pk}/revise/", {"version": Quote.objects.get(pk=quote.pk).version})
    assert revise.status_code in (302, 403)
    assert (quote.versions.count(), Quote.objects.get(pk=quote.pk).status) == (versions, "approved")
    current = Quote.objects.get(pk=quote.pk).version
    refused = api_as(world.teammate).post(f"/quotes/{quote.pk}/revise", **{"If-Match": f'"{current}"'})
    assert refused.status_code == 403
    assert quote.versions.count() == versions
    ended(delegation)
    assert status(delegate, page) == [404]


# --- lists and their query budgets -----------------------------------------------------------


def test_lists_show_the_records_waiting_for_the_principal(
    world: Any, deal: Opportunity, team: Team, catalog: Catalog, api_as: Any
) -> None:
    _open_ati(world, deal)
    contract = in_review(world, team, catalog, checked=True)
    client = api_as(world.teammate)

    def listed() -> tuple[set[int], set[int]]:
        deals = {d["id"] for d in client.get("/opportunities?limit=100").json()["items"]}
        contracts = {c["id"] for c in client.get("/contracts?limit=100").json()["items"]}
        return deals, contracts

    assert listed() == (set(), set())
    away(world)  # every subject
    assert listed() == ({deal.pk, contract.opportunity_id}, {contract.pk})
    assert set(Contract.objects.values_list("pk", flat=True)) == {contract.pk}
    assert {d["id"] for d in api_as(world.other).get("/opportunities?limit=100").json()["items"]} == set()


def test_a_delegate_lists_with_as_many_queries_as_anyone(
    world: Any, deal: Opportunity, team: Team, catalog: Catalog, web_as: Any
) -> None:
    for _ in range(3):
        _open_ati(world, make_opportunity(world, deal.pipeline, amount=Decimal("3000000.00")))
    # The teammate's own deal: the lists are not empty without the delegation either.
    Opportunity.objects.filter(pk=deal.pk).update(owner=world.teammate)
    in_review(world, team, catalog, checked=True)
    client = web_as(world.teammate)
    pages = ("/opportunities/", "/contracts/", "/quotes/")

    def counted() -> list[int]:
        counts = []
        for url in pages:
            client.get(url)  # warm the session
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    before = counted()
    away(world)
    assert DecisionReview.objects.filter(status="open").count() == 3
    assert counted() == before  # the delegation adds subqueries, never a query
