"""The installed base follows the contract's execution: when the customer accepts a milestone
(MilestoneAccepted) or the contract is completed (ContractCompleted), the assets of its delivered
and accepted lines are made or updated — in the same transaction, so an acceptance never commits
without its assets."""

from __future__ import annotations

from ltc.contracts.events import ContractCompleted, MilestoneAccepted
from ltc.contracts.models import Contract
from ltc.core.events import IN_TRANSACTION, react
from ltc.service.services.assets import assets_from_contract


def _contract(pk: int) -> Contract | None:
    return Contract.objects.select_related("current").filter(pk=pk).first()


def assets_on_acceptance(event: MilestoneAccepted) -> None:
    contract = _contract(event.contract_id)
    if contract is not None:
        assets_from_contract(actor=None, contract=contract)


def assets_on_completion(event: ContractCompleted) -> None:
    contract = _contract(event.subject_id)
    if contract is not None:
        assets_from_contract(actor=None, contract=contract)


def register() -> None:
    react(MilestoneAccepted, assets_on_acceptance, runs=IN_TRANSACTION)
    react(ContractCompleted, assets_on_completion, runs=IN_TRANSACTION)


register()  # on import, from ltc.service.wiring (AppConfig.ready), like the record-page panels
