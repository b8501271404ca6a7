"""Property-based (stateful) test of the money invariants: for any sequence of issue, credit,
pay, allocate, refund and reverse — an invoice's open balance = total − credits − allocations ≥ 0;
a receipt's allocations never exceed it; the customer's balance = invoices − credits − receipts
+ reversals + refunds; nothing is ever deleted; invoice numbers stay gapless."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ltc.billing import selectors, services
from ltc.billing.choices import InvoiceKind, InvoiceStatus, PaymentKind
from ltc.billing.models import Allocation, Invoice, Payment
from ltc.contracts.tests.factories import signed_contract, team_of

pytestmark = pytest.mark.django_db
CENTS = st.integers(min_value=1, max_value=5_000_000).map(lambda c: Decimal(c) / 100)


def _counts() -> tuple[int, int, int]:
    return Invoice.objects.count(), Payment.objects.count(), Allocation.objects.count()


class Ledger(RuleBasedStateMachine):
    """One customer's invoices and payments under random operations (errors are allowed: a
    refused operation must change nothing)."""

    world = None

    @initialize()
    def setup(self) -> None:
        # Each example runs in its own transaction, rolled back at teardown: a fresh ledger.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        world = type(self).world
        self.finance = world.finance
        self.contract = signed_contract(world, team_of(world))
        self.account = world.account.pk
        self.template = Invoice.objects.get(contract=self.contract)
        self.seen = _counts()

    def teardown(self) -> None:
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _draft(self, total: Decimal) -> Invoice:
        template = self.template
        return Invoice.objects.create(
            account_id=self.account,
            contract_id=template.contract_id,
            currency="CNY",
            total=total,
            net_total=total,
            payment_days=30,
        )

    def _open(self) -> list[Invoice]:
        return list(
            Invoice.objects.filter(
                account_id=self.account, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, open_amount__gt=0
            )
        )

    def _receipts(self) -> list[Payment]:
        return list(Payment.objects.filter(account_id=self.account, kind=PaymentKind.RECEIPT, reversed=False))

    @rule(total=CENTS)
    def issue(self, total: Decimal) -> None:
        draft = self._draft(total)
        services.invoice_issue(actor=self.finance, invoice=draft, expected_version=draft.version)

    @rule(data=st.data(), value=CENTS)
    def credit(self, data: st.DataObject, value: Decimal) -> None:
        candidates = self._open()
        if not candidates:
            return
        invoice = data.draw(st.sampled_from(candidates))
        with contextlib.suppress(ValidationError):
            services.invoice_credit(actor=self.finance, invoice=invoice, value=value, reason="调整")

    @rule(data=st.data(), value=CENTS, allocate=st.booleans())
    def pay(self, data: st.DataObject, value: Decimal, allocate: bool) -> None:
        candidates = self._open()
        allocations = []
        if allocate and candidates:
            invoice = data.draw(st.sampled_from(candidates))
            allocations = [{"invoice_id": invoice.pk, "amount": data.draw(CENTS)}]
        with contextlib.suppress(ValidationError):
            services.payment_record(
                actor=self.finance,
                data={
                    "account_id": self.account,
                    "amount": value,
                    "received_on": timezone.localdate(),
                    "allocations": allocations,
                },
            )

    @precondition(lambda self: bool(self._receipts()))
    @rule(data=st.data())
    def allocate(self, data: st.DataObject) -> None:
        payment = data.draw(st.sampled_from(self._receipts()))
        candidates = self._open()
        if not candidates:
            return
        invoice = data.draw(st.sampled_from(candidates))
        with contextlib.suppress(ValidationError):
            services.payment_allocate(
                actor=self.finance, payment=payment, items=[{"invoice_id": invoice.pk, "amount": data.draw(CENTS)}]
            )

    @precondition(lambda self: bool(self._receipts()))
    @rule(data=st.data(), value=CENTS)
    def refund(self, data: st.DataObject, value: Decimal) -> None:
        payment = data.draw(st.sampled_from(self._receipts()))
        with contextlib.suppress(ValidationError):
            services.payment_refund(actor=self.finance, payment=payment, data={"amount": value})

    @precondition(lambda self: bool(self._receipts()))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        payment = data.draw(st.sampled_from(self._receipts()))
        with contextlib.suppress(ValidationError):
            services.payment_reverse(actor=self.finance, payment=payment, reason="退票")

    @invariant()
    def invoices_balance(self) -> None:
        for invoice in Invoice.objects.filter(kind=InvoiceKind.INVOICE).exclude(number=""):
            credits = invoice.credit_notes.aggregate(s=Sum("total"))["s"] or Decimal(0)
            paid = invoice.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            assert invoice.credited == credits
            assert invoice.allocated == paid
            assert invoice.open_amount == invoice.total - credits - paid
            assert invoice.open_amount >= 0

    @invariant()
    def payments_never_over_allocated(self) -> None:
        for payment in Payment.objects.filter(kind=PaymentKind.RECEIPT):
            allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            refunded = payment.followers.filter(kind=PaymentKind.REFUND).aggregate(s=Sum("amount"))["s"] or Decimal(0)
            assert allocated == payment.allocated
            assert allocated + refunded <= payment.amount
            assert payment.unallocated == (0 if payment.reversed else payment.amount - allocated - refunded)

    @invariant()
    def customer_balance(self) -> None:
        balance = selectors.balances(user=self.finance, account=self.account)
        expected = (
            balance["invoiced"] - balance["credited"] - balance["received"] + balance["reversed"] + balance["refunded"]
        )
        assert balance["balance"] == expected
        assert balance["balance"] == balance["open"] - balance["credit"]

    @invariant()
    def nothing_deleted_and_numbers_gapless(self) -> None:
        now = _counts()
        assert all(n >= seen for n, seen in zip(now, self.seen, strict=True))
        self.seen = now
        for prefix in ("INV", "CN"):
            numbers = sorted(
                int(n[-6:]) for n in Invoice.objects.filter(number__startswith=prefix).values_list("number", flat=True)
            )
            assert numbers == list(range(1, len(numbers) + 1))


def test_money_invariants_hold_for_any_sequence(world) -> None:
    team_of(world)  # the contract's people exist outside the examples
    Ledger.world = world
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
