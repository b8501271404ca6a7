"""Files on contracts (ltc.core.attachments): seen by whoever sees the contract, attached by its
people (the iron triangle, the sponsor, the AR and FR sides); never removed."""

from __future__ import annotations

from typing import Any

from ltc.contracts.access import can_work, contract_scope
from ltc.contracts.models import Contract
from ltc.core.access import fetch_or_404
from ltc.core.attachments import Attachable, register
from ltc.core.models import AttachmentRecordType


def _contract(user: Any, pk: Any) -> Contract:
    return fetch_or_404(contract_scope(Contract.objects.select_related("owner__team", "fr__team"), user), pk=pk)


register(
    Attachable(
        kind=AttachmentRecordType.CONTRACT,
        model=Contract,
        fetch=_contract,
        may_attach=can_work,
        permanent=True,
    )
)
