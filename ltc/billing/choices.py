"""Status and kind enums of billing."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A retention's days count from the acceptance to when it falls due; its invoice is then payable
# within these days.
RETENTION_PAYMENT_DAYS = 30


class LineStatus(models.TextChoices):
    """A billing schedule line: waiting for its trigger, due (trigger fired, no live invoice),
    invoiced, or superseded when an amendment re-planned it before it was invoiced."""

    PLANNED = "planned", _("Planned")
    DUE = "due", _("Due")
    INVOICED = "invoiced", _("Invoiced")
    SUPERSEDED = "superseded", _("Re-planned")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")


class InvoiceState(models.TextChoices):
    """How an invoice reads: its status, and for an issued invoice how its payment stands."""

    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PART_PAID = "part_paid", pgettext_lazy("invoice state", "Partly paid")
    OVERDUE = "overdue", pgettext_lazy("invoice state", "Overdue")
    PAID = "paid", pgettext_lazy("invoice state", "Paid")
    CREDITED = "credited", pgettext_lazy("invoice state", "Credited")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank", _("Bank transfer")
    ACCEPTANCE_BILL = "bill", _("Acceptance bill (承兑汇票)")
    OTHER = "other", _("Other")


class CollectionLevel(models.IntegerChoices):
    NONE = 0, _("None")
    REMINDER = 1, _("Reminder to the customer")
    CALL = 2, _("Call by the AR")
    ESCALATION = 3, _("Escalated to the manager")


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class StatementLineStatus(models.TextChoices):
    OPEN = "open", _("To match")
    RECORDED = "recorded", _("Recorded")
    IGNORED = "ignored", _("Ignored")
