"""Leads in the recycle bin (core.recycle): deleted with their activities, restorable for 30
days by whoever may change them; a converted lead is never deleted."""

from __future__ import annotations

from ltc.core.recycle import BinKind, RecycleKind, register
from ltc.leads.access import can_change_lead
from ltc.leads.models import Lead
from ltc.leads.services.deletion import refuse_converted

register(
    RecycleKind(key=BinKind.LEAD, model=Lead, may_change=can_change_lead, refuse=refuse_converted, prefetch=("owner",))
)
