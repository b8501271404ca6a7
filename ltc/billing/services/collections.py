"""Collections (催收) of overdue invoices, run daily: a reminder e-mail to the customer's
contact, then a call task for the AR, then an escalation to the AR's manager — each step once per
invoice, on the invoice's timeline. An open promise to pay holds escalation until its date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ltc.billing.access import can_bill
from ltc.billing.choices import CollectionLevel, InvoiceKind, InvoiceStatus, PromiseStatus
from ltc.billing.models import CollectionStep, Invoice, PromiseToPay
from ltc.billing.services.common import Errors, amount, day, text
from ltc.core import activities, timeline
from ltc.core.access import can_change
from ltc.core.mail import mail_queue
from ltc.core.money import money_text
from ltc.customers.models import Contact
from ltc.org.models import User

# Days overdue from which each level is taken.
LEVEL_DAYS = {CollectionLevel.REMINDER: 1, CollectionLevel.CALL: 15, CollectionLevel.ESCALATION: 30}
CALL_WITHIN = timedelta(days=2)


def overdue(today: date) -> Any:
    return Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, open_amount__gt=0, due_date__lt=today
    )


def _manager_of(user: User) -> User | None:
    team = user.team
    while team is not None:
        if team.manager_id and team.manager_id != user.pk:
            return team.manager
        team = team.parent
    return None


def _due(when: date) -> datetime:
    return timezone.make_aware(datetime.combine(when, time(10)))


def _step(invoice: Invoice, level: int, today: date, days: int) -> CollectionStep:
    contract, ar = invoice.contract, invoice.contract.owner
    step = CollectionStep(invoice=invoice, level=level, taken_on=today, days_overdue=days)
    facts = {
        "n": invoice.number,
        "a": money_text(invoice.open_amount),
        "c": invoice.currency,
        "d": days,
        "due": invoice.due_date,
    }
    if level == CollectionLevel.REMINDER:
        contact = Contact.objects.filter(account_id=invoice.account_id).exclude(email="").order_by("name", "id").first()
        if contact is not None:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Payment reminder: invoice %(n)s") % facts
                body = _(
                    "Dear %(who)s,\n\nour invoice %(n)s of %(issued)s, due %(due)s, has %(a)s %(c)s open. "
                    "Please arrange the payment, or tell us when it will be made.\n\n%(company)s"
                ) % {**facts, "who": contact.name, "issued": invoice.issue_date, "company": str(ar)}
            mail_queue(subject, body, [contact.email])
            step.sent_to = contact.email
            text_ = _("Reminder e-mailed to %(to)s (%(d)s days overdue).") % {**facts, "to": contact.email}
        else:
            text_ = _("No contact with an e-mail address: reminder not sent (%(d)s days overdue).") % facts
    else:
        # The AR calls; the escalation goes to the AR's manager (the AR when there is none).
        calls = level == CollectionLevel.CALL
        owner = ar if calls else (_manager_of(ar) or ar)
        title = (
            _("Call %(acc)s about invoice %(n)s (%(a)s %(c)s, %(d)s days overdue)")
            if calls
            else _("Escalation: invoice %(n)s of %(acc)s is %(d)s days overdue (%(a)s %(c)s)")
        )
        step.activity = activities.activity_create(
            actor=ar,
            subject=invoice,
            kind="call" if calls else "task",
            owner=owner,
            due_at=_due(today) + CALL_WITHIN,
            title=(title % {**facts, "acc": invoice.account.name})[:200],
        )
        step.sent_to = str(owner)
        text_ = (_("Call task for the AR %(who)s.") if calls else _("Escalated to %(who)s.")) % {"who": owner}
    step.save()
    timeline.note_add(actor=ar, subject=invoice, text=text_)
    if level > CollectionLevel.REMINDER:
        timeline.note_add(actor=ar, subject=contract, text=f"{invoice.number}: {text_}")
    return step


def collections_run(*, today: date | None = None, progress: Callable[[], bool] | None = None) -> int:
    """The daily collection run over overdue invoices; returns how many steps it took. Each
    invoice's steps commit together with its level (and their reminder mail, queued), the invoice
    locked, so runs side by side take each step once; `progress` (the worker's lease) is renewed
    in that transaction, and a run whose lease was taken over stops."""
    today = today or timezone.localdate()
    PromiseToPay.objects.filter(status=PromiseStatus.OPEN, promised_on__lt=today).exclude(
        invoice__open_amount=0
    ).update(status=PromiseStatus.BROKEN)
    held = set(
        PromiseToPay.objects.filter(status=PromiseStatus.OPEN, promised_on__gte=today).values_list(
            "invoice_id", flat=True
        )
    )
    taken = 0
    for invoice in (
        overdue(today)
        .select_related("contract__owner__team", "account")
        .order_by("due_date", "pk")
        .iterator(chunk_size=500)
    ):
        days = (today - invoice.due_date).days
        target = max((lvl for lvl, start in LEVEL_DAYS.items() if days >= start), default=0)
        if invoice.pk in held:
            target = min(target, max(invoice.collection_level, CollectionLevel.REMINDER))
        if target <= invoice.collection_level:
            continue
        with transaction.atomic():
            if progress is not None and not progress():
                break
            current = (
                Invoice.objects.select_for_update().filter(pk=invoice.pk).values_list("collection_level", flat=True)
            )
            level_now = current.first()
            if level_now is None or level_now >= target:
                continue
            for level in range(level_now + 1, target + 1):
                _step(invoice, level, today, days)
                taken += 1
            Invoice.objects.filter(pk=invoice.pk).update(collection_level=target)
    return taken


def may_collect(user: User, invoice: Invoice) -> bool:
    """Finance, the contract's AR and the managers above the AR."""
    owner = invoice.contract.owner
    return can_bill(user) or can_change(user, owner.pk, owner.team_id)


def promise_add(*, actor: User, invoice: Invoice, data: dict[str, Any]) -> PromiseToPay:
    """Record the customer's promise to pay (part of) an open invoice by a date."""
    from django.core.exceptions import PermissionDenied

    if not may_collect(actor, invoice):
        raise PermissionDenied(_("Only finance and the AR record promises to pay."))
    errors: Errors = {}
    value = amount(data.get("amount"), "amount", errors)
    when = day(data.get("promised_on"), "promised_on", errors, not_future=False)
    note = text(data.get("note"), "note", errors)
    if invoice.status != InvoiceStatus.ISSUED or invoice.open_amount <= 0:
        errors["invoice"] = [_("Only an invoice with an open balance.")]
    elif value is not None and value > invoice.open_amount:
        errors["amount"] = [_("At most the open balance, %(a)s.") % {"a": money_text(invoice.open_amount)}]
    if when is not None and when < timezone.localdate():
        errors["promised_on"] = [_("A promise is for today or later.")]
    if errors or value is None or when is None:
        raise ValidationError(errors)
    with transaction.atomic():
        promise = PromiseToPay.objects.create(
            invoice=invoice, amount=value, promised_on=when, note=note, recorded_by=actor
        )
        timeline.note_add(
            actor=actor,
            subject=invoice,
            text=_("Promise to pay %(a)s by %(d)s. %(n)s") % {"a": money_text(value), "d": when, "n": note},
        )
    return promise
