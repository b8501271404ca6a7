"""Record-page panels (ltc.core.panels): each renders within its query budget for every kind of
viewer, lists only what the viewer may open, and the pages' query counts do not grow with the
number of related records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.billing import selectors as billing_selectors
from ltc.billing import services as billing_services
from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts
from ltc.catalog.tests.factories import Catalog
from ltc.contracts import selectors as contract_selectors
from ltc.contracts.models import Contract
from ltc.contracts.services.evaluation import evaluate
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.panels import Panel, panels_for, registered
from ltc.customers import selectors as customer_selectors
from ltc.customers.models import Contact
from ltc.customers.tests.factories import ContactFactory
from ltc.leads import selectors as lead_selectors
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import Campaign, CampaignKind, TouchKind
from ltc.marketing.services.touches import TouchIn, touches_record
from ltc.opportunities import selectors as deal_selectors
from ltc.opportunities.models import Bid, BidSection, Opportunity
from ltc.org.models import User
from ltc.quotes import selectors as quote_selectors
from ltc.quotes import services as quote_services
from ltc.quotes.models import BidQuote
from ltc.quotes.tests.factories import make_quote
from ltc.service.models import CaseUpsell, Renewal
from ltc.service.services.policies import default_policy
from ltc.service.tests.factories import make_case, make_entitlement

pytestmark = pytest.mark.django_db

# The record pages whose header shows where the record stands in the process map.
TRAIL_PAGES = ("leads.lead", "opportunities.opportunity", "quotes.quote", "contracts.contract", "billing.invoice")
# The record pages that carry the Attachments panel (ltc.core.attachments).
ATTACHABLE_PAGES = (
    "customers.account",
    "customers.contact",
    "leads.lead",
    "opportunities.opportunity",
    "quotes.quote",
    "contracts.contract",
    "billing.invoice",
    "billing.payment",
)
VIEWERS = ("owner", "teammate", "manager", "boss", "other", "executive", "finance", "admin", "marketing", "service")
EXPECTED = {
    ("contracts.contract", "actions", "billing-schedule"),
    ("contracts.contract", "main", "contract-invoices"),
    ("contracts.contract", "main", "evaluation-steps"),
    ("customers.account", "main", "account-deals"),
    ("customers.account", "main", "account-quotes"),
    ("customers.account", "main", "account-contracts"),
    ("customers.account", "main", "account-open-invoices"),
    ("customers.account", "main", "account-payments"),
    ("customers.account", "main", "account-leads"),
    ("customers.contact", "main", "contact-consent"),
    ("leads.lead", "main", "lead-consent"),
    ("leads.lead", "main", "lead-campaigns"),
    ("customers.contact", "main", "contact-campaigns"),
    ("customers.account", "main", "account-campaigns"),
    ("customers.account", "main", "account-service"),
    ("opportunities.opportunity", "main", "opportunity-renewal"),
    ("leads.lead", "main", "lead-service-case"),
    ("leads.lead", "mass_actions", "lead-add-to-campaign"),
    ("customers.contact", "mass_actions", "contact-add-to-campaign"),
    ("leads.lead", "details", "lead-deal"),
    ("leads.lead", "qualified", "convert-to-deal"),
    ("opportunities.bid", "section", "bid-offer"),
    ("opportunities.opportunity", "main", "quotes"),
    ("opportunities.opportunity", "main", "contracts"),
    ("quotes.quote", "accepted", "quote-contracts"),
    *((label, "trail", "process-trail") for label in TRAIL_PAGES),
    *((label, "main", "attachments") for label in ATTACHABLE_PAGES),
}


@dataclass
class Stream:
    """One customer through the stream: a lead converted into a deal, its accepted quote offered
    in a bid, the signed contract with its advance invoice issued; and a qualified lead."""

    contract: Contract
    invoice: Invoice
    bid: Bid
    section: BidSection
    records: dict[tuple[str, str], list[Any]]  # (record label, slot) -> the records drawn


@pytest.fixture
def stream(world, settings, tmp_path) -> Stream:
    settings.MEDIA_ROOT = tmp_path
    contract = signed_contract(world, team_of(world))
    evaluate(contract, satisfaction=4, lessons="", actor=world.owner)  # the steps it names: a panel
    (invoice,) = issue_drafts(contract, world.finance)
    deal, quote = contract.opportunity, contract.quote
    Opportunity.objects.filter(pk=deal.pk).update(source_lead=world.lead)
    Lead.objects.filter(pk=world.lead.pk).update(account=world.account)  # the customer came from the lead
    qualified = LeadFactory(owner=world.owner, status="qualified", company_name="锦程物流有限公司")
    bid = Bid.objects.create(
        opportunity=deal,
        tender_number="ZB-2026-118",
        issuer="江苏省政府采购中心",
        submission_deadline=timezone.now() + timedelta(days=10),
        created_by=world.owner,
    )
    sections = [
        BidSection.objects.create(bid=bid, kind=kind, owner=world.owner, due_at=timezone.now() + timedelta(days=5))
        for kind in ("technical", "commercial")
    ]
    BidQuote.objects.create(section=sections[1], version=quote.current, set_by=world.owner)
    receipt = billing_services.payment_record(
        actor=world.finance,
        data={"account_id": world.account.pk, "amount": Decimal("100"), "received_on": timezone.localdate()},
    )
    # The lead and a contact of the account answered the trade show: the campaign panels draw.
    contact = ContactFactory(account=world.account)
    show = Campaign.objects.create(name="工博会", code="expo", kind=CampaignKind.TRADE_SHOW, owner=world.marketing)
    touches_record(
        [
            TouchIn(campaign_id=show.pk, kind=TouchKind.FORM, key="panels:lead", lead_id=world.lead.pk),
            TouchIn(campaign_id=show.pk, kind=TouchKind.CLICK, key="panels:contact", contact_id=contact.pk),
        ]
    )
    # Service: a case of the customer that became the lead, and the deal renews its support.
    entitlement = make_entitlement(world.account, policy=default_policy())
    case = make_case(world.account, actor=world.service)
    CaseUpsell.objects.create(case=case, kind="upsell", note="二期扩容", lead=world.lead, flagged_by=world.service)
    Renewal.objects.create(
        kind="service", account=world.account, entitlement=entitlement, ends_on=entitlement.ends_on, opportunity=deal
    )
    # Each record as its page reads it (the page's own selector, its joins), by one who sees all.
    reader = world.executive
    page_contract = contract_selectors.contract_get(user=reader, pk=contract.pk)
    records = {
        ("customers.account", "main"): [customer_selectors.account_get(user=reader, pk=world.account.pk)],
        ("leads.lead", "details"): [lead_selectors.lead_get(user=reader, pk=world.lead.pk)],
        ("leads.lead", "qualified"): [lead_selectors.lead_get(user=reader, pk=qualified.pk)],
        ("opportunities.opportunity", "main"): [deal_selectors.opportunity_get(user=reader, pk=deal.pk)],
        ("opportunities.bid", "section"): [deal_selectors.bid_get(user=reader, pk=bid.pk)],
        ("quotes.quote", "accepted"): [quote_selectors.quote_get(user=reader, pk=quote.pk)],
        ("contracts.contract", "actions"): [page_contract],
        ("contracts.contract", "main"): [page_contract],
        ("leads.lead", "trail"): [lead_selectors.lead_get(user=reader, pk=world.lead.pk)],
        ("opportunities.opportunity", "trail"): [deal_selectors.opportunity_get(user=reader, pk=deal.pk)],
        ("quotes.quote", "trail"): [quote_selectors.quote_get(user=reader, pk=quote.pk)],
        ("contracts.contract", "trail"): [page_contract],
        ("billing.invoice", "trail"): [Invoice.objects.get(pk=invoice.pk)],
        ("customers.contact", "main"): [customer_selectors.contact_get(user=reader, pk=contact.pk)],
        # The lists' mass actions are drawn once per list, for the list's kind of record.
        ("leads.lead", "mass_actions"): [Lead()],
        ("customers.contact", "mass_actions"): [Contact()],
        ("leads.lead", "main"): [lead_selectors.lead_get(user=reader, pk=world.lead.pk)],
        ("quotes.quote", "main"): [quote_selectors.quote_get(user=reader, pk=quote.pk)],
        ("billing.invoice", "main"): [billing_selectors.invoice_get(user=reader, pk=invoice.pk)],
        ("billing.payment", "main"): [billing_selectors.payment_get(user=reader, pk=receipt.pk)],
    }
    return Stream(contract, invoice, bid, sections[1], records)


def _viewer(world: Any, name: str) -> User:
    """The viewer as a page has them: roles and managed teams already read by the page's own
    access check (a panel's budget counts its own queries only)."""
    user = User.objects.get(pk=world.actor(name).pk)
    user.role_codes()
    user.managed_team_ids()
    return user


def _render(panel: Panel, record: Any, user: User, rows: list[Any]) -> str | None:
    request = RequestFactory().get("/")
    request.user = user
    answer = panel.selector(user, record)
    if answer is None:
        return None
    base = {**answer, "panel": panel, "record": record}
    return "".join(render_to_string(panel.template, {**base, "row": row}, request=request) for row in rows)


def test_the_registry_holds_the_stages_panels() -> None:
    assert {(p.record_label, p.slot, p.key) for p in registered()} == EXPECTED


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_panel_renders_within_its_query_budget(world, stream, viewer, django_assert_max_num_queries):
    user = _viewer(world, viewer)
    drawn = set()
    for panel in registered():
        for record in stream.records[(panel.record_label, panel.slot)]:
            rows = list(record.sections.all()) if panel.slot == "section" else [None]
            with django_assert_max_num_queries(panel.max_queries):
                html = _render(panel, record, user, rows)
            if html is not None:
                drawn.add(panel.key)
    if viewer == "owner":  # the AR of everything here sees every panel but marketing's mass actions
        assert drawn == {key for _label, slot, key in EXPECTED if slot != "mass_actions"}
    if viewer == "marketing":
        assert {"lead-add-to-campaign", "contact-add-to-campaign"} <= drawn


def test_the_owner_sees_the_stream_on_each_page(world, stream, web_as):
    contract, invoice = stream.contract, stream.invoice
    deal, quote = contract.opportunity, contract.quote
    owner = web_as(world.owner)

    page = owner.get(f"/opportunities/{deal.pk}/").content.decode()
    assert f'href="/quotes/{quote.pk}/"' in page
    assert f'href="/contracts/{contract.pk}/"' in page
    assert 'id="new-quote"' not in page  # the deal is won: no new quote
    lead_page = owner.get(f"/leads/{world.lead.pk}/").content.decode()
    assert f'<a href="/opportunities/{deal.pk}/" id="lead-deal">' in lead_page
    quote_page = owner.get(f"/quotes/{quote.pk}/").content.decode()
    assert f'<a href="/contracts/{contract.pk}/">{contract.number}</a>' in quote_page
    assert 'id="make-contract"' not in quote_page
    contract_page = owner.get(f"/contracts/{contract.pk}/").content.decode()
    assert f'href="/billing/schedule/{contract.pk}/" id="billing-schedule"' in contract_page
    assert f'<a href="/billing/invoices/{invoice.pk}/">{invoice.number}</a>' in contract_page
    bid_page = owner.get(f"/opportunities/bids/{stream.bid.pk}/").content.decode()
    assert f'href="/quotes/{quote.pk}/?v={quote.current.number}"' in bid_page
    assert f"Offers quote {quote.number} v{quote.current.number}" in bid_page

    account = owner.get(f"/customers/accounts/{world.account.pk}/").content.decode()
    for key, href in (
        ("account-deals", f"/opportunities/{deal.pk}/"),
        ("account-quotes", f"/quotes/{quote.pk}/"),
        ("account-contracts", f"/contracts/{contract.pk}/"),
        ("account-open-invoices", f"/billing/invoices/{invoice.pk}/"),
    ):
        card = account.split(f'id="{key}"', 1)[1].split('<div class="card mt-3"', 1)[0]
        assert f'href="{href}"' in card, key
    assert invoice.open_amount == invoice.total > 0
    assert f"Open balance: {invoice.open_amount:,.2f} CNY" in account


def test_the_account_page_speaks_chinese(world, stream, web_as):
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    page = web_as(world.owner).get(f"/customers/accounts/{world.account.pk}/").content.decode()
    assert '<html lang="zh-hans">' in page
    for title in ("机会点", "报价", "合同", "未结发票", "未结余额"):
        assert f">{title}<" in page or f">{title}:" in page or f"{title}: " in page, title


def test_a_viewer_who_may_not_open_the_contract_does_not_see_it(world, stream, web_as):
    """`other` sponsors the deal (so reads it and its quotes) but is no one on the contract."""
    contract = stream.contract
    deal, quote = contract.opportunity, contract.quote
    Opportunity.objects.filter(pk=deal.pk).update(sponsor=world.other)
    other = web_as(world.other)
    assert other.get(f"/contracts/{contract.pk}/").status_code == 404

    page = other.get(f"/opportunities/{deal.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/quotes/{quote.pk}/"' in html
    assert f"{contract.number} · " not in html  # (the deal's timeline tells of the signature)
    assert f"/contracts/{contract.pk}/" not in html
    assert 'id="contracts"' not in html

    quote_page = other.get(f"/quotes/{quote.pk}/").content.decode()
    assert f"/contracts/{contract.pk}/" not in quote_page
    assert 'id="make-contract"' not in quote_page  # made already, and not theirs to make


def _page_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_deal_page_reads_the_same_for_one_quote_as_for_ten(world, web_as):
    catalog = Catalog()
    quote = make_quote(world, catalog)
    deal = quote.opportunity
    owner = web_as(world.owner)
    url = f"/opportunities/{deal.pk}/"
    owner.get(url)  # warm the session and the caches a first request fills
    one = _page_queries(owner, url)
    for _n in range(9):
        quote_services.quote_create(actor=world.owner, opportunity=deal, price_book=catalog.book)
    ten = _page_queries(owner, url)
    page = owner.get(url).content.decode()
    assert len(set(re.findall(r'href="/quotes/(\d+)/"', page))) == 10
    assert ten == one


def test_the_account_page_reads_the_same_for_one_deal_as_for_five(world, stream, web_as):
    owner = web_as(world.owner)
    url = f"/customers/accounts/{world.account.pk}/"
    owner.get(url)
    one = _page_queries(owner, url)
    deal = stream.contract.opportunity
    for n in range(4):
        Opportunity.objects.create(
            name=f"锦程扩容 {n}",
            account=world.account,
            pipeline=deal.pipeline,
            stage=deal.pipeline.open_stages()[0],
            owner=world.owner,
            amount=Decimal("1000.00"),
            max_stage_order=1,
        )
    five = _page_queries(owner, url)
    assert len(set(re.findall(r'href="/opportunities/(\d+)/"', owner.get(url).content.decode()))) == 5
    assert five == one


def test_the_tag_runs_each_selector_once_for_a_row_slot(world, stream):
    """The bid page draws the offer panel on every section row; its selector runs once."""
    user = _viewer(world, "owner")
    with CaptureQueriesContext(connection) as queries:
        shown = panels_for(stream.bid, user, "section")
    assert [s.panel.key for s in shown] == ["bid-offer"]
    assert len(queries) == 1
    assert list(shown[0].context["offers"]) == [stream.section.pk]


def test_the_lead_page_links_the_deal_and_conversion_only_for_who_may_open_them(world, web_as):
    """The east manager reads the east rep's lead but not the deal the north rep made of it;
    marketing changes leads but does not work deals."""
    from ltc.opportunities.tests.factories import make_opportunity

    deal = make_opportunity(world, owner=world.other, source_lead=world.lead)
    lead_url = f"/leads/{world.lead.pk}/"
    for name, sees in (("manager", False), ("other", True), ("executive", True)):
        client = web_as(world.actor(name))
        page = client.get(lead_url)
        if page.status_code == 404:
            continue
        assert (f'href="/opportunities/{deal.pk}/" id="lead-deal"' in page.content.decode()) is sees, name
        assert client.get(f"/opportunities/{deal.pk}/").status_code == (200 if sees else 404), name

    qualified = LeadFactory(owner=world.owner, status="qualified", company_name="锦程物流有限公司")
    convert = f"/opportunities/from-lead/{qualified.pk}/"
    assert (
        f'href="{convert}" id="convert-to-deal"' in web_as(world.owner).get(f"/leads/{qualified.pk}/").content.decode()
    )
    marketing = web_as(world.marketing)
    assert 'id="convert-to-deal"' not in marketing.get(f"/leads/{qualified.pk}/").content.decode()
    assert marketing.get(convert).status_code == 403


@pytest.mark.parametrize("viewer", ["owner", "manager", "executive", "finance", "other"])
def test_the_pages_keep_their_panels_within_budget(world, stream, viewer, web_as, caplog):
    """Drawn in the real pages (where the page's own checks have read the viewer's roles), no
    panel goes over its budget: the tag logs a warning when one does."""
    contract = stream.contract
    client = web_as(world.actor(viewer))
    pages = (
        f"/customers/accounts/{world.account.pk}/",
        f"/leads/{world.lead.pk}/",
        f"/opportunities/{contract.opportunity_id}/",
        f"/opportunities/bids/{stream.bid.pk}/",
        f"/quotes/{contract.quote_id}/",
        f"/contracts/{contract.pk}/",
    )
    with caplog.at_level("WARNING", logger="ltc.core.panels"):
        answers = [client.get(url).status_code for url in pages]
    assert set(answers) <= {200, 404}
    assert [r.getMessage() for r in caplog.records if r.name == "ltc.core.panels"] == []


def test_a_panel_over_its_budget_is_logged(world, web_as, caplog, monkeypatch):
    from ltc.core import panels as registry
    from ltc.customers.models import Account

    greedy = Panel(
        record=Account,
        key="greedy",
        title="Greedy",
        template="opportunities/panels/account_deals.html",
        selector=lambda user, account: {"deals": list(Opportunity.objects.filter(account=account))},
        max_queries=0,
    )
    monkeypatch.setitem(registry._REGISTRY, "customers.account", {"greedy": greedy})
    with caplog.at_level("WARNING", logger="ltc.core.panels"):
        page = web_as(world.owner).get(f"/customers/accounts/{world.account.pk}/").content.decode()
    assert 'id="greedy"' in page
    assert [r.getMessage() for r in caplog.records if r.name == "ltc.core.panels"] == [
        "Panel greedy on customers.account pages ran 1 queries (budget 0)."
    ]


def test_the_open_invoices_card_is_left_out_for_a_viewer_who_does_not_read_the_billing(world: Any) -> None:
    """ "No open invoices" is a claim: only who reads the customer's billing is told it."""
    from ltc.billing.panels import account_open_invoices

    shown = account_open_invoices(world.owner, world.account)
    assert shown is not None
    assert shown["invoices"] == []
    assert account_open_invoices(world.finance, world.account) is not None
    assert account_open_invoices(world.teammate, world.account) is None
    assert account_open_invoices(world.marketing, world.account) is None
