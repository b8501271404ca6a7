"""Who may see an account or a contact, for notifications and mentions (registered from CustomersConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ltc.core.access import register_visibility
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account, Contact


def _account_visible_q(user: Any) -> Q:
    return account_visible_q(user)


def _contact_visible_q(user: Any) -> Q:
    return account_visible_q(user, prefix="account__")


register_visibility(Account, _account_visible_q)
register_visibility(Contact, _contact_visible_q)
