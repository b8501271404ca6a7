"""List tools (#18 item 7) on the quote, contract, invoice and payment lists: declared columns
followed by page and export, saved views, and exports of only what the viewer may see, with
amounts as numbers and dates as dates."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from ltc.billing.tests.factories import issue_drafts, pay
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.models import ListPreference, SavedView
from ltc.quotes.tests.factories import make_quote


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return Catalog()


@pytest.fixture
def billed(world: Any, catalog: Catalog) -> Any:
    """A signed contract of the world's AR, its first invoice issued and 100.00 paid on it."""
    contract = signed_contract(world, team_of(world), catalog)
    (invoice,) = issue_drafts(contract, world.finance)
    payment = pay(invoice, world.finance, Decimal("100.00"), reference="LIST-1")
    invoice.refresh_from_db()
    return contract, invoice, payment


LISTS = {
    # key: (path, default export header)
    "quotes": ("/quotes/", ["Quote", "Subject", "Account", "Status", "Total", "Currency", "Valid until", "Author"]),
    "contracts": (
        "/contracts/",
        ["Contract", "Subject", "Account", "Status", "Total", "Currency", "Signed on", "AR", "FR"],
    ),
    "invoices": (
        "/billing/",
        ["Invoice", "Customer", "Status", "Total", "Open balance", "Currency", "Due date", "Contract"],
    ),
    "payments": (
        "/billing/payments/",
        ["Payment", "Customer", "Date", "Amount", "Unallocated", "Currency", "Method", "Bank reference"],
    ),
}


@pytest.mark.parametrize("key", LISTS)
def test_each_list_draws_its_tools_and_exports_its_default_columns(
    world: Any, billed: Any, catalog: Catalog, web_as: Any, key: str
) -> None:
    make_quote(world, catalog)
    path, header = LISTS[key]
    client = web_as(world.finance if key in ("invoices", "payments") else world.owner)
    page = client.get(path).content.decode()
    assert f'data-list="{key}"' in page
    assert f'action="/lists/{key}/columns/"' in page
    assert _csv(client.get(f"{path}?export=csv"))[0] == header


def test_the_invoice_list_follows_the_chosen_columns_and_exports_numbers_and_dates(
    world: Any, billed: Any, web_as: Any
) -> None:
    contract, invoice, _payment = billed
    client = web_as(world.owner)
    answer = client.post("/lists/invoices/columns/", {"columns": ["number", "open", "due_date", "bogus"]})
    assert answer["Location"] == "/billing/"
    assert ListPreference.objects.get(user=world.owner, list_key="invoices").columns == ["number", "open", "due_date"]
    page = client.get("/billing/").content.decode()
    assert '<th class="text-end">Open balance</th>' in page
    assert "<th>Contract</th>" not in page
    rows = _csv(client.get("/billing/?export=csv"))
    assert rows == [
        ["Invoice", "Open balance", "Currency", "Due date"],
        [invoice.number, f"{invoice.open_amount:.2f}", "CNY", invoice.due_date.isoformat()],
    ]
    sheet = _xlsx(client.get("/billing/?export=xlsx"))
    assert sheet[1][1] == float(invoice.open_amount)  # a number cell
    assert isinstance(sheet[1][3], datetime)  # a date cell, not text
    assert sheet[1][3].date() == invoice.due_date
    assert contract.number not in str(sheet)


def test_exports_hold_only_what_the_viewer_may_see(world: Any, billed: Any, catalog: Catalog, web_as: Any) -> None:
    contract, invoice, payment = billed
    quote = make_quote(world, catalog)
    other = web_as(world.other)
    assert invoice.number not in str(_csv(other.get("/billing/?export=csv")))
    assert payment.number not in str(_csv(other.get("/billing/payments/?export=csv")))
    assert contract.number not in str(_csv(other.get("/contracts/?export=csv")))
    assert quote.number not in str(_csv(other.get("/quotes/?export=csv")))
    owner = web_as(world.owner)
    assert invoice.number in str(_csv(owner.get("/billing/?export=csv")))
    assert payment.number in str(_csv(owner.get("/billing/payments/?export=csv")))
    assert contract.number in str(_csv(owner.get("/contracts/?export=csv")))
    assert quote.number in str(_csv(owner.get("/quotes/?export=csv")))


def test_an_export_follows_the_filters(world: Any, billed: Any, web_as: Any) -> None:
    _contract, invoice, _payment = billed
    client = web_as(world.finance)
    assert [r[0] for r in _csv(client.get("/billing/?status=issued&export=csv"))[1:]] == [invoice.number]
    assert _csv(client.get("/billing/?status=cancelled&export=csv"))[1:] == []
    payments = _csv(client.get("/billing/payments/?q=LIST-1&export=csv"))
    assert [r[3] for r in payments[1:]] == ["100.00"]
    assert _csv(client.get("/billing/payments/?q=NOTHING-LIKE-IT&export=csv"))[1:] == []


@pytest.mark.parametrize(
    ("key", "path", "query"),
    [
        ("quotes", "/quotes/", "status=draft"),
        ("contracts", "/contracts/", "status=signed"),
        ("invoices", "/billing/", "status=issued"),
        ("payments", "/billing/payments/", "kind=receipt"),
    ],
)
def test_a_saved_view_opens_with_its_filters_and_columns(
    world: Any, web_as: Any, key: str, path: str, query: str
) -> None:
    client = web_as(world.owner)
    client.post(f"/lists/{key}/columns/", {"columns": ["number", "account"]})
    client.post(f"/lists/{key}/views/", {"name": "我的视图", "query": query, "is_default": "on"})
    client.post(f"/lists/{key}/columns/", {"columns": ["number"]})
    view = SavedView.objects.get(user=world.owner, list_key=key)
    assert (view.query, view.columns, view.is_default) == (query, ["number", "account"], True)
    assert client.get(path)["Location"] == f"{path}?{query}"  # the default view applies
    assert client.get(f"/lists/views/{view.pk}/")["Location"] == f"{path}?{query}"
    assert ListPreference.objects.get(user=world.owner, list_key=key).columns == ["number", "account"]
    assert "我的视图" in client.get(f"{path}?{query}").content.decode()
    assert "我的视图" not in web_as(world.teammate).get(f"{path}?view=all").content.decode()


def test_the_contract_list_exports_its_chosen_dates_as_dates(world: Any, billed: Any, web_as: Any) -> None:
    contract, _invoice, _payment = billed
    client = web_as(world.owner)
    client.post("/lists/contracts/columns/", {"columns": ["number", "signed_on", "total"]})
    sheet = _xlsx(client.get("/contracts/?export=xlsx"))
    assert sheet[0] == ("Contract", "Total", "Currency", "Signed on")
    row = next(r for r in sheet[1:] if r[0] == contract.number)
    assert row[1] == float(contract.total)
    assert row[3].date() == contract.signed_on
    assert isinstance(contract.signed_on, date)
