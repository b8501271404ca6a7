"""Who may see an invoice, for notifications (registered from BillingConfig.ready): the
notification list links an invoice only for those who may open it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ltc.billing.access import account_visible_q
from ltc.billing.models import Invoice
from ltc.core.access import register_visibility


def _invoice_visible_q(user: Any) -> Q:
    return account_visible_q(user)


register_visibility(Invoice, _invoice_visible_q)
