"""Billing's inbox source: the invoices the user collects (as the contract's AR, or as the
finance colleague who issued them) that fall due within LTC_INVOICE_DUE_NOTICE_DAYS days or are
overdue — the contract's AR always sees the invoice, the issuer while they work as finance
(billing.access). Listed with a link to the invoice (payments are recorded there, not in the inbox); at
most INBOX_LIMIT, the earliest due first, in one query."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Exists, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.billing.access import MONEY_ROLES
from ltc.billing.services.due_notices import collectible, notice_days
from ltc.core import inbox
from ltc.org.models import User

INBOX_LIMIT = 50


def _at(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


def _bills(user: Any) -> QuerySet[Any]:
    """Whether `user` still works as finance (who issued an invoice sees it while they do), as a
    subquery: the inbox badge reads on every page and stays at one query per source."""
    return User.roles.through.objects.filter(user_id=user.pk, role__code__in=MONEY_ROLES)


def _invoices_due(user: Any) -> list[inbox.InboxItem]:
    today = timezone.localdate()
    invoices = (
        collectible(due_by=today + timedelta(days=notice_days()))
        .filter(Q(contract__owner_id=user.pk) | (Q(issued_by_id=user.pk) & Q(Exists(_bills(user)))))
        .select_related("account", "contract__owner")
        .order_by("due_date", "pk")[:INBOX_LIMIT]
    )
    items = []
    for invoice in invoices:
        due = invoice.due_date or today  # collectible() has a due date
        late = (today - due).days
        title = (
            _("Overdue %(days)d days: collect %(number)s") % {"days": late, "number": invoice.number}
            if late > 0
            else _("Falls due %(due)s: %(number)s")
            % {"due": formats.date_format(due, "SHORT_DATE_FORMAT"), "number": invoice.number}
        )
        items.append(
            inbox.InboxItem(
                kind="invoice_due",
                item_id=invoice.pk,
                record=f"{invoice.number} · {invoice.account.name}",
                title=title,
                amount=invoice.open_amount,
                currency=invoice.currency,
                requested_by="",  # nobody asked: the due date did
                since=invoice.issued_at or _at(invoice.issue_date or due),
                due=_at(due),
                url=invoice.get_absolute_url(),
                decide_api=f"/api/v1/invoices/{invoice.pk}",
                decidable=False,
                open_label=_("Open to collect"),
            )
        )
    return items


inbox.register(
    inbox.InboxSource(
        key="invoice_due",
        title=lambda: gettext_lazy("Invoices due"),
        waiting=_invoices_due,
        order=60,
    )
)
