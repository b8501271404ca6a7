"""Calendar and policy changes reach the open cases timed on them: their due and warning times
move in the same transaction, a breached clock stays breached, a closed case is left alone, and
each case written gets a new version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from ltc.service.models import Case
from ltc.service.services import calendars, entitlements, policies
from ltc.service.services import cases as svc
from ltc.service.services.sla_recompute import open_cases_recompute

STANDARD = {"p1": (60, 240), "p2": (240, 960), "p3": (480, 2400), "p4": (960, 4800)}


def at(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))  # type: ignore[arg-type]  # noqa: DTZ001


@pytest.fixture
def open_case(world: Any) -> Case:
    """A P2 case opened Monday 1 March 2027 10:00 (a year without known holidays) on the standard
    policy: first response due 14:00, resolution (960 business minutes) Tuesday 17:00."""
    case = svc.case_create(actor=world.service, account=world.account, subject="Line down", priority="p2")
    Case.objects.filter(pk=case.pk).update(opened_at=at(2027, 3, 1, 10))
    open_cases_recompute(policy_id=policies.default_policy().pk)
    case.refresh_from_db()
    assert (case.first_response_due, case.resolution_due) == (at(2027, 3, 1, 14), at(2027, 3, 2, 17))
    return case


def test_a_holiday_entered_moves_an_open_cases_due_time(world: Any, open_case: Case) -> None:
    calendar = policies.default_policy().calendar
    calendars.calendar_day_set(
        actor=world.admin,
        calendar=calendar,
        day=date(2027, 3, 2),
        kind="holiday",
        name="停工",
        expected_version=calendar.version,
    )
    case = Case.objects.get(pk=open_case.pk)
    assert (case.first_response_due, case.resolution_due) == (at(2027, 3, 1, 14), at(2027, 3, 3, 17))
    assert case.version == open_case.version + 1
    calendar.refresh_from_db()
    calendars.calendar_day_remove(
        actor=world.admin, calendar=calendar, day=date(2027, 3, 2), expected_version=calendar.version
    )
    assert Case.objects.get(pk=open_case.pk).resolution_due == at(2027, 3, 2, 17)


def test_new_working_hours_move_the_due_times(world: Any, open_case: Case) -> None:
    calendar = policies.default_policy().calendar
    calendars.calendar_update(
        actor=world.admin, calendar=calendar, data={"day_ends": at(2027, 1, 1, 17).time()}, expected_version=1
    )
    case = Case.objects.get(pk=open_case.pk)
    # 10–17 (420) + 9–17 (480) + 9:00–10:00 (60) on Wednesday.
    assert case.resolution_due == at(2027, 3, 3, 10)


def test_a_target_change_moves_the_due_times_and_a_breach_stays(world: Any, open_case: Case) -> None:
    Case.objects.filter(pk=open_case.pk).update(response_sla="breached")
    policy = policies.default_policy()
    policies.policy_update(
        actor=world.admin,
        policy=policy,
        data={"targets": {**STANDARD, "p2": (120, 480)}},
        expected_version=policy.version,
    )
    case = Case.objects.get(pk=open_case.pk)
    assert (case.first_response_due, case.resolution_due) == (at(2027, 3, 1, 12), at(2027, 3, 1, 18))
    assert (case.response_sla, case.resolution_sla) == ("breached", "running")


def test_closed_cases_and_other_policies_are_left_alone(world: Any, open_case: Case) -> None:
    Case.objects.filter(pk=open_case.pk).update(status="closed")
    other = policies.policy_create(actor=world.admin, data={"name": "金牌服务", "targets": STANDARD})
    assert open_cases_recompute(policy_id=other.pk) == 0
    assert open_cases_recompute(policy_id=policies.default_policy().pk) == 0
    case = Case.objects.get(pk=open_case.pk)
    assert case.version == open_case.version


def test_an_entitlements_new_policy_or_cancel_moves_its_open_cases(world: Any, open_case: Case) -> None:
    quick = policies.policy_create(
        actor=world.admin, data={"name": "金牌服务", "targets": {**STANDARD, "p2": (60, 120)}}
    )
    today = timezone.localdate()
    given = entitlements.entitlement_create(
        actor=world.service,
        account=world.account,
        name="标准",
        level="standard",
        policy=policies.default_policy(),
        starts_on=today,
        ends_on=date(today.year + 2, 1, 1),
    )
    Case.objects.filter(pk=open_case.pk).update(entitlement=given)
    given = entitlements.entitlement_update(
        actor=world.service, entitlement=given, data={"policy": quick}, expected_version=given.version
    )
    assert Case.objects.get(pk=open_case.pk).resolution_due == at(2027, 3, 1, 12)
    entitlements.entitlement_cancel(actor=world.service, entitlement=given, expected_version=given.version)
    assert Case.objects.get(pk=open_case.pk).resolution_due == at(2027, 3, 2, 17)
