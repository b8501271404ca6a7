"""The daily notices of invoices falling due and overdue: once per step however often the job
runs, on each recipient's channels, never for a settled invoice, only to who may see it; and the
inbox's "invoices due"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from ltc.billing import services
from ltc.billing.models import Invoice
from ltc.billing.services.due_notices import invoice_due_notify, recipients_of, visible_invoices
from ltc.billing.services.notices import finance_users
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core import inbox
from ltc.core.models import NoticeSent, Notification, NotificationPreference, OutgoingMail, OutgoingWebhook
from ltc.core.notifications import notifications_for, render, shown, webhook_set
from ltc.org.models import Role


@pytest.fixture
def invoice(world: Any) -> Invoice:
    contract = signed_contract(world, team_of(world))
    (issued,) = issue_drafts(contract, world.finance)
    assert issued.due_date is not None
    assert issued.open_amount > 0
    return issued


def _told(kind: str) -> set[str]:
    return {n.recipient.username for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def test_an_invoice_falling_due_is_announced_once_to_its_ar_and_its_issuer(world: Any, invoice: Invoice) -> None:
    day = invoice.due_date - timedelta(days=3)
    assert invoice_due_notify(today=day - timedelta(days=1)) == 0  # four days ahead: not yet
    assert invoice_due_notify(today=day) == 1
    assert invoice_due_notify(today=day) == 0  # the same day again
    assert invoice_due_notify(today=day + timedelta(days=1)) == 0  # and the next: the step is done
    assert _told("invoice_due") == {world.owner.username, world.finance.username}
    assert Notification.objects.filter(kind="invoice_due").count() == 2
    note = Notification.objects.get(kind="invoice_due", recipient=world.owner)
    with translation.override("en"):
        text = render(note)
    assert text == (
        f"Invoice {invoice.number} of {invoice.account.name} falls due on {invoice.due_date:%m/%d/%Y}: "
        f"{invoice.open_amount:,.2f} CNY open."
    )
    (link,) = shown(world.owner, notifications_for(world.owner))
    assert link.url == invoice.get_absolute_url()


def test_an_overdue_invoice_is_announced_on_its_first_day_late_then_weekly(world: Any, invoice: Invoice) -> None:
    first = invoice.due_date + timedelta(days=1)
    assert invoice_due_notify(today=first) == 1
    for later in range(2, 8):
        assert invoice_due_notify(today=invoice.due_date + timedelta(days=later)) == 0
    assert invoice_due_notify(today=invoice.due_date + timedelta(days=8)) == 1
    assert invoice_due_notify(today=invoice.due_date + timedelta(days=8)) == 0
    assert Notification.objects.filter(kind="invoice_overdue", recipient=world.owner).count() == 2
    days = sorted(n.params["days"] for n in Notification.objects.filter(kind="invoice_overdue", recipient=world.owner))
    assert days == [1, 8]
    assert NoticeSent.objects.filter(key__startswith=f"invoice-overdue:{invoice.pk}:").count() == 2


def test_the_notice_days_are_a_setting(world: Any, invoice: Invoice) -> None:
    with override_settings(LTC_INVOICE_DUE_NOTICE_DAYS=7):
        assert invoice_due_notify(today=invoice.due_date - timedelta(days=7)) == 1
    assert _told("invoice_due") == {world.owner.username, world.finance.username}


def test_each_recipients_channels_are_honoured(world: Any, invoice: Invoice) -> None:
    NotificationPreference.objects.create(user=world.owner, kind="invoice_overdue", in_app=False, email=True)
    NotificationPreference.objects.create(
        user=world.finance, kind="invoice_overdue", in_app=False, email=False, webhook=True
    )
    webhook_set(actor=world.finance, url="https://robot.example/hook", robot="wecom")
    day = invoice.due_date + timedelta(days=1)
    invoice_due_notify(today=day)
    invoice_due_notify(today=day)
    assert not Notification.objects.filter(kind="invoice_overdue").exists()
    mails = [m for m in OutgoingMail.objects.all() if invoice.number in m.subject]
    assert [m.to for m in mails] == [[world.owner.email]]
    (robot,) = OutgoingWebhook.objects.filter(url="https://robot.example/hook")
    assert invoice.number in robot.payload["markdown"]["content"]


@pytest.mark.parametrize("settled", ["paid", "cancelled"])
def test_a_settled_invoice_is_never_announced(world: Any, invoice: Invoice, settled: str) -> None:
    if settled == "paid":
        pay(invoice, world.finance)
    else:
        services.invoice_cancel(actor=world.finance, invoice=invoice, reason="开错了")
    for offset in (-3, 0, 1, 8):
        assert invoice_due_notify(today=invoice.due_date + timedelta(days=offset)) == 0
    assert not Notification.objects.filter(kind__in=["invoice_due", "invoice_overdue"]).exists()


def test_only_who_may_see_the_invoice_is_told(world: Any, invoice: Invoice) -> None:
    # The issuer no longer works as finance: they may not open the invoice, and are not told.
    world.finance.roles.remove(Role.objects.get(code="finance"))
    invoice_due_notify(today=invoice.due_date + timedelta(days=1))
    assert _told("invoice_overdue") == {world.owner.username}


def test_the_daily_command_queues_the_notices(world: Any, invoice: Invoice, capsys: Any) -> None:
    call_command("billing_daily")
    assert "notify_invoices_due" in capsys.readouterr().out


def test_the_inbox_lists_the_invoices_the_user_collects(world: Any, invoice: Invoice) -> None:
    source = inbox.source("invoice_due")
    assert source is not None
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    with translation.override("en"):
        (item,) = source.waiting(world.owner)
    assert (item.item_id, item.decidable, item.url) == (invoice.pk, False, invoice.get_absolute_url())
    assert item.title == f"Overdue 2 days: collect {invoice.number}"
    assert [i.item_id for i in source.waiting(world.finance)] == [invoice.pk]
    assert source.waiting(world.other) == []
    assert source.waiting(world.manager) == []  # sees it, but neither its AR nor its issuer
    pay(invoice, world.finance)
    assert source.waiting(world.owner) == []


def test_a_notice_keeps_raw_values_and_reads_in_each_readers_language(world: Any, invoice: Invoice) -> None:
    due = invoice.due_date

    invoice_due_notify(today=due + timedelta(days=2))
    note = Notification.objects.get(kind="invoice_overdue", recipient=world.owner)
    with translation.override("en"):
        english = render(note)
    with translation.override("zh-hans"):
        chinese = render(note)

    assert (note.params["open"], note.params["due"]) == (str(invoice.open_amount), due.isoformat())
    assert english == (
        f"Invoice {invoice.number} of {invoice.account.name} is 2 days overdue (due {due:%m/%d/%Y}): "
        f"{invoice.open_amount:,.2f} CNY open."
    )
    assert f"{due.year}年{due.month}月{due.day}日" in chinese
    assert f"{invoice.open_amount:,.2f}" in chinese
    assert due.isoformat() not in chinese


def test_a_notice_stored_with_formatted_values_still_reads(world: Any, invoice: Invoice) -> None:
    invoice_due_notify(today=invoice.due_date + timedelta(days=1))
    Notification.objects.filter(kind="invoice_overdue").update(
        params={"account": "甲", "days": 1, "due": "—", "open": "1,000.00", "currency": "CNY"}
    )
    note = Notification.objects.filter(kind="invoice_overdue").first()

    with translation.override("en"):
        assert render(note) == f"Invoice {invoice.number} of 甲 is 1 days overdue (due —): 1,000.00 CNY open."


def test_who_may_see_is_read_once_per_person_however_many_invoices(world: Any, django_assert_num_queries: Any) -> None:
    catalog = Catalog()
    issued = [issue_drafts(signed_contract(world, team_of(world), catalog), world.finance)[0] for _ in range(3)]
    invoices = list(
        Invoice.objects.filter(pk__in=[i.pk for i in issued])
        .select_related("contract__owner", "issued_by")
        .order_by("pk")
    )
    finance = finance_users()

    with CaptureQueriesContext(connection) as for_one:
        visible_invoices(invoices[:1], finance)
    with CaptureQueriesContext(connection) as for_three:
        visible = visible_invoices(invoices, finance)
    with django_assert_num_queries(0):
        told = [{u.username for u in recipients_of(i, finance, visible)} for i in invoices]

    assert len(for_three) == len(for_one)  # per person (the AR, the issuer), not per invoice
    assert told == [{world.owner.username, world.finance.username}] * 3


def test_the_inbox_shows_the_due_date_in_the_readers_language(world: Any, invoice: Invoice) -> None:
    source = inbox.source("invoice_due")
    assert source is not None
    due = timezone.localdate() + timedelta(days=1)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)

    with translation.override("en"):
        (english,) = source.waiting(world.owner)
    with translation.override("zh-hans"):
        (chinese,) = source.waiting(world.owner)

    assert english.title == f"Falls due {due:%m/%d/%Y}: {invoice.number}"
    assert f"{due.year}年{due.month}月{due.day}日" in chinese.title
    assert invoice.number in chinese.title
