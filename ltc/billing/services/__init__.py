"""Billing services: the schedule and the invoice run, invoices and credit notes, payments and
allocation, bank statements, collections."""

from ltc.billing.services.collections import collections_run, may_collect, promise_add
from ltc.billing.services.invoicing import (
    invoice_cancel,
    invoice_credit,
    invoice_issue,
    invoice_update,
    line_invoice,
    tax_invoice_record,
)
from ltc.billing.services.payments import payment_allocate, payment_record, payment_refund, payment_reverse
from ltc.billing.services.schedule import bill_fired, invoice_run, plan, replan
from ltc.billing.services.statements import line_ignore, line_record, statement_import, suggestions

__all__ = [
    "bill_fired",
    "collections_run",
    "invoice_cancel",
    "invoice_credit",
    "invoice_issue",
    "invoice_run",
    "invoice_update",
    "line_ignore",
    "line_invoice",
    "line_record",
    "may_collect",
    "payment_allocate",
    "payment_record",
    "payment_refund",
    "payment_reverse",
    "plan",
    "promise_add",
    "replan",
    "statement_import",
    "suggestions",
    "tax_invoice_record",
]
