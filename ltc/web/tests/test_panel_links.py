"""API links (ltc.core.panels.register_link): the answers of an account, a contact, a lead, a deal
and a contract link the lists later stages keep of them — only the lists that show the viewer
rows of that record, each answering 200 with exactly those rows, within a bounded number of
queries whatever the number of related records."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core import panels
from ltc.core.panels import ApiLink, register_link, registered_links
from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity
from ltc.org.models import User
from ltc.quotes.models import Quote

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("contracts.contract", "invoices", "/api/v1/invoices?contract={pk}"),
    ("customers.account", "contracts", "/api/v1/contracts?account={pk}"),
    ("customers.account", "invoices", "/api/v1/invoices?account={pk}"),
    ("customers.account", "opportunities", "/api/v1/opportunities?account={pk}"),
    ("customers.account", "quotes", "/api/v1/quotes?account={pk}"),
    ("customers.contact", "opportunities", "/api/v1/opportunities?contact={pk}"),
    ("leads.lead", "opportunities", "/api/v1/opportunities?lead={pk}"),
    ("opportunities.opportunity", "contracts", "/api/v1/contracts?opportunity={pk}"),
    ("opportunities.opportunity", "quotes", "/api/v1/quotes?opportunity={pk}"),
}


@dataclass
class Stream:
    """The world's customer through the stream: the lead became a deal with a contact, its quote
    was accepted, the contract signed and its advance invoice issued. Beside it a second deal of
    the owner on the same account (no contact, no lead), one on another account, and one of
    `other` on the same account."""

    account: Account
    contact: Contact
    lead: Lead
    deal: Opportunity
    quote: Quote
    contract: Contract
    invoice: Invoice
    second_deal: Opportunity
    team: Any

    def detail(self, kind: str) -> str:
        record = {
            "accounts": self.account,
            "contacts": self.contact,
            "leads": self.lead,
            "opportunities": self.deal,
            "contracts": self.contract,
        }[kind]
        return f"/{kind}/{record.pk}"


@pytest.fixture
def stream(world, settings, tmp_path) -> Stream:
    settings.MEDIA_ROOT = tmp_path
    team = team_of(world)
    contract = signed_contract(world, team)
    (invoice,) = issue_drafts(contract, world.finance)
    deal = contract.opportunity
    contact = ContactFactory(account=world.account, name="王立新")
    deal.contacts.add(contact)
    Opportunity.objects.filter(pk=deal.pk).update(source_lead=world.lead)
    second = make_opportunity(world, name="锦程二期项目")
    make_opportunity(world, name="别家项目", account=AccountFactory(owner=world.owner))
    make_opportunity(world, name="北区项目", owner=world.other)
    return Stream(world.account, contact, world.lead, deal, contract.quote, contract, invoice, second, team)


def _links(api: Any, path: str) -> dict[str, str]:
    response = api.get(path)
    assert response.status_code == 200
    return response.json()["links"]  # type: ignore[no-any-return]


def _ids(api: Any, url: str) -> list[int]:
    """Follow a link: the ids of the list it leads to."""
    response = api.get(url.removeprefix("/api/v1"))
    assert response.status_code == 200
    return sorted(row["id"] for row in response.json()["items"])


def test_the_registry_holds_the_stages_links() -> None:
    assert {(link.record_label, link.name, link.path) for link in registered_links()} == EXPECTED


def test_a_name_is_given_once_per_record() -> None:
    (known,) = [link for link in registered_links() if link.record_label == "leads.lead"]
    assert register_link(known) is known  # the same link again changes nothing
    with pytest.raises(ImproperlyConfigured):
        register_link(ApiLink(record=Lead, name=known.name, path="/api/v1/elsewhere?lead={pk}", offered=known.offered))
    assert registered_links().count(known) == 1


def test_the_owner_gets_every_link_and_each_lists_the_records_rows(world, stream, api_as):
    api = api_as(world.owner)
    a, d, k = stream.account.pk, stream.deal.pk, stream.contract.pk

    account = _links(api, stream.detail("accounts"))
    assert account == {
        "opportunities": f"/api/v1/opportunities?account={a}",
        "quotes": f"/api/v1/quotes?account={a}",
        "contracts": f"/api/v1/contracts?account={a}",
        "invoices": f"/api/v1/invoices?account={a}",
    }
    assert _ids(api, account["opportunities"]) == sorted([d, stream.second_deal.pk])  # not the other account's
    assert _ids(api, account["quotes"]) == [stream.quote.pk]
    assert _ids(api, account["contracts"]) == [k]
    assert _ids(api, account["invoices"]) == [stream.invoice.pk]

    contact = _links(api, stream.detail("contacts"))
    assert contact == {"opportunities": f"/api/v1/opportunities?contact={stream.contact.pk}"}
    assert _ids(api, contact["opportunities"]) == [d]  # not the account's second deal

    lead = _links(api, stream.detail("leads"))
    assert lead == {"opportunities": f"/api/v1/opportunities?lead={stream.lead.pk}"}
    assert _ids(api, lead["opportunities"]) == [d]

    deal = _links(api, stream.detail("opportunities"))
    assert deal == {"quotes": f"/api/v1/quotes?opportunity={d}", "contracts": f"/api/v1/contracts?opportunity={d}"}
    assert _ids(api, deal["quotes"]) == [stream.quote.pk]
    assert _ids(api, deal["contracts"]) == [k]

    contract = _links(api, stream.detail("contracts"))
    assert contract == {"invoices": f"/api/v1/invoices?contract={k}"}
    assert _ids(api, contract["invoices"]) == [stream.invoice.pk]


def test_a_record_without_related_rows_links_nothing(world, stream, api_as):
    api = api_as(world.owner)
    second = stream.second_deal
    assert _links(api, f"/opportunities/{second.pk}") == {}
    assert _ids(api, f"/api/v1/quotes?opportunity={second.pk}") == []


def test_the_sr_gets_no_invoices_link_on_the_account(world, stream, api_as):
    """The deal's SR reads the customer (working its deal), its deal, quote and contract, but not
    its billing (billing.access: the AR side and finance)."""
    api = api_as(stream.team.sr)
    a = stream.account.pk
    links = _links(api, stream.detail("accounts"))
    assert links == {
        "opportunities": f"/api/v1/opportunities?account={a}",
        "quotes": f"/api/v1/quotes?account={a}",
        "contracts": f"/api/v1/contracts?account={a}",
    }
    assert _ids(api, links["opportunities"]) == [stream.deal.pk]  # the SR's deal only
    assert _ids(api, f"/api/v1/invoices?account={a}") == []
    assert _links(api, stream.detail("contracts")) == {}


def test_legal_reads_the_contract_but_gets_no_invoices_link(world, stream, api_as):
    api = api_as(stream.team.legal)
    assert _links(api, stream.detail("contracts")) == {}
    assert _ids(api, f"/api/v1/invoices?contract={stream.contract.pk}") == []
    assert api.get(stream.detail("accounts")).status_code == 404  # no sales scope


def test_finance_gets_the_invoices_link_on_the_contract(world, stream, api_as):
    api = api_as(world.finance)
    links = _links(api, stream.detail("contracts"))
    assert links == {"invoices": f"/api/v1/invoices?contract={stream.contract.pk}"}
    assert _ids(api, links["invoices"]) == [stream.invoice.pk]


def test_marketing_reads_the_lead_but_gets_no_link_to_its_deal(world, stream, api_as):
    api = api_as(world.marketing)
    assert _links(api, stream.detail("leads")) == {}
    assert _ids(api, f"/api/v1/opportunities?lead={stream.lead.pk}") == []


def test_a_rep_with_another_deal_of_the_account_gets_no_link_from_the_contact(world, stream, api_as):
    """`other` reads the customer and its contacts through a deal of their own, which the contact
    takes no part in: the contact's deals list would be empty for them."""
    api = api_as(world.other)
    assert _links(api, stream.detail("contacts")) == {}
    assert _ids(api, f"/api/v1/opportunities?contact={stream.contact.pk}") == []
    (theirs,) = Opportunity.objects.filter(owner=world.other).values_list("pk", flat=True)
    links = _links(api, stream.detail("accounts"))
    assert links == {"opportunities": f"/api/v1/opportunities?account={stream.account.pk}"}
    assert _ids(api, links["opportunities"]) == [theirs]


def test_a_deal_member_off_the_contract_gets_no_contracts_link(world, stream, api_as):
    Contract.objects.filter(pk=stream.contract.pk).update(sr=None)
    api = api_as(stream.team.sr)
    d = stream.deal.pk
    assert _links(api, stream.detail("opportunities")) == {"quotes": f"/api/v1/quotes?opportunity={d}"}
    assert _ids(api, f"/api/v1/contracts?opportunity={d}") == []


def test_a_viewer_who_cannot_read_the_record_gets_404_not_links(world, stream, api_as):
    api = api_as(world.teammate)
    for kind in ("accounts", "contacts", "opportunities", "contracts"):
        assert api.get(stream.detail(kind)).status_code == 404


VIEWERS = ("owner", "teammate", "manager", "boss", "other", "executive", "finance", "admin", "marketing")


def _viewer(world: Any, stream: Stream, name: str) -> User:
    """The viewer as `api_links` has them: roles and managed teams read by the record's own access
    check, the people in view by `api_links` (a link's budget counts its own queries only)."""
    actor = getattr(stream.team, name, None) or world.actor(name)
    user = User.objects.get(pk=actor.pk)
    user.role_codes()
    user.managed_team_ids()
    user.people_in_view()
    return user


@pytest.mark.parametrize("viewer", [*VIEWERS, "sr", "fr", "legal"])
def test_each_link_decides_within_its_query_budget(world, stream, viewer, django_assert_max_num_queries):
    user = _viewer(world, stream, viewer)
    records = {
        "customers.account": stream.account,
        "customers.contact": stream.contact,
        "leads.lead": stream.lead,
        "opportunities.opportunity": stream.deal,
        "contracts.contract": stream.contract,
    }
    for link in registered_links():
        with django_assert_max_num_queries(link.max_queries):
            link.offered(user, records[link.record_label])


def _queries(api: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


def test_links_add_a_bounded_number_of_queries_whatever_the_related_rows(world, stream, api_as, monkeypatch, caplog):
    api = api_as(world.manager)  # a manager: the widest scope that is not global
    kinds = {
        "accounts": "customers.account",
        "contacts": "customers.contact",
        "leads": "leads.lead",
        "opportunities": "opportunities.opportunity",
        "contracts": "contracts.contract",
    }
    budgets = {  # the viewer's people in view, read once, and each link's own budget
        kind: 1 + sum(link.max_queries for link in registered_links() if link.record_label == label)
        for kind, label in kinds.items()
    }
    for kind in kinds:  # warm the process's caches (content types, ...)
        _queries(api, stream.detail(kind))
    with_links = {kind: _queries(api, stream.detail(kind)) for kind in kinds}

    for n in range(6):  # more deals of the account and the contact
        make_opportunity(world, name=f"锦程扩容项目{n}").contacts.add(stream.contact)
    assert {kind: _queries(api, stream.detail(kind)) for kind in kinds} == with_links

    monkeypatch.setattr(panels, "_LINKS", defaultdict(dict))
    without = {kind: _queries(api, stream.detail(kind)) for kind in kinds}
    added = {kind: with_links[kind] - without[kind] for kind in kinds}
    assert all(0 < added[kind] <= budgets[kind] for kind in kinds), (added, budgets)
    assert not [r.message for r in caplog.records if r.name == "ltc.core.panels"]  # no link over its budget
