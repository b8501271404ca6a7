"""The demo's installed base (装机清单): the assets the reaction made when the customer accepted
the demo contract's hardware milestone (硬件到货), given their serial numbers and site and the
service contract seed_sla made, and one older gateway of 上海锦程智能制造有限公司 recorded by hand
whose warranty ends within 60 days (for the renewals)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ltc.catalog.models import Product
from ltc.contracts.choices import MilestoneStatus
from ltc.contracts.models import Contract
from ltc.customers.models import Account
from ltc.org.models import User
from ltc.service.models import Asset, AssetStatus, Entitlement, EntitlementStatus
from ltc.service.services.assets import asset_create, asset_update, assets_from_contract

CUSTOMER = "上海锦程智能制造有限公司"
SITE = "上海松江工厂 3 号厂房"
OLD_GATEWAY = "数据采集网关（一期）"
SERIALS_SHOWN = 20  # serial numbers given to one asset at most


def _serials(asset: Asset, year: int) -> str:
    count = min(int(asset.quantity), SERIALS_SHOWN)
    return "\n".join(f"{asset.code}-{year}{asset.pk:03d}{n:03d}" for n in range(1, count + 1))


def seed_assets(users: dict[str, User]) -> None:
    agent = users["he"]
    today = timezone.localdate()
    accepted = Contract.objects.filter(
        Q(milestones__status=MilestoneStatus.ACCEPTED) | Q(completed_at__isnull=False)
    ).distinct()
    for contract in accepted.select_related("current").order_by("id"):
        # The reaction made them at the acceptance; again now, it attaches the entitlement seed_sla made.
        assets_from_contract(actor=None, contract=contract)
    for asset in Asset.objects.filter(contract__isnull=False, status=AssetStatus.ACTIVE, site="").order_by("id"):
        asset_update(
            actor=agent,
            asset=asset,
            expected_version=asset.version,
            data={"serial_numbers": _serials(asset, today.year), "site": SITE},
        )
    account = Account.objects.filter(name=CUSTOMER).first()
    if account is None or Asset.objects.filter(account=account, name=OLD_GATEWAY).exists():
        return
    entitlement = (
        Entitlement.objects.filter(account=account, status=EntitlementStatus.ACTIVE).order_by("-ends_on").first()
    )
    product = Product.objects.filter(code="GW-IOT").first()
    accepted_on = today - timedelta(days=365 * 3 - 45)
    asset_create(
        actor=agent,
        data={
            "account_id": account.pk,
            "product_id": product.pk if product else None,
            "code": "GW-IOT-V1",
            "name": OLD_GATEWAY,
            "quantity": Decimal(4),
            "serial_numbers": "\n".join(f"GW1-2023{n:04d}" for n in range(1, 5)),
            "site": "上海松江工厂 1 号厂房",
            "delivered_on": accepted_on - timedelta(days=7),
            "accepted_on": accepted_on,
            "warranty_ends_on": today + timedelta(days=45),  # three years' warranty, ending soon
            "entitlement_id": entitlement.pk if entitlement else None,
        },
    )
