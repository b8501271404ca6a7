"""Helpers every contract service uses: state guards and the recorded state change."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ltc.contracts.models import Contract, ContractVersion
from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.org.models import User

TEXT_MAX = 2000


def require_status(contract: Contract, *allowed: str) -> None:
    if contract.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("Not possible while the contract is %(status)s.") % {"status": contract.get_status_display()}
                ]
            }
        )


def move(actor: User, contract: Contract, expected_version: int, status: str, text: str, **fields: Any) -> None:
    """Change the contract's state (and `fields`) if nobody changed it since it was read."""
    old = contract.get_status_display()
    contract.status = status
    for name, value in fields.items():
        setattr(contract, name, value)
    save_if_current(contract, expected_version=expected_version, fields=["status", *fields])
    timeline.note_add(
        actor=actor,
        subject=contract,
        text=f"{old} → {contract.get_status_display()}. {text}".strip(),
    )


def current_of(contract: Contract) -> ContractVersion:
    """The contract's current version (every contract has one from its creation on)."""
    if contract.current is None:
        raise ValidationError({"contract": [_("This contract has no version.")]})
    return contract.current
