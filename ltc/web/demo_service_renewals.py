"""The demo's renewals and upsell (runs last of service): the renewals run opens a renewal deal
for the AR from the demo customer's asset whose warranty ends soon (seed_assets made it; without
it, an entitlement ending within the window, moved there through the entitlements service), and
an agent flags an upsell on a demo case, which becomes a lead from customer service routed to
sales."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ltc.customers.models import Account
from ltc.org.models import User
from ltc.service.models import (
    OPEN_CASE_STATUSES,
    Asset,
    AssetStatus,
    Case,
    CaseUpsell,
    Entitlement,
    EntitlementStatus,
    Renewal,
)
from ltc.service.services.renewals import renewal_days, renewals_run
from ltc.service.services.upsell import case_upsell_flag

CUSTOMER = "上海锦程智能制造有限公司"


def _something_ending(users: dict[str, User], account: Account) -> None:
    """Without an asset whose warranty ends within the window, bring the account's entitlement's
    end into it (through the entitlements service, so its rules and timeline apply)."""
    today = timezone.localdate()
    horizon = today + timedelta(days=renewal_days())
    ending = Asset.objects.filter(
        account=account, status=AssetStatus.ACTIVE, warranty_ends_on__gte=today, warranty_ends_on__lte=horizon
    )
    if ending.exists():
        return
    entitlement = (
        Entitlement.objects.filter(account=account, status=EntitlementStatus.ACTIVE).order_by("-ends_on").first()
    )
    if entitlement is None or today <= entitlement.ends_on <= horizon:
        return
    from ltc.service.services.entitlements import entitlement_update

    entitlement_update(
        actor=users["ma"],
        entitlement=entitlement,
        expected_version=entitlement.version,
        data={"ends_on": max(entitlement.starts_on, today + timedelta(days=60))},
    )


def _upsell(users: dict[str, User], account: Account) -> None:
    if CaseUpsell.objects.filter(case__account=account).exists():
        return
    cases = Case.objects.filter(account=account, merged_into__isnull=True).select_related("account", "contact")
    case = cases.filter(status__in=OPEN_CASE_STATUSES).order_by("opened_at", "pk").first() or cases.first()
    if case is None:
        from ltc.service.services.cases import case_create

        case = case_create(
            actor=users["he"],
            account=account,
            subject="产线扩建咨询：新厂房需要同样的数据采集方案",
            description="客户计划明年新增两条产线，询问现有 MES 和数据采集网关能否直接扩展。",
        )
    case_upsell_flag(
        actor=users["he"],
        case=case,
        kind="upsell",
        note="客户计划新增两条产线，需要追加 MES 用户许可和 4 台数据采集网关，预计明年一季度采购。",
    )


def seed_renewals(users: dict[str, User]) -> None:
    account = Account.objects.filter(name=CUSTOMER).first()
    if account is None:
        return
    if not Renewal.objects.filter(account=account).exists():
        _something_ending(users, account)
        renewals_run()
    _upsell(users, account)
