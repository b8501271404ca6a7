"""Telling finance: a task and an e-mail for each draft invoice made on an event (with the links
finance needs: the contract, the accepted quote version, the acceptance document), one summary
e-mail after a bulk invoice run."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ltc.billing.models import BillingLine, Invoice
from ltc.core import activities
from ltc.core.mail import mail_queue
from ltc.core.money import money_text
from ltc.org.choices import RoleCode
from ltc.org.models import User

# Due at once: the task shows among the day's follow-ups on finance's home page.
ISSUE_WITHIN = timedelta(0)


def finance_users() -> list[User]:
    """Who is told: the active finance staff (the administrators when there are none)."""
    for role in (RoleCode.FINANCE, RoleCode.ADMIN):
        users = list(User.objects.filter(roles__code=role, is_active=True).distinct().order_by("pk"))
        if users:
            return users
    return []


def link(path: str) -> str:
    return f"{settings.LTC_BASE_URL}{path}"


def _send(messages: list[tuple[str, str, str, list[str]]]) -> None:
    for subject, body, _sender, to in messages:
        mail_queue(subject, body, to)


def draft_ready(invoice: Invoice, line: BillingLine) -> None:
    """A trigger fired: each finance user gets a task on the draft and an e-mail with the links."""
    contract = invoice.contract
    milestone = line.milestone
    messages = []
    for user in finance_users():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            title = _("Issue the invoice for %(c)s: %(t)s") % {"c": contract.number, "t": line.label}
            activities.activity_create(
                actor=user,
                subject=invoice,
                kind="task",
                title=title[:200],
                owner=user,
                due_at=timezone.now() + ISSUE_WITHIN,
            )
            parts = [
                _("%(t)s of contract %(c)s (%(a)s) is due: %(amount)s %(cur)s.")
                % {
                    "t": line.label,
                    "c": contract.number,
                    "a": contract.account.name,
                    "amount": money_text(line.amount),
                    "cur": line.currency,
                },
                _("Draft invoice: %(u)s") % {"u": link(invoice.get_absolute_url())},
                _("Contract: %(u)s") % {"u": link(contract.get_absolute_url())},
                _("Accepted quote version: %(u)s")
                % {
                    "u": link(
                        reverse("quotes:quote_detail", args=[contract.quote_id]) + f"?v={contract.quote_version.number}"
                    )
                },
            ]
            if milestone is not None and milestone.acceptance_document:
                parts.append(
                    _("Acceptance document: %(u)s")
                    % {"u": link(reverse("contracts:milestone_document", args=[milestone.pk]))}
                )
        if user.email:
            messages.append((title, "\n".join(parts), settings.DEFAULT_FROM_EMAIL, [user.email]))
    _send(messages)


def run_summary(count: int, today: date) -> None:
    """After a bulk run: one e-mail per finance user; the drafts wait in the invoice list."""
    messages = []
    for user in finance_users():
        if not user.email:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = _("%(n)d draft invoices to issue") % {"n": count}
            body = _("The invoice run of %(d)s made %(n)d draft invoices: %(u)s") % {
                "d": today,
                "n": count,
                "u": link(reverse("billing:invoice_list") + "?status=draft"),
            }
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    _send(messages)


def close_tasks(invoice: Invoice, outcome: Any) -> None:
    """The draft was issued or cancelled: finance's tasks on it are done."""
    activities.activities_for(invoice).filter(done_at__isnull=True).update(
        done_at=timezone.now(), outcome=str(outcome)[:200]
    )
