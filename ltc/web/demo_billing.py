"""The demo's billing: signing billed the 30% advance and the accepted hardware milestone billed
the 60% acceptance payment (finance got a task and an e-mail each time). Finance issued the
advance seven weeks ago — it is unpaid, 20 days overdue, and the collection run reminded the
customer and gave the AR a call task. The acceptance invoice was issued and paid by two bank
transfers. A bank statement waits with a partial payment of the advance to match."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ltc.billing import services
from ltc.billing.choices import InvoiceStatus
from ltc.billing.models import Invoice
from ltc.contracts.models import Contract
from ltc.org.models import User


def seed_billing(users: dict[str, User]) -> None:
    contract = Contract.objects.filter(billing_lines__isnull=False).order_by("id").first()
    if contract is None or Invoice.objects.exclude(number="").exists():
        return
    finance = users["zhou"]
    today = timezone.localdate()
    drafts = {
        i.billing_line.trigger: i
        for i in Invoice.objects.filter(contract=contract, status=InvoiceStatus.DRAFT).select_related("billing_line")
        if i.billing_line is not None
    }
    advance, acceptance = drafts.get("signing"), drafts.get("acceptance")
    if advance is not None:
        services.invoice_issue(
            actor=finance, invoice=advance, expected_version=advance.version, issue_date=today - timedelta(days=50)
        )
        advance.refresh_from_db()
        services.tax_invoice_record(
            actor=finance, invoice=advance, number="04403260001", issued_on=today - timedelta(days=50)
        )
        services.collections_run(today=today)
    if acceptance is not None:
        services.invoice_issue(actor=finance, invoice=acceptance, expected_version=acceptance.version)
        acceptance.refresh_from_db()
        first = (acceptance.total * Decimal("0.6")).quantize(Decimal("0.01"))
        for value, reference in ((first, "CMB2026112700123"), (acceptance.total - first, "CMB2026112700456")):
            services.payment_record(
                actor=finance,
                data={
                    "account_id": contract.account_id,
                    "amount": value,
                    "received_on": today,
                    "method": "bank",
                    "bank_reference": reference,
                    "allocations": [{"invoice_id": acceptance.pk, "amount": value}],
                },
            )
    if advance is not None:
        part = (advance.total / 2).quantize(Decimal("0.01"))
        csv = (
            "日期,金额,对方户名,摘要\n"
            f"{today:%Y/%m/%d},{part},{contract.account.name},预付款 {advance.number} 第一笔\n"
            f"{today:%Y/%m/%d},1250.00,某物业公司,押金退回\n"
        )
        services.statement_import(actor=finance, filename="招商银行-流水.csv", content=csv.encode("gb18030"))
