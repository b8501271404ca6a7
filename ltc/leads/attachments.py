"""Files on leads (ltc.core.attachments): seen by whoever sees the lead, attached and removed by
whoever may change it."""

from __future__ import annotations

from ltc.core.attachments import Attachable, register
from ltc.core.models import AttachmentRecordType
from ltc.leads.access import can_change_lead
from ltc.leads.models import Lead
from ltc.leads.selectors import lead_get

register(
    Attachable(
        kind=AttachmentRecordType.LEAD,
        model=Lead,
        fetch=lambda user, pk: lead_get(user=user, pk=pk),
        may_attach=can_change_lead,
    )
)
