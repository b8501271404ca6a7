"""Billing services: the schedule and the invoice run, invoices and credit notes, payments and
allocation, bank statements, collections."""

from ltc.billing.services.collections import collections_run, may_collect, promise_add
from ltc.billing.services.invoicing import (
    billing_line_invoice,
    invoice_cancel,
    invoice_credit,
    invoice_issue,
    invoice_update,
    tax_invoice_record,
)
from ltc.billing.services.payments import payment_allocate, payment_record, payment_refund, payment_reverse
from ltc.billing.services.schedule import invoice_run, schedule_bill_fired, schedule_plan, schedule_replan
from ltc.billing.services.statements import statement_import, statement_line_ignore, statement_line_record, suggestions

__all__ = [
    "schedule_bill_fired",
    "collections_run",
    "invoice_cancel",
    "invoice_credit",
    "invoice_issue",
    "invoice_run",
    "invoice_update",
    "statement_line_ignore",
    "billing_line_invoice",
    "statement_line_record",
    "may_collect",
    "payment_allocate",
    "payment_record",
    "payment_refund",
    "payment_reverse",
    "schedule_plan",
    "promise_add",
    "schedule_replan",
    "statement_import",
    "suggestions",
    "tax_invoice_record",
]
