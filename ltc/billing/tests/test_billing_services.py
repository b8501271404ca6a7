"""Billing services: the schedule follows the contract, invoices are issued, credited and
cancelled, payments allocated, refunded and reversed, collections escalate, statements match."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from ltc.billing import selectors, services
from ltc.billing.choices import InvoiceStatus, LineStatus, PromiseStatus
from ltc.billing.models import Allocation, BillingLine, CollectionStep, Invoice, Payment
from ltc.billing.tests.factories import issue_drafts, pay, settle
from ltc.contracts import services as contract_services
from ltc.contracts.tests.factories import completed_contract, executing_contract, pdf, signed_contract, team_of
from ltc.core.models import Activity
from ltc.customers.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _invoice(contract, label):
    return Invoice.objects.get(contract=contract, billing_line__label=label)


def test_signing_plans_the_schedule_and_bills_the_advance(world, mailoutbox, django_capture_on_commit_callbacks):
    world.finance.email = "finance@example.com"
    world.finance.save()
    with django_capture_on_commit_callbacks(execute=True):
        contract = signed_contract(world, team_of(world))
    lines = list(BillingLine.objects.filter(contract=contract).order_by("position"))
    assert [(line.trigger, line.percent) for line in lines] == [
        ("signing", Decimal(30)),
        ("acceptance", Decimal(60)),
        ("warranty", Decimal(10)),
    ]
    assert sum(line.amount for line in lines) == contract.total
    assert [line.status for line in lines] == [LineStatus.INVOICED, LineStatus.PLANNED, LineStatus.PLANNED]
    advance = lines[0].invoice
    assert advance.status == InvoiceStatus.DRAFT
    assert advance.number == ""
    assert advance.total == lines[0].amount
    assert sum(line.total for line in advance.lines.all()) == advance.total
    assert advance.net_total + advance.tax_total == advance.total
    assert all(line.contract_line_id for line in advance.lines.all())
    task = Activity.objects.get(owner=world.finance)
    assert contract.number in task.title
    assert task.subject == advance
    (message,) = [m for m in mailoutbox if "finance@example.com" in m.to]
    assert f"/billing/invoices/{advance.pk}/" in message.body
    assert f"/contracts/{contract.pk}/" in message.body


def test_accepted_milestone_bills_its_term_with_the_acceptance_document(world):
    team = team_of(world)
    contract = executing_contract(world, team)
    order = contract.orders.get()
    contract_services.delivery_record(
        actor=team.fr,
        order=order,
        kind="goods",
        delivered_on=TODAY(),
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    milestone = contract.milestones.get(terms__trigger="acceptance")
    contract_services.milestone_deliver(actor=team.fr, milestone=milestone, delivered_on=TODAY())
    assert not Invoice.objects.filter(contract=contract, billing_line__trigger="acceptance").exists()
    milestone.refresh_from_db()
    contract_services.milestone_accept(
        actor=team.fr, milestone=milestone, accepted_on=TODAY(), accepted_by_name="李工", document=pdf()
    )
    invoice = Invoice.objects.get(contract=contract, billing_line__trigger="acceptance")
    assert invoice.billing_line.due_on == TODAY()
    from ltc.billing.documents import acceptance_url

    assert acceptance_url(invoice) == f"/contracts/milestones/{milestone.pk}/document/"


def test_issue_numbers_are_gapless_and_an_issued_invoice_is_never_edited(world):
    contract = signed_contract(world, team_of(world))
    draft = Invoice.objects.get(contract=contract)
    with pytest.raises(PermissionDenied):
        services.invoice_issue(actor=world.owner, invoice=draft, expected_version=draft.version)
    services.invoice_update(
        actor=world.finance, invoice=draft, expected_version=draft.version, data={"payment_days": "45"}
    )
    draft.refresh_from_db()
    issued = services.invoice_issue(actor=world.finance, invoice=draft, expected_version=draft.version)
    year = TODAY().year
    assert issued.number == f"INV{year}-000001"
    assert issued.due_date == TODAY() + timedelta(days=45)
    assert issued.open_amount == issued.total
    with pytest.raises(ValidationError) as exc:
        services.invoice_update(
            actor=world.finance, invoice=issued, expected_version=issued.version, data={"note": "x"}
        )
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.invoice_issue(actor=world.finance, invoice=issued, expected_version=issued.version)
    services.tax_invoice_record(actor=world.finance, invoice=issued, number="044001900111", issued_on=TODAY())
    issued.refresh_from_db()
    assert issued.tax_invoice_number == "044001900111"


def test_credit_notes_and_cancelling(world):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    with pytest.raises(ValidationError) as exc:
        services.invoice_credit(actor=world.finance, invoice=invoice, value=invoice.total + 1, reason="多开")
    assert "amount" in exc.value.message_dict
    note = services.invoice_credit(actor=world.finance, invoice=invoice, value="1000.00", reason="折让")
    invoice.refresh_from_db()
    assert note.number.startswith("CN")
    assert note.credited_invoice == invoice
    assert note.total == Decimal("1000.00")
    assert sum(line.total for line in note.lines.all()) == note.total
    assert invoice.open_amount == invoice.total - Decimal("1000.00")
    assert invoice.credited == Decimal("1000.00")
    with pytest.raises(ValidationError):  # credited: cancelling would hide the credit note
        services.invoice_cancel(actor=world.finance, invoice=invoice, reason="错开")

    other = signed_contract_for_cancel = Invoice.objects.create(
        account=invoice.account,
        contract=contract,
        total=Decimal("10.00"),
        net_total=Decimal("10.00"),
        billing_line=invoice.billing_line,
    )
    services.invoice_cancel(actor=world.finance, invoice=signed_contract_for_cancel)
    other.refresh_from_db()
    assert other.status == InvoiceStatus.CANCELLED
    assert other.number == ""


def test_cancelling_an_issued_invoice_reopens_its_line(world):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    with pytest.raises(ValidationError) as exc:
        services.invoice_cancel(actor=world.finance, invoice=invoice, reason="")
    assert "reason" in exc.value.message_dict
    services.invoice_cancel(actor=world.finance, invoice=invoice, reason="抬头错误")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    assert invoice.open_amount == 0
    assert invoice.credited == invoice.total
    line = BillingLine.objects.get(pk=invoice.billing_line_id)
    assert line.status == LineStatus.DUE
    assert line.invoice is None
    again = services.billing_line_invoice(actor=world.finance, line=line)
    assert again.total == line.amount
    assert again.status == InvoiceStatus.DRAFT
    assert Invoice.objects.filter(pk=invoice.pk).exists()  # never deleted


def test_payments_partial_then_rest_with_credit_refund_and_reversal(world):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    first = pay(invoice, world.finance, Decimal("20000.00"), reference="B001")
    invoice.refresh_from_db()
    assert invoice.open_amount == invoice.total - Decimal("20000.00")
    rest = invoice.open_amount
    second = services.payment_record(
        actor=world.finance,
        data={
            "account_id": invoice.account_id,
            "amount": rest + Decimal("500.00"),
            "received_on": TODAY(),
            "allocations": [{"invoice_id": invoice.pk, "amount": rest}],
        },
    )
    invoice.refresh_from_db()
    second.refresh_from_db()
    assert invoice.open_amount == 0
    assert second.unallocated == Decimal("500.00")
    refund = services.payment_refund(actor=world.finance, payment=second, data={"amount": "200.00"})
    second.refresh_from_db()
    assert refund.kind == "refund"
    assert second.unallocated == Decimal("300.00")
    with pytest.raises(ValidationError):  # refunded: not reversible
        services.payment_reverse(actor=world.finance, payment=second, reason="x")
    reversal = services.payment_reverse(actor=world.finance, payment=first, reason="退票")
    invoice.refresh_from_db()
    first.refresh_from_db()
    assert reversal.amount == first.amount
    assert first.reversed
    assert first.unallocated == 0
    assert invoice.open_amount == Decimal("20000.00")
    assert Allocation.objects.filter(payment=first).count() == 2  # the allocation and its reversal
    balance = selectors.balances(user=world.finance, account=invoice.account_id)
    assert balance["balance"] == balance["open"] - balance["credit"] == Decimal("19700.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"currency": "XXX"}, "currency"),
        ({"allocations": [{"invoice_id": 0, "amount": "1"}]}, "allocations.0.invoice_id"),
    ],
)
def test_bad_payments_change_nothing(world, change, field):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    data = {"account_id": invoice.account_id, "amount": "100.00", "received_on": TODAY(), **change}
    with pytest.raises(ValidationError) as exc:
        services.payment_record(actor=world.finance, data=data)
    assert field in exc.value.message_dict
    assert not Payment.objects.exists()


def test_over_allocation_and_other_customers_and_currencies_are_refused(world):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    base = {"account_id": invoice.account_id, "received_on": TODAY()}
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=world.finance,
            data={
                **base,
                "amount": invoice.total + 10,
                "allocations": [{"invoice_id": invoice.pk, "amount": invoice.total + 10}],
            },
        )
    assert "allocations.0.amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=world.finance,
            data={**base, "amount": "10", "allocations": [{"invoice_id": invoice.pk, "amount": "20"}]},
        )
    assert "allocations" in exc.value.message_dict
    stranger = AccountFactory(owner=world.other)
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=world.finance,
            data={
                **base,
                "account_id": stranger.pk,
                "amount": "10",
                "allocations": [{"invoice_id": invoice.pk, "amount": "10"}],
            },
        )
    assert "allocations.0.invoice_id" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=world.finance,
            data={
                **base,
                "currency": "USD",
                "amount": "10",
                "allocations": [{"invoice_id": invoice.pk, "amount": "10"}],
            },
        )
    assert "allocations.0.invoice_id" in exc.value.message_dict
    assert not Payment.objects.exists()
    assert not Allocation.objects.exists()
    pay(invoice, world.finance, Decimal("5.00"), reference="B9")
    with pytest.raises(ValidationError) as exc:  # the same bank transfer twice
        pay(invoice, world.finance, Decimal("5.00"), reference="B9")
    assert "bank_reference" in exc.value.message_dict


def test_amendment_replans_what_is_not_yet_invoiced(world):
    team = team_of(world)
    contract = executing_contract(world, team)
    issue_drafts(contract, world.finance)
    advance = BillingLine.objects.get(contract=contract, trigger="signing")
    key = contract.current.lines.get(code="SVC-IMP").key
    change = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="customer",
        title="加 5 人天",
        reason="扩容",
        proposal={"lines": [{"key": key, "quantity": "15"}]},
    )
    for role, person in (("ar", world.owner), ("sr", team.sr), ("fr", team.fr)):
        contract_services.change_assess(
            actor=person, change=change, role=role, verdict="support", comment="ok", cost_impact="0", schedule_days="0"
        )
    contract_services.change_decide(actor=world.manager, change=change, approve=True)
    contract.refresh_from_db()
    live = BillingLine.objects.filter(contract=contract).exclude(status=LineStatus.SUPERSEDED)
    assert sum(line.amount for line in live) == contract.total
    assert live.get(trigger="signing").pk == advance.pk  # invoiced: kept as it was
    assert BillingLine.objects.filter(contract=contract, status=LineStatus.SUPERSEDED).count() == 2


def test_close_needs_everything_invoiced_and_settled(world):
    contract = completed_contract(world, team_of(world))
    problems = contract_services.close_problems(contract)
    assert any("Warranty retention" in p for p in problems)
    assert any("Draft invoice" in p for p in problems)
    settle(contract, world.finance)
    assert contract_services.close_problems(contract) == []
    contract_services.contract_close(
        actor=world.owner, contract=contract, expected_version=contract.version, satisfaction=5
    )


def test_invoice_run_bills_dates_once(world):
    contract = signed_contract(world, team_of(world))
    retention = BillingLine.objects.get(contract=contract, trigger="warranty")
    assert services.invoice_run(today=TODAY()) == 0
    BillingLine.objects.filter(pk=retention.pk).update(trigger="date", expected_on=TODAY())
    assert services.invoice_run(today=TODAY()) == 1
    assert services.invoice_run(today=TODAY()) == 0
    assert Invoice.objects.filter(billing_line=retention).count() == 1


def test_collections_escalate_once_and_wait_for_a_promise(world, mailoutbox, django_capture_on_commit_callbacks):
    ContactFactory(account=world.account, name="王会计", email="ap@jincheng.cn")
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    due = invoice.due_date
    assert services.collections_run(today=due) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.collections_run(today=due + timedelta(days=1)) == 1
    assert any("ap@jincheng.cn" in m.to for m in mailoutbox)
    services.promise_add(
        actor=world.owner, invoice=invoice, data={"amount": "100", "promised_on": due + timedelta(days=25)}
    )
    assert services.collections_run(today=due + timedelta(days=20)) == 0  # the promise holds it
    promise = invoice.promises.get()
    assert services.collections_run(today=due + timedelta(days=26)) == 1  # broken: the AR calls
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    assert services.collections_run(today=due + timedelta(days=31)) == 1  # escalated
    steps = list(CollectionStep.objects.filter(invoice=invoice).order_by("level"))
    assert [s.level for s in steps] == [1, 2, 3]
    assert steps[1].activity.owner == world.owner
    assert steps[2].activity.owner == world.manager
    assert services.collections_run(today=due + timedelta(days=60)) == 0
    with pytest.raises(PermissionDenied):
        services.promise_add(actor=world.other, invoice=invoice, data={"amount": "1", "promised_on": TODAY()})


def test_bank_statement_import_suggests_and_records(world):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    csv_text = (
        "日期,金额,对方户名,摘要\n"
        f'{TODAY():%Y/%m/%d},"{invoice.total:,}",{invoice.account.name},货款 {invoice.number}\n'
        f"{TODAY()},-300.00,电费,\n"
        f"{TODAY()},88.00,某公司,利息\n"
    )
    statement = services.statement_import(actor=world.finance, filename="bank.csv", content=csv_text.encode("gb18030"))
    assert statement.line_count == 2
    line = statement.lines.get(row=2)
    (best, *_rest) = services.suggestions(line)
    assert best.invoice == invoice
    assert best.score == 115
    payment = services.statement_line_record(
        actor=world.finance,
        line=line,
        account_id=invoice.account_id,
        allocations=[{"invoice_id": invoice.pk, "amount": line.amount}],
    )
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert payment.bank_reference.endswith(invoice.number)
    with pytest.raises(ValidationError):
        services.statement_line_record(actor=world.finance, line=line, account_id=invoice.account_id)
    with pytest.raises(ValidationError) as exc:
        services.statement_import(actor=world.finance, filename="bad.csv", content=b"date,amount\n2026-13-01,abc\n")
    assert {"rows.2.amount", "rows.2.date"} <= set(exc.value.message_dict)


def test_aging_as_of_a_past_date_adds_back_later_payments(world):
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    Invoice.objects.filter(pk=invoice.pk).update(
        issue_date=TODAY() - timedelta(days=80), due_date=TODAY() - timedelta(days=50)
    )
    pay(invoice, world.finance, Decimal("1000.00"))
    now = selectors.aging(user=world.finance, as_of=TODAY())
    assert now.total["d31_60"] == invoice.total - Decimal("1000.00")
    before = selectors.aging(user=world.finance, as_of=TODAY() - timedelta(days=1))
    assert before.total["d31_60"] == invoice.total
    assert selectors.aging(user=world.finance, as_of=TODAY() - timedelta(days=81)).grand_total == 0
    by_ar = selectors.aging(user=world.finance, as_of=TODAY(), group="ar")
    assert by_ar.rows[0]["name"] == str(world.owner)
    assert selectors.aging(user=world.other, as_of=TODAY()).grand_total == 0
    assert selectors.aging(user=world.owner, as_of=TODAY()).grand_total == now.grand_total
    assert selectors.dso(user=world.finance, as_of=TODAY()) is not None
    months = selectors.forecast(user=world.finance, today=TODAY())
    assert months[0]["invoiced"] == invoice.total - Decimal("1000.00")  # overdue: expected now
    acceptance = BillingLine.objects.get(contract=contract, trigger="acceptance")
    expected = (acceptance.expected_on + timedelta(days=acceptance.days)).replace(day=1)
    assert [m["scheduled"] for m in months if m["month"] == expected] == [acceptance.amount]
    assert sum(m["scheduled"] for m in months) == acceptance.amount  # the retention falls later


def test_the_daily_command_runs_invoices_and_collections(world):
    contract = signed_contract(world, team_of(world))
    (advance,) = issue_drafts(contract, world.finance)
    Invoice.objects.filter(pk=advance.pk).update(due_date=TODAY() - timedelta(days=2))
    BillingLine.objects.filter(contract=contract, trigger="warranty").update(trigger="date", expected_on=TODAY())
    out = StringIO()
    call_command("billing_daily", stdout=out)
    assert "run_invoices" in out.getvalue()
    assert Invoice.objects.filter(contract=contract, billing_line__trigger="date", status="draft").count() == 1
    assert list(CollectionStep.objects.filter(invoice=advance).values_list("level", flat=True)) == [1]
