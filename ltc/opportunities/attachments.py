"""Files on deals (ltc.core.attachments), beside the checklist's documents: seen by whoever sees the
deal, attached and removed by those who work it (its iron triangle, sponsor and the AR side)."""

from __future__ import annotations

from typing import Any

from ltc.core.access import fetch_or_404
from ltc.core.attachments import Attachable, register
from ltc.core.models import AttachmentRecordType
from ltc.opportunities.access import can_work, opportunity_scope
from ltc.opportunities.models import Opportunity


def _deal(user: Any, pk: Any) -> Opportunity:
    return fetch_or_404(opportunity_scope(Opportunity.objects.select_related("owner__team"), user), pk=pk)


register(
    Attachable(
        kind=AttachmentRecordType.OPPORTUNITY,
        model=Opportunity,
        fetch=_deal,
        may_attach=can_work,
    )
)
