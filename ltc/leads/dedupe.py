"""The duplicate matcher shared by manual capture, the API, web forms and imports.

Keys are normalised identifiers (core.normalize): email, mobile, company name, credit code.
`LeadMatcher` answers for many rows with one query per kind of record, never one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models

from ltc.customers.models import Account, Contact
from ltc.leads.models import Lead


class Keys(NamedTuple):
    """A row's normalised keys (a tuple: imports build one per row)."""

    email: str = ""
    mobile: str = ""
    company: str = ""
    credit_code: str = ""

    @classmethod
    def of(cls, lead: Any) -> Keys:
        return cls(lead.email_key, lead.mobile_key, lead.company_key, lead.credit_code)


@dataclass
class Match:
    kind: str  # "lead", "account", "contact"
    pk: int
    label: str
    reason: str


@dataclass
class LeadMatcher:
    """Finds existing leads, accounts and contacts sharing any key with a set of rows."""

    open_leads_only: bool = False
    leads_by_key: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    lead_labels: dict[int, str] = field(default_factory=dict)
    accounts_by_key: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)
    contacts_by_key: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)

    def load(self, keys: Iterable[Keys], *, exclude_lead: int | None = None, leads_only: bool = False) -> LeadMatcher:
        """Look up every record sharing a key with `keys`; `leads_only` skips accounts and
        contacts (an import decides on leads alone)."""
        keys = list(keys)
        emails = {k.email for k in keys if k.email}
        mobiles = {k.mobile for k in keys if k.mobile}
        companies = {k.company for k in keys if k.company}
        codes = {k.credit_code for k in keys if k.credit_code}
        # One query per key, each on its own index (an OR of IN lists scans on some databases).
        rows: dict[int, tuple[Any, ...]] = {}
        for column, wanted_values in (
            ("email_key", emails),
            ("mobile_key", mobiles),
            ("company_key", companies),
            ("credit_code", codes),
        ):
            if not wanted_values:
                continue
            for row in _rows_with(Lead, _LEAD_COLUMNS, column, wanted_values):
                if row[0] != exclude_lead and row[-1] is None:  # merged leads live on in their target
                    rows[row[0]] = row
        for pk, email, mobile, company, code, name, _merged_into in rows.values():
            self.lead_labels[pk] = name
            for kind, value, wanted in (
                ("email", email, emails),
                ("mobile", mobile, mobiles),
                ("company", company, companies),
                ("credit_code", code, codes),
            ):
                if value and value in wanted:
                    self.leads_by_key.setdefault((kind, value), []).append(pk)
        if leads_only:
            return self
        account_rows: dict[int, tuple[Any, ...]] = {}
        for column, wanted_values in (("name_key", companies), ("credit_code", codes)):
            for row in _rows_with(Account, ("id", "name", "name_key", "credit_code"), column, wanted_values):
                account_rows[row[0]] = row
        for pk, name, name_key, code in account_rows.values():
            if name_key in companies:
                self.accounts_by_key.setdefault(("company", name_key), []).append((pk, name))
            if code and code in codes:
                self.accounts_by_key.setdefault(("credit_code", code), []).append((pk, name))
        contact_rows: dict[int, tuple[Any, ...]] = {}
        for column, wanted_values in (("email_key", emails), ("mobile_key", mobiles)):
            for row in _rows_with(Contact, ("id", "name", "email_key", "mobile_key"), column, wanted_values):
                contact_rows[row[0]] = row
        for pk, name, email, mobile in contact_rows.values():
            if email in emails:
                self.contacts_by_key.setdefault(("email", email), []).append((pk, name))
            if mobile and mobile in mobiles:
                self.contacts_by_key.setdefault(("mobile", mobile), []).append((pk, name))
        return self

    def existing_lead(self, keys: Keys) -> int | None:
        """The oldest lead sharing the strongest key (credit code, email, mobile, then company)."""
        for kind in ("credit_code", "email", "mobile", "company"):
            value = getattr(keys, kind if kind != "company" else "company")
            if value and (found := self.leads_by_key.get((kind, value))):
                return min(found)
        return None

    def matches(self, keys: Keys) -> list[Match]:
        found: dict[tuple[str, int], Match] = {}
        for kind in ("credit_code", "email", "mobile", "company"):
            value = getattr(keys, kind)
            if not value:
                continue
            for pk in self.leads_by_key.get((kind, value), []):
                found.setdefault(("lead", pk), Match("lead", pk, self.lead_labels.get(pk, ""), kind))
            for pk, label in self.accounts_by_key.get((kind, value), []):
                found.setdefault(("account", pk), Match("account", pk, label, kind))
            for pk, label in self.contacts_by_key.get((kind, value), []):
                found.setdefault(("contact", pk), Match("contact", pk, label, kind))
        return list(found.values())

    def remember(self, pk: int, keys: Keys, label: str) -> None:
        """Count a row just created, so later rows of the same batch match it."""
        self.lead_labels[pk] = label
        for kind in ("credit_code", "email", "mobile", "company"):
            value = getattr(keys, kind)
            if value:
                self.leads_by_key.setdefault((kind, value), []).append(pk)


_LEAD_COLUMNS = ("id", "email_key", "mobile_key", "company_key", "credit_code", "company_name", "merged_into_id")
_IN_BATCH = 2000


def _rows_with(
    model: type[models.Model], columns: tuple[str, ...], column: str, values: set[str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of `model` whose `column` is one of `values` (never empty strings), as plain tuples.

    Raw SQL because this is the import's hot path: compiling an ORM IN lookup of thousands of
    values costs more than running it. `column` and `columns` are ours, never user input. The
    condition `column > ''` is the one partial key indexes are declared with, so they are used;
    no other condition is added, or SQLite may prefer a worse index.
    """
    if not values:
        return
    quote = connection.ops.quote_name
    select = ", ".join(quote(c) for c in columns)
    where = f"{quote(column)} {{}} AND {quote(column)} > ''"
    base = f"SELECT {select} FROM {quote(model._meta.db_table)} WHERE "  # noqa: S608
    ordered = sorted(values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: PostgreSQL plans "= ANY(array)" far faster than a long IN list.
            cursor.execute(base + where.format("= ANY(%s)"), [ordered])
            yield from cursor.fetchall()
            return
        for start in range(0, len(ordered), _IN_BATCH):
            part = ordered[start : start + _IN_BATCH]
            cursor.execute(base + where.format(f"IN ({', '.join(['%s'] * len(part))})"), part)
            yield from cursor.fetchall()


def lead_matches(lead: Lead) -> list[Match]:
    """Possible duplicates of one lead: other leads, accounts and contacts."""
    keys = Keys.of(lead)
    return LeadMatcher().load([keys], exclude_lead=lead.pk).matches(keys)
