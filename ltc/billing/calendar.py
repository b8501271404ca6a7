"""On the calendar: the due dates of issued invoices not yet paid (no amounts: see core.calendar)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.billing.access import account_visible_q
from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.billing.models import Invoice
from ltc.core.calendar import ENTRY_LIMIT, MINE, CalendarEntry, CalendarSource, register


def invoice_due_entries(user: Any, start: date, end: date, scope: str) -> list[CalendarEntry]:
    """Issued invoices with an open balance falling due in the range, of customers whose billing
    the user sees (scope mine: accounts the user owns or contracts where the user is the AR)."""
    invoices = Invoice.objects.filter(account_visible_q(user))
    if scope == MINE:
        invoices = invoices.filter(Q(account__owner_id=user.pk) | Q(contract__owner_id=user.pk))
    rows = (
        invoices.filter(
            status=InvoiceStatus.ISSUED,
            kind=InvoiceKind.INVOICE,
            open_amount__gt=0,
            due_date__gte=start,
            due_date__lt=end,
        )
        .select_related("account")
        .only("pk", "number", "due_date", "account__name")
        .order_by("due_date", "pk")[:ENTRY_LIMIT]
    )
    return [
        CalendarEntry(
            kind="invoice_due",
            title=_("Invoice due: %(number)s") % {"number": invoice.number},
            start=invoice.due_date,
            all_day=True,
            url=invoice.get_absolute_url(),
            record=f"{invoice.number} · {invoice.account.name}",
            record_id=invoice.pk,
        )
        for invoice in rows
        if invoice.due_date is not None
    ]


register(CalendarSource("invoice_due", gettext_lazy("Invoice due dates"), invoice_due_entries, icon="cash", order=50))
