"""Revenue management (开票与回款): the billing schedule, invoices and credit notes, payments and
their allocation (核销), collections and bank statements.

Money documents are never deleted and never edited after issue: an invoice is cancelled or
credited by a credit note (红字) that references it; a payment is refunded or reversed by a new
entry; an allocation is undone by a negative allocation. The running balances on invoices and
payments (`credited`, `allocated`, `open_amount` ...) are kept by the services in the same
transaction as the entries, so reports read one row per document.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.billing.choices import (
    CollectionLevel,
    InvoiceKind,
    InvoiceState,
    InvoiceStatus,
    LineStatus,
    PaymentKind,
    PaymentMethod,
    PromiseStatus,
    StatementLineStatus,
)
from ltc.catalog.choices import TaxRate
from ltc.contracts.models import Contract, ContractLine, ContractTerm, Milestone
from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field
from ltc.customers.models import Account
from ltc.quotes.choices import TermTrigger
from ltc.quotes.models import percent_field

User = settings.AUTH_USER_MODEL
ZERO = Decimal(0)


def _person(verbose_name: object, **kwargs: object) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=verbose_name, **kwargs)  # type: ignore[arg-type]


class BillingLine(models.Model):
    """A line of a contract's billing schedule: a payment term of a contract version with its
    trigger, share and amount. Planned until the trigger fires (signing, a milestone delivered or
    accepted, a date, the end of the warranty), then due; invoiced once a draft invoice bills it.
    An amendment supersedes the lines not yet invoiced and plans new ones."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="billing_lines")
    contract_version = models.PositiveSmallIntegerField(_("contract version"))
    term = models.ForeignKey(ContractTerm, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("payment milestone"), max_length=100)
    trigger = models.CharField(_("due"), max_length=12, choices=TermTrigger.choices)
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("milestone")
    )
    days = models.PositiveSmallIntegerField(_("payment days"), default=0)
    percent = percent_field(_("share %"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    expected_on = models.DateField(_("expected"), null=True, blank=True)
    due_on = models.DateField(_("trigger fired on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.PLANNED)
    invoice = models.ForeignKey(
        "Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("invoice")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "position", "id"]
        verbose_name = _("billing schedule line")
        verbose_name_plural = _("billing schedule")
        indexes = [
            models.Index(fields=["status", "due_on"], name="billing_line_due", condition=Q(status="due")),
            models.Index(fields=["trigger", "expected_on"], name="billing_line_planned", condition=Q(status="planned")),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="billing_line_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.label} {self.amount}"


class Invoice(VersionedModel):
    """An invoice (or a credit note, 红字) to a customer. A draft has no number; issuing gives it
    the next number of its series and year and freezes it. Its open balance is its total less
    the credit notes on it and the payments allocated to it; a credit note's balance is zero."""

    kind = models.CharField(_("kind"), max_length=8, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(_("number"), max_length=20, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("customer"))
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("contract")
    )
    billing_line = models.ForeignKey(
        BillingLine, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("credits invoice"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    payment_days = models.PositiveSmallIntegerField(_("payment days"), default=30)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    tax_invoice_number = models.CharField(_("tax invoice (发票) number"), max_length=40, blank=True)
    tax_invoice_date = models.DateField(_("tax invoice date"), null=True, blank=True)
    net_total = money_field(_("net"), default=ZERO)
    tax_total = money_field(_("VAT"), default=ZERO)
    total = money_field(_("total"), default=ZERO)
    credited = money_field(_("credited"), default=ZERO)
    allocated = money_field(_("paid"), default=ZERO)
    open_amount = money_field(_("open"), default=ZERO)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    collection_level = models.PositiveSmallIntegerField(
        _("collection level"), choices=CollectionLevel.choices, default=CollectionLevel.NONE
    )
    created_by = _person(_("created by"), null=True, blank=True)
    issued_by = _person(_("issued by"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="invoice_number_once"),
            models.CheckConstraint(condition=Q(open_amount__gte=0), name="invoice_open_not_negative"),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                # Rounded: SQLite computes on floats.
                condition=Q(open_amount=Round(F("total") - F("credited") - F("allocated"), 2))
                | Q(kind="credit")
                | Q(number=""),
                name="invoice_open_is_balance",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="invoice_newest"),
            models.Index(fields=["status", "-created_at"], name="invoice_status"),
            models.Index(fields=["due_date"], name="invoice_open_due", condition=Q(open_amount__gt=0)),
            models.Index(fields=["account", "status"], name="invoice_account"),
            models.Index(fields=["contract", "status"], name="invoice_contract"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice_detail", args=[self.pk])

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def state(self) -> str:
        """An InvoiceState: a draft, a cancelled invoice and a credit note read as their status;
        an issued invoice as its open balance stands today — paid (or credited) in full, overdue,
        partly paid, or issued with nothing received yet."""
        if self.status != InvoiceStatus.ISSUED or self.is_credit_note:
            return str(self.status)
        if self.open_amount <= 0:
            return InvoiceState.PAID if self.allocated > 0 else InvoiceState.CREDITED
        if self.days_overdue():
            return InvoiceState.OVERDUE
        return InvoiceState.PART_PAID if self.allocated > 0 else InvoiceState.ISSUED

    def get_state_display(self) -> str:
        return str(InvoiceState(self.state).label)

    def days_overdue(self, today: object = None) -> int:
        today = today or timezone.localdate()
        if self.due_date is None or self.open_amount <= 0:
            return 0
        return max(0, int((today - self.due_date).days))  # type: ignore[operator]


class InvoiceLine(models.Model):
    """A line of an invoice: its share of a contract line (traceable by key to the quote line),
    with the line's VAT rate."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    contract_line = models.ForeignKey(
        ContractLine, null=True, blank=True, on_delete=models.PROTECT, db_constraint=False, related_name="+"
    )
    line_key = models.PositiveIntegerField(_("contract line"), null=True, blank=True)
    code = models.CharField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("description"), max_length=200)
    net_amount = money_field(_("net"))
    tax_rate = models.PositiveSmallIntegerField(_("VAT rate"), choices=TaxRate.choices)
    tax_amount = money_field(_("VAT"))
    total = money_field(_("total"))

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return f"{self.name} {self.total}"


class Payment(models.Model):
    """Money received from a customer (回款), or a refund or reversal of such a receipt (each a new
    entry that names the receipt). A receipt's unallocated remainder is the customer's credit."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=PaymentKind.choices, default=PaymentKind.RECEIPT)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    amount = money_field(_("amount"))
    received_on = models.DateField(_("date"))
    method = models.CharField(
        _("method"), max_length=6, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followers",
        verbose_name=_("receipt"),
    )
    allocated = money_field(_("allocated"), default=ZERO)
    refunded = money_field(_("refunded"), default=ZERO)
    reversed = models.BooleanField(_("reversed"), default=False)
    unallocated = money_field(_("unallocated"), default=ZERO)
    recorded_by = _person(_("recorded by"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(unallocated__gte=0), name="payment_unallocated_not_negative"),
            models.CheckConstraint(
                condition=Q(
                    kind="receipt", reversed=False, unallocated=Round(F("amount") - F("allocated") - F("refunded"), 2)
                )
                | ((~Q(kind="receipt") | Q(reversed=True)) & Q(unallocated=0, allocated=0)),
                name="payment_unallocated_is_rest",
            ),
        ]
        indexes = [
            models.Index(fields=["-received_on", "-id"], name="payment_newest"),
            models.Index(fields=["account", "kind"], name="payment_account"),
            models.Index(fields=["bank_reference"], name="payment_reference"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("billing:payment_detail", args=[self.pk])

    @property
    def is_receipt(self) -> bool:
        return self.kind == PaymentKind.RECEIPT


class Allocation(models.Model):
    """Part of a receipt applied to an invoice (核销). Undone only by a negative allocation that
    names the one it reverses."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = money_field(_("amount"))
    applied_on = models.DateField(_("date"))
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = _person(_("by"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["applied_on"], name="allocation_applied")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class PromiseToPay(models.Model):
    """The customer's promise to pay an overdue invoice by a date; escalation waits for it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="promises")
    amount = money_field(_("amount"))
    promised_on = models.DateField(_("promised for"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=6, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    recorded_by = _person(_("recorded by"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice", "-promised_on", "-id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} by {self.promised_on}"


class CollectionStep(models.Model):
    """One step of the collection of an overdue invoice: a reminder e-mail to the customer, a
    call task for the AR, an escalation to the AR's manager."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="collection_steps")
    level = models.PositiveSmallIntegerField(_("level"), choices=CollectionLevel.choices)
    taken_on = models.DateField(_("date"))
    days_overdue = models.PositiveIntegerField(_("days overdue"))
    sent_to = models.CharField(_("to"), max_length=200, blank=True)
    activity = models.ForeignKey(
        "core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice", "level"]
        constraints = [models.UniqueConstraint(fields=["invoice", "level"], name="collection_step_once")]


class BankStatement(models.Model):
    """An imported bank statement (CSV); its lines are matched to customers and invoices."""

    filename = models.CharField(_("file"), max_length=200)
    imported_by = _person(_("imported by"))
    imported_at = models.DateTimeField(default=timezone.now)
    line_count = models.PositiveIntegerField(_("lines"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("billing:statement_detail", args=[self.pk])


class StatementLine(models.Model):
    """A credit on the bank statement: who paid how much with which reference."""

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField(_("row"))
    booked_on = models.DateField(_("date"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    payer = models.CharField(_("payer"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=StatementLineStatus.choices, default=StatementLineStatus.OPEN
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["statement", "row"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="statement_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.payer}"
