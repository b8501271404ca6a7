"""Telling the people who collect an invoice that it falls due or is overdue, run daily.

An issued invoice with an open balance is announced once when it falls due within
LTC_INVOICE_DUE_NOTICE_DAYS days (default 3), then on its first day overdue and every week after.
Who is told: the contract's AR and the finance colleague who issued it (finance staff when nobody
did) — each only while they may see the invoice — on the channels each chose for `invoice_due`
and `invoice_overdue`. Each notice is sent once: a `NoticeSent` key names the invoice and the
step, and commits with the notice, so a second run the same day (or two workers at once) sends
nothing more. Paid, cancelled and draft invoices, and credit notes, are never announced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ltc.billing.access import account_visible_q
from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.billing.models import Invoice
from ltc.billing.services.notices import finance_users
from ltc.core.models import NoticeSent, NotificationKind
from ltc.core.notifications import notify
from ltc.org.models import User

OVERDUE_EVERY = 7  # days between the reminders of an overdue invoice


def notice_days() -> int:
    return max(0, int(getattr(settings, "LTC_INVOICE_DUE_NOTICE_DAYS", 3)))


def collectible(*, due_by: date) -> QuerySet[Invoice]:
    """Issued invoices (not credit notes) with an open balance, due on or before `due_by`."""
    return Invoice.objects.filter(
        kind=InvoiceKind.INVOICE,
        status=InvoiceStatus.ISSUED,
        open_amount__gt=0,
        due_date__isnull=False,
        due_date__lte=due_by,
    )


def notice_of(invoice: Invoice, today: date) -> tuple[str, str, int]:
    """(kind, key, days overdue) of the notice `invoice` is at on `today`: "due" ahead of its due
    date, then "overdue" week 0 from the first day late, week 1 from the eighth, and so on."""
    due = invoice.due_date or today  # collectible() has a due date
    late = (today - due).days
    if late <= 0:
        return NotificationKind.INVOICE_DUE, f"invoice-due:{invoice.pk}:{due.isoformat()}", 0
    week = (late - 1) // OVERDUE_EVERY
    return NotificationKind.INVOICE_OVERDUE, f"invoice-overdue:{invoice.pk}:{week}", late


def _candidates_of(invoice: Invoice, finance: list[User]) -> list[User]:
    """The AR and the finance colleague who issued the invoice (else finance staff), active."""
    people: list[User] = [invoice.contract.owner]
    issuer = cast("User | None", invoice.issued_by)  # the field's helper hides its type
    people += [issuer] if issuer is not None and issuer.is_active else finance
    return list({u.pk: u for u in people if u is not None and u.is_active}.values())


def visible_invoices(invoices: list[Invoice], finance: list[User]) -> dict[int, set[int]]:
    """{user id: the ids among `invoices` they may see}, for everyone who may be told of one: one
    query per person, however many invoices."""
    people = {u.pk: u for invoice in invoices for u in _candidates_of(invoice, finance)}
    ids = [invoice.pk for invoice in invoices]
    return {
        pk: set(Invoice.objects.filter(account_visible_q(user), pk__in=ids).values_list("pk", flat=True))
        for pk, user in people.items()
    }


def recipients_of(invoice: Invoice, finance: list[User], visible: dict[int, set[int]] | None = None) -> list[User]:
    """The AR and the finance colleague who issued the invoice (else finance staff), each only
    while they may see it (`visible`, from `visible_invoices`, when given)."""
    seen = visible if visible is not None else visible_invoices([invoice], finance)
    return [u for u in _candidates_of(invoice, finance) if invoice.pk in seen.get(u.pk, set())]


def invoice_due_notify(*, today: date | None = None, progress: Callable[[], bool] | None = None) -> int:
    """Send today's due and overdue notices, each once; returns how many invoices were announced.
    Each invoice's notice commits with its key; `progress` (the worker's lease) is renewed in that
    transaction, and a run whose lease was taken over stops."""
    today = today or timezone.localdate()
    candidates = list(
        collectible(due_by=today + timedelta(days=notice_days()))
        .select_related("account", "contract__owner", "issued_by")
        .order_by("due_date", "pk")
    )
    steps = {invoice.pk: notice_of(invoice, today) for invoice in candidates}
    sent = set(
        NoticeSent.objects.filter(key__in=[key for _kind, key, _days in steps.values()]).values_list("key", flat=True)
    )
    pending = [invoice for invoice in candidates if steps[invoice.pk][1] not in sent]
    if not pending:
        return 0
    finance = finance_users()
    visible = visible_invoices(pending, finance)
    announced = 0
    for invoice in pending:
        kind, key, late = steps[invoice.pk]
        try:
            with transaction.atomic():
                if progress is not None and not progress():
                    break
                NoticeSent.objects.create(key=key)
                notify(recipients_of(invoice, finance, visible), kind, subject=invoice, params=_params(invoice, late))
        except IntegrityError:
            continue  # another run sent it meanwhile
        announced += 1
    return announced


def _params(invoice: Invoice, late: int) -> dict[str, Any]:
    """Raw values: the notification renders the amount and the date in its reader's language."""
    return {
        "account": invoice.account.name,
        "due": invoice.due_date.isoformat() if invoice.due_date else "",
        "days": late,
        "open": str(invoice.open_amount),
        "currency": invoice.currency,
    }
