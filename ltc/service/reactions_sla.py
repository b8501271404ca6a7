"""Service's reaction to a signed contract: the account gets a standard entitlement over the
contract's period for the products of its lines (ltc.service.services.entitlements), after the
signature commits: a failure here is retried by the worker and never undoes a signature (the
entitlement is made once per contract, so a replay changes nothing). Registered on import
(ltc.service.wiring)."""

from __future__ import annotations

from ltc.contracts.events import ContractSigned
from ltc.core.events import AFTER_COMMIT, react


def entitlement_for_signed_contract(event: ContractSigned) -> None:
    from ltc.service.services.entitlements import entitlement_from_contract

    entitlement_from_contract(contract_id=event.subject_id)


react(ContractSigned, entitlement_for_signed_contract, runs=AFTER_COMMIT)
