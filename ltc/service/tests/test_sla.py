"""Business calendars, SLA policies and entitlements: their services, the standard entitlement a
signed contract gives its account, and which entitlement a case gets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from ltc.catalog.tests.factories import Catalog
from ltc.contracts.models import ContractLine
from ltc.contracts.tests.factories import contract_team, signed_contract
from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.service.models import BusinessCalendar, CalendarDay, DayKind, Entitlement, SlaPolicy, SupportLevel
from ltc.service.services import calendars, entitlements, policies
from ltc.service.services.clock import default_calendar
from ltc.service.services.entitlements import entitlement_for

STANDARD = {"p1": (60, 240), "p2": (240, 960), "p3": (480, 2400), "p4": (960, 4800)}


# --- calendars -----------------------------------------------------------------------------------


def test_the_default_calendar_is_made_once(world: Any) -> None:
    first = default_calendar()
    assert calendars.calendar_create_default() == first
    assert BusinessCalendar.objects.filter(is_default=True).count() == 1
    # Seeded from last year to the library's last year (none once the library is outdated).
    expected = [year for year in calendars.library_years() if year >= timezone.localdate().year - 1]
    assert sorted(d.year for d in first.days.dates("day", "year")) == expected


def test_a_year_the_library_does_not_know_is_a_field_error_and_stores_nothing(world: Any) -> None:
    calendar = default_calendar()
    before = CalendarDay.objects.count()
    with pytest.raises(ValidationError) as refused:
        calendars.calendar_import_year(
            actor=world.admin, calendar=calendar, year=2027, expected_version=calendar.version
        )
    assert list(refused.value.message_dict) == ["year"]
    assert "2027 by hand" in refused.value.message_dict["year"][0]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as in_chinese:
        calendars.calendar_import_year(
            actor=world.admin, calendar=calendar, year=2027, expected_version=calendar.version
        )
    assert "手工" in in_chinese.value.message_dict["year"][0]
    assert CalendarDay.objects.count() == before
    calendar.refresh_from_db()
    assert calendar.version == 1


def test_days_are_entered_by_hand_version_checked_and_on_the_timeline(world: Any) -> None:
    calendar = calendars.calendar_create(actor=world.admin, data={"name": "2027 工作日历"})
    entry = calendars.calendar_day_set(
        actor=world.admin,
        calendar=calendar,
        day=date(2027, 2, 8),
        kind=DayKind.HOLIDAY,
        name="春节",
        expected_version=1,
    )
    assert (entry.kind, entry.name, calendar.version) == ("holiday", "春节", 2)
    with pytest.raises(ValidationError) as weekend:
        calendars.calendar_day_set(
            actor=world.admin, calendar=calendar, day=date(2027, 2, 6), kind="holiday", name="", expected_version=2
        )
    assert list(weekend.value.message_dict) == ["day"]
    with pytest.raises(ValidationError) as weekday:
        calendars.calendar_day_set(
            actor=world.admin, calendar=calendar, day=date(2027, 2, 9), kind="workday", name="", expected_version=2
        )
    assert list(weekday.value.message_dict) == ["day"]
    with pytest.raises(StaleVersionError):
        calendars.calendar_day_set(
            actor=world.admin, calendar=calendar, day=date(2027, 2, 20), kind="workday", name="调休", expected_version=1
        )
    calendars.calendar_day_remove(actor=world.admin, calendar=calendar, day=date(2027, 2, 8), expected_version=2)
    assert not CalendarDay.objects.filter(calendar=calendar).exists()
    changes = [e.changes[0] for e in TimelineEvent.objects.filter(object_id=calendar.pk, kind="changed").order_by("id")]
    assert [(c["old"], c["new"]) for c in changes][0][1].startswith("2027-02-08")
    assert changes[-1]["new"] == ""


def test_calendar_hours_are_checked_and_only_configurers_change_calendars(world: Any) -> None:
    calendar = calendars.calendar_create(actor=world.admin, data={"name": "夜班"})
    with pytest.raises(ValidationError) as refused:
        calendars.calendar_update(
            actor=world.admin, calendar=calendar, data={"day_starts": time(18), "day_ends": time(9)}, expected_version=1
        )
    assert list(refused.value.message_dict) == ["day_ends"]
    with pytest.raises(PermissionDenied):  # a service agent who manages no team
        calendars.calendar_update(actor=world.service, calendar=calendar, data={"name": "x"}, expected_version=1)
    calendar.refresh_from_db()
    assert (calendar.name, calendar.day_starts, calendar.version) == ("夜班", time(9), 1)


# --- policies ------------------------------------------------------------------------------------


def test_the_standard_policy(world: Any) -> None:
    policy = policies.default_policy()
    assert policies.default_policy() == policy
    assert (policy.is_default, policy.name) == (True, "Standard support")
    assert policy.calendar == default_calendar()
    targets = {t.priority: (t.first_response_minutes, t.resolution_minutes) for t in policy.targets.all()}
    assert targets == STANDARD


def test_policy_targets_are_validated_field_by_field(world: Any) -> None:
    bad = {**STANDARD, "p2": (300, 200), "p3": (0, 100)}
    del bad["p4"]
    with pytest.raises(ValidationError) as refused:
        policies.policy_create(actor=world.admin, data={"name": "金牌", "warn_at_pct": 100, "targets": bad})
    errors = refused.value.message_dict
    assert set(errors) == {
        "warn_at_pct",
        "p2_resolution_minutes",
        "p3_first_response_minutes",
        "p4_first_response_minutes",
        "p4_resolution_minutes",
    }
    assert "shorter than the first response" in errors["p2_resolution_minutes"][0]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as in_chinese:
        policies.policy_create(actor=world.admin, data={"name": "金牌", "targets": bad})
    assert "首次响应" in in_chinese.value.message_dict["p2_resolution_minutes"][0]
    assert not SlaPolicy.objects.filter(name="金牌").exists()


def test_a_policy_is_created_and_changed_with_its_targets(world: Any) -> None:
    premium = {**STANDARD, "p1": (30, 120)}
    policy = policies.policy_create(actor=world.admin, data={"name": "金牌服务", "targets": premium})
    assert policy.calendar == default_calendar()
    policy = policies.policy_update(
        actor=world.admin,
        policy=policy,
        data={"warn_at_pct": 70, "targets": {**premium, "p1": (15, 120)}},
        expected_version=1,
    )
    assert (policy.version, policy.warn_at_pct) == (2, 70)
    assert policy.targets.get(priority="p1").first_response_minutes == 15
    fields = [c["field"] for e in TimelineEvent.objects.filter(object_id=policy.pk, kind="changed") for c in e.changes]
    assert sorted(fields) == ["sla_targets", "warn_at_pct"]
    with pytest.raises(StaleVersionError):
        policies.policy_update(actor=world.admin, policy=policy, data={"warn_at_pct": 60}, expected_version=1)


def test_the_standard_policy_is_known_by_its_flag_and_stays_active(world: Any) -> None:
    policy = policies.default_policy()
    with pytest.raises(ValidationError) as refused:
        policies.policy_update(
            actor=world.admin, policy=policy, data={"name": "别名", "active": False}, expected_version=policy.version
        )
    assert set(refused.value.message_dict) == {"active"}
    renamed = policies.policy_update(
        actor=world.admin, policy=policy, data={"name": "基础服务"}, expected_version=policy.version
    )
    SlaPolicy.objects.create(name="Standard support", calendar=default_calendar())  # a namesake is no standard
    assert policies.default_policy() == renamed
    assert SlaPolicy.objects.filter(is_default=True).count() == 1
    with pytest.raises(PermissionDenied):
        policies.policy_create(actor=world.service, data={"name": "x", "targets": STANDARD})


# --- entitlements --------------------------------------------------------------------------------


def _give(world: Any, level: str, *, products: tuple[Any, ...] = (), days: int = 365, **kw: Any) -> Entitlement:
    today = timezone.localdate()
    return entitlements.entitlement_create(
        actor=world.service,
        account=world.account,
        name=f"{level} 服务",
        level=level,
        policy=kw.pop("policy", None) or policies.default_policy(),
        starts_on=kw.pop("starts_on", today - timedelta(days=10)),
        ends_on=today + timedelta(days=days),
        products=products,
    )


def test_entitlement_for_prefers_premium_covering_the_product_on_the_day(world: Any) -> None:
    catalog = Catalog()
    today = timezone.localdate()
    basic = _give(world, SupportLevel.BASIC)  # every product
    standard = _give(world, SupportLevel.STANDARD, products=(catalog.server.pk,))
    premium = _give(world, SupportLevel.PREMIUM, products=(catalog.licence.pk,), days=30)
    assert entitlement_for(account_id=world.account.pk, product_id=catalog.licence.pk, on=today) == premium
    assert entitlement_for(account_id=world.account.pk, product_id=catalog.server.pk, on=today) == standard
    assert entitlement_for(account_id=world.account.pk, product_id=catalog.ai.pk, on=today) == basic
    assert entitlement_for(account_id=world.account.pk, on=today) == premium
    # The premium one has ended by then; a cancelled one gives nothing.
    later = today + timedelta(days=60)
    assert entitlement_for(account_id=world.account.pk, product_id=catalog.licence.pk, on=later) == basic
    entitlements.entitlement_cancel(actor=world.service, entitlement=basic, expected_version=basic.version)
    assert entitlement_for(account_id=world.account.pk, product_id=catalog.licence.pk, on=later) is None
    assert entitlement_for(account_id=world.account.pk, on=today - timedelta(days=11)) is None


def test_entitlement_rules(world: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        entitlements.entitlement_create(
            actor=world.service,
            account=world.account,
            name=" ",
            level="gold",
            policy=policies.default_policy(),
            starts_on=today,
            ends_on=today - timedelta(days=1),
            products=["x"],
        )
    assert set(refused.value.message_dict) == {"name", "level", "ends_on", "products"}
    with pytest.raises(PermissionDenied):
        entitlements.entitlement_create(
            actor=world.owner,
            account=world.account,
            name="n",
            level="basic",
            policy=policies.default_policy(),
            starts_on=today,
            ends_on=today,
        )
    entitlement = _give(world, SupportLevel.STANDARD)
    entitlement = entitlements.entitlement_update(
        actor=world.service, entitlement=entitlement, data={"level": "premium"}, expected_version=1
    )
    entitlements.entitlement_cancel(actor=world.service, entitlement=entitlement, expected_version=2, reason="合同终止")
    with pytest.raises(ValidationError):
        entitlements.entitlement_update(
            actor=world.service, entitlement=entitlement, data={"name": "再来"}, expected_version=3
        )
    entitlement.refresh_from_db()
    assert (entitlement.status, entitlement.level, entitlement.version) == ("cancelled", "premium", 3)
    assert Entitlement.objects.filter(pk=entitlement.pk).exists()  # cancelled, never deleted


def test_a_signed_contract_gives_its_account_a_standard_entitlement_once(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        contract = signed_contract(world, contract_team(world))
    given = Entitlement.objects.get(contract=contract)
    assert given.account_id == contract.account_id
    assert (given.level, given.policy, given.status) == ("standard", policies.default_policy(), "active")
    start = contract.current.start_date or contract.signed_on
    assert given.starts_on == start
    if contract.current.end_date is None:
        assert given.ends_on == entitlements.add_months(start, contract.current.warranty_months) - timedelta(days=1)
    lines = set(ContractLine.objects.filter(version=contract.current).values_list("product_id", flat=True))
    assert lines
    assert set(given.products.values_list("pk", flat=True)) == lines
    assert given.created_by is None
    assert TimelineEvent.objects.filter(object_id=given.pk, kind="created").exists()
    # Idempotent: the reaction again (a replay) gives nothing more.
    assert entitlements.entitlement_from_contract(contract_id=contract.pk) is None
    assert Entitlement.objects.filter(contract=contract).count() == 1
    today = timezone.localdate()
    assert entitlement_for(account_id=contract.account_id, product_id=min(lines), on=today) == given


def test_add_months_keeps_the_day_or_the_months_last() -> None:
    assert entitlements.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert entitlements.add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_the_demo_seed_gives_the_signed_contract_premium_support_once(world: Any) -> None:
    from ltc.web.demo_service_sla import seed_sla

    contract = signed_contract(world, contract_team(world))
    users = {"admin": world.admin, "he": world.service}
    seed_sla(users)
    seed_sla(users)  # idempotent
    given = Entitlement.objects.get(contract=contract)
    assert (given.level, given.policy.name, given.name) == (
        "premium",
        "金牌服务",
        f"金牌服务（合同 {contract.number}）",
    )
    assert given.policy.targets.get(priority="p1").first_response_minutes == 30
    assert SlaPolicy.objects.filter(name="金牌服务").count() == 1


def test_the_defaults_are_named_in_the_active_language(world: Any) -> None:
    with translation.override("zh-hans"):
        policy = policies.default_policy()
    assert (policy.name, policy.calendar.name) == ("标准服务", "中国大陆工作日历")
    with translation.override("en"):
        assert policies.default_policy() == policy  # found by the flag, whatever the language


def test_a_race_for_the_standard_policy_reads_the_winner(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    winner = policies.default_policy()
    real_filter = SlaPolicy.objects.filter
    calls = {"n": 0}

    def first_lookup_misses(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return real_filter(pk=-1) if calls["n"] == 1 else real_filter(*args, **kwargs)

    monkeypatch.setattr(SlaPolicy.objects, "filter", first_lookup_misses)
    assert policies.default_policy() == winner
    assert SlaPolicy.objects.count() == 1


def test_a_contract_signed_without_date_starts_on_the_local_day_of_its_version(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        contract = signed_contract(world, contract_team(world))
    Entitlement.objects.filter(contract=contract).delete()
    type(contract).objects.filter(pk=contract.pk).update(signed_on=None)
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 2 March 01:00 in Shanghai
    type(contract.current).objects.filter(pk=contract.current_id).update(
        start_date=None, end_date=None, created_at=late_evening_utc
    )
    given = entitlements.entitlement_from_contract(contract_id=contract.pk)
    assert given is not None
    assert given.starts_on == date(2026, 3, 2)


def test_the_migration_marks_an_existing_policy_named_standard_as_the_default(world: Any) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ltc.service.migrations.0002_sla")
    calendar = default_calendar()
    SlaPolicy.objects.create(name="标准服务", calendar=calendar, active=False)  # inactive: not it
    named = SlaPolicy.objects.create(name="标准服务", calendar=calendar)
    SlaPolicy.objects.create(name="标准服务", calendar=calendar)  # a later namesake: not it
    migration.mark_standard(apps, None)
    assert list(SlaPolicy.objects.filter(is_default=True)) == [named]
    assert policies.default_policy() == named
