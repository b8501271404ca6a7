"""Every input has a label: the main pages (lists, forms, detail pages of each app), as the owner
and as the admin, name every visible input, select and textarea — by a <label for>, an aria-label or
aria-labelledby — so that a screen reader (and a test) can tell what each one is for."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.contracts.tests.factories import contract_team, signed_contract
from ltc.customers.tests.factories import ContactFactory

UNNAMED_TYPES = {"hidden", "submit", "button", "reset", "image"}  # hidden, or named by their value


class _Fields(HTMLParser):
    """The form fields of a page and the ids its labels point at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "label" and attributes.get("for"):
            self.labelled.add(str(attributes["for"]))
        if tag in {"input", "select", "textarea"}:
            kind = (attributes.get("type") or "text").lower() if tag == "input" else tag
            if kind not in UNNAMED_TYPES and "hidden" not in attributes:
                self.fields.append({"tag": tag, **attributes})

    def unlabelled(self) -> list[str]:
        missing = []
        for field in self.fields:
            if (field.get("aria-label") or "").strip():
                continue
            by = (field.get("aria-labelledby") or "").split()
            if by and all(name in self.ids for name in by):
                continue
            if field.get("id") and field["id"] in self.labelled:
                continue
            missing.append(f"<{field['tag']} name={field.get('name')!r} id={field.get('id')!r}>")
        return missing


def _pages(world: Any) -> list[str]:
    contract = signed_contract(world, contract_team(world))
    invoice = issue_drafts(contract, world.finance)[0]
    payment = pay(invoice, world.finance, value=invoice.total / 2)
    contact = ContactFactory(account=world.account, name="王小明")
    quote = contract.quote
    deal = quote.opportunity
    assert Invoice.objects.filter(contract=contract).exists()
    return [
        "/",
        "/profile/",
        "/leads/",
        "/leads/new/",
        f"/leads/{world.lead.pk}/",
        f"/leads/{world.lead.pk}/edit/",
        "/customers/accounts/",
        "/customers/accounts/new/",
        f"/customers/accounts/{world.account.pk}/",
        f"/customers/accounts/{world.account.pk}/edit/",
        "/customers/contacts/",
        "/customers/contacts/new/",
        f"/customers/contacts/{contact.pk}/",
        f"/customers/contacts/{contact.pk}/edit/",
        "/opportunities/",
        "/opportunities/new/",
        f"/opportunities/{deal.pk}/",
        f"/opportunities/{deal.pk}/edit/",
        "/quotes/",
        f"/quotes/{quote.pk}/",
        "/contracts/",
        f"/contracts/{contract.pk}/",
        "/billing/",
        f"/billing/invoices/{invoice.pk}/",
        "/billing/payments/",
        f"/billing/payments/{payment.pk}/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "admin"])
def test_every_visible_field_of_the_main_pages_has_a_label(world: Any, web_as: Any, who: str) -> None:
    client = web_as(getattr(world, who))
    unlabelled: dict[str, list[str]] = {}
    fields_seen = 0
    for path in _pages(world):
        response = client.get(path)
        if response.status_code == 404 and who == "admin" and path.startswith("/billing/"):
            continue  # the admin may not see money documents; the owner's walk covers them
        assert response.status_code == 200, (path, response.status_code)
        parser = _Fields()
        parser.feed(response.content.decode())
        fields_seen += len(parser.fields)
        if missing := parser.unlabelled():
            unlabelled[path] = missing
    assert fields_seen > 100
    assert unlabelled == {}, "\n".join(f"{path}: {', '.join(fields)}" for path, fields in unlabelled.items())


def test_the_walk_tells_a_labelled_field_from_an_unlabelled_one() -> None:
    parser = _Fields()
    parser.feed(
        '<label for="a">A</label><input id="a" name="a"><input name="b" aria-label="B">'
        '<span id="c-name">C</span><select name="c" aria-labelledby="c-name"></select>'
        '<input type="hidden" name="h"><button type="submit">Go</button>'
        '<label><input type="checkbox" name="d"> D</label><textarea name="e"></textarea>'
        '<select name="f" aria-labelledby="nowhere"></select>'
    )
    assert parser.unlabelled() == [
        "<input name='d' id=None>",
        "<textarea name='e' id=None>",
        "<select name='f' id=None>",
    ]
