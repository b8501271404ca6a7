"""Billing test helpers: issue a contract's drafts and pay what is open."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ltc.billing import services
from ltc.billing.choices import InvoiceKind, InvoiceStatus
from ltc.billing.models import Invoice, Payment
from ltc.contracts.models import Contract


def issue_drafts(contract: Contract, finance: Any) -> list[Invoice]:
    issued = []
    for invoice in Invoice.objects.filter(contract=contract, status=InvoiceStatus.DRAFT).order_by("pk"):
        issued.append(services.invoice_issue(actor=finance, invoice=invoice, expected_version=invoice.version))
    return issued


def pay(invoice: Invoice, finance: Any, value: Decimal | None = None, reference: str = "") -> Payment:
    invoice.refresh_from_db()
    value = invoice.open_amount if value is None else value
    return services.payment_record(
        actor=finance,
        data={
            "account_id": invoice.account_id,
            "amount": value,
            "received_on": timezone.localdate(),
            "bank_reference": reference,
            "allocations": [{"invoice_id": invoice.pk, "amount": value}],
        },
    )


def settle(contract: Contract, finance: Any) -> None:
    """Bill everything (the retention as if its period were over), issue and pay it in full."""
    services.invoice_run(today=timezone.localdate() + timedelta(days=800))
    issue_drafts(contract, finance)
    open_invoices = Invoice.objects.filter(
        contract=contract, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, open_amount__gt=0
    )
    for invoice in open_invoices:
        pay(invoice, finance)
