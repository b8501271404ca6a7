"""The demo's business calendar, SLA policies and entitlements: the default calendar with the
Chinese holidays and adjusted working days (调休) the library knows, the standard policy 标准服务
and a premium one 金牌服务, and an entitlement for every signed demo contract (the reaction to
`contract.signed` has usually made it already) — the first one upgraded to premium."""

from __future__ import annotations

from ltc.contracts.models import Contract
from ltc.org.models import User
from ltc.service.models import Entitlement, EntitlementStatus, SlaPolicy, SupportLevel
from ltc.service.services import entitlements, policies
from ltc.service.services.clock import default_calendar

PREMIUM_NAME = "金牌服务"
PREMIUM_TARGETS = {"p1": (30, 120), "p2": (120, 480), "p3": (240, 1440), "p4": (480, 2880)}


def seed_sla(users: dict[str, User]) -> None:
    default_calendar()
    policies.default_policy()
    premium = SlaPolicy.objects.filter(name=PREMIUM_NAME).first()
    if premium is None:
        premium = policies.policy_create(
            actor=users["admin"], data={"name": PREMIUM_NAME, "warn_at_pct": 75, "targets": PREMIUM_TARGETS}
        )
    signed = list(Contract.objects.filter(signed_on__isnull=False).order_by("id").values_list("pk", flat=True))
    for contract_id in signed:
        entitlements.entitlement_from_contract(contract_id=contract_id)  # idempotent
    first = (
        Entitlement.objects.filter(contract_id__in=signed[:1], status=EntitlementStatus.ACTIVE)
        .select_related("contract")
        .exclude(level=SupportLevel.PREMIUM)
        .first()
    )
    if first is not None:
        entitlements.entitlement_update(
            actor=users["he"],
            entitlement=first,
            data={
                "level": SupportLevel.PREMIUM,
                "policy": premium,
                "name": f"{PREMIUM_NAME}（合同 {getattr(first.contract, 'number', '')}）",
            },
            expected_version=first.version,
        )
