"""Files on invoices and payments (ltc.core.attachments): seen by whoever sees the billing record,
attached by finance staff; never removed (money documents keep their evidence)."""

from __future__ import annotations

from ltc.billing.access import can_bill
from ltc.billing.models import Invoice, Payment
from ltc.billing.selectors import invoice_get, payment_get
from ltc.core.attachments import Attachable, register
from ltc.core.models import AttachmentRecordType

register(
    Attachable(
        kind=AttachmentRecordType.INVOICE,
        model=Invoice,
        fetch=lambda user, pk: invoice_get(user=user, pk=pk),
        may_attach=lambda user, _invoice: can_bill(user),
        permanent=True,
    )
)
register(
    Attachable(
        kind=AttachmentRecordType.PAYMENT,
        model=Payment,
        fetch=lambda user, pk: payment_get(user=user, pk=pk),
        may_attach=lambda user, _payment: can_bill(user),
        permanent=True,
    )
)
