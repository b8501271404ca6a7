"""Small builders for the renewals, upsell, panel and KPI tests (records made directly: these tests
are about what reads and reacts to them, not about how the other service areas make them)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from ltc.customers.models import Account
from ltc.service.models import (
    Asset,
    BusinessCalendar,
    Case,
    Entitlement,
    SlaPolicy,
    SupportLevel,
)

_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def policy() -> SlaPolicy:
    calendar = BusinessCalendar.objects.filter(is_default=True).first() or BusinessCalendar.objects.create(
        name="标准日历", is_default=True
    )
    return SlaPolicy.objects.create(name="标准服务", calendar=calendar)


def asset(account: Account, *, warranty_ends_on: date | None, name: str = "边缘服务器", **fields: Any) -> Asset:
    return Asset.objects.create(
        account=account, code=f"AS-{next(_numbers):04d}", name=name, warranty_ends_on=warranty_ends_on, **fields
    )


def entitlement(account: Account, *, starts_on: date, ends_on: date, **fields: Any) -> Entitlement:
    values = {"name": "标准维保", "level": SupportLevel.STANDARD, "policy": policy(), **fields}
    return Entitlement.objects.create(account=account, starts_on=starts_on, ends_on=ends_on, **values)


def case(account: Account, **fields: Any) -> Case:
    n = next(_numbers)
    values = {"subject": "设备报警", "number": f"CS-2026-{n:04d}", "thread_key": f"test-{n}", **fields}
    return Case.objects.create(account=account, **values)
