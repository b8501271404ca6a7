"""Files on accounts and contacts (ltc.core.attachments): seen by whoever sees the account, attached
and removed by whoever may change it."""

from __future__ import annotations

from typing import Any

from ltc.core.access import fetch_or_404
from ltc.core.attachments import Attachable, register
from ltc.core.models import AttachmentRecordType
from ltc.customers.access import account_visible_q, can_change_account
from ltc.customers.models import Account, Contact


def _account(user: Any, pk: Any) -> Account:
    return fetch_or_404(Account.objects.select_related("owner__team").filter(account_visible_q(user)), pk=pk)


def _contact(user: Any, pk: Any) -> Contact:
    contacts = Contact.objects.select_related("account__owner__team")
    return fetch_or_404(contacts.filter(account_visible_q(user, prefix="account__")), pk=pk)


register(
    Attachable(
        kind=AttachmentRecordType.ACCOUNT,
        model=Account,
        fetch=_account,
        may_attach=can_change_account,
    )
)
register(
    Attachable(
        kind=AttachmentRecordType.CONTACT,
        model=Contact,
        fetch=_contact,
        may_attach=lambda user, contact: can_change_account(user, contact.account),
    )
)
