"""Accounts and contacts in the recycle bin (core.recycle): deleted with their activities,
restorable for 30 days by whoever may change them (the account's write scope)."""

from __future__ import annotations

from typing import Any

from ltc.core.recycle import BinKind, RecycleKind, register
from ltc.customers.access import can_change_account, may_write_customers
from ltc.customers.models import Account, Contact


def may_delete_account(user: Any, account: Account) -> bool:
    return may_write_customers(user) and can_change_account(user, account)


def may_delete_contact(user: Any, contact: Contact) -> bool:
    return may_write_customers(user) and can_change_account(user, contact.account)


register(RecycleKind(key=BinKind.ACCOUNT, model=Account, may_change=may_delete_account, prefetch=("owner",)))
register(RecycleKind(key=BinKind.CONTACT, model=Contact, may_change=may_delete_contact, prefetch=("account__owner",)))
