"""Who may see a contract, for notifications and mentions (registered from ContractsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ltc.contracts.access import contract_visible_q
from ltc.contracts.models import Contract
from ltc.core.access import register_visibility


def _contract_visible_q(user: Any) -> Q:
    return contract_visible_q(user)


register_visibility(Contract, _contract_visible_q)
