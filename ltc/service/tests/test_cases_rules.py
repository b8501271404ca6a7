"""Case rules found in review: a reopened case's clock, a breach that a lower priority does not
clear, the entitlement a case is timed against, merge locking and its open target, and a message
as the case's latest update."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.service.models import Asset, Case, CaseMessage, CaseStatus, EntitlementStatus, SlaState
from ltc.service.services import cases as svc
from ltc.service.services.entitlements import case_entitlement
from ltc.service.services.sla_sweep import sla_sweep
from ltc.service.tests.factories import make_case, make_entitlement, make_policy, monday


def at(monkeypatch: Any, moment: Any) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


@pytest.fixture
def setup(world: Any, monkeypatch: Any) -> Any:
    at(monkeypatch, monday(10))
    world.entitlement = make_entitlement(world.account)
    return world


def test_time_spent_resolved_does_not_count_and_the_sweep_works_the_reopened_case(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service, priority="p1", owner=setup.service)
    assert case.resolution_due == monday(14)  # 240 business minutes
    at(monkeypatch, monday(11))
    svc.case_set_status(actor=setup.service, case=case, status="resolved", version=case.version)
    assert case.resolution_sla == SlaState.MET
    at(monkeypatch, monday(10) + timedelta(days=1))  # Tuesday 10:00: 420 + 60 business minutes resolved
    svc.case_reopen(actor=setup.service, case=case, version=case.version)
    case.refresh_from_db()
    assert case.paused_minutes == 480
    # 180 of the 240 minutes are left: Tuesday 13:00; warned at 80 % (192 minutes): 12:12
    assert (case.resolution_due, case.resolution_warn_at) == (
        monday(13) + timedelta(days=1),
        monday(12, 12) + timedelta(days=1),
    )
    assert case.resolution_sla == SlaState.RUNNING
    assert case.resolved_at is None
    # the sweep then warns and breaches it as any running case
    sla_sweep(now=monday(12, 30) + timedelta(days=1))
    case.refresh_from_db()
    assert case.resolution_sla == SlaState.WARNING
    sla_sweep(now=monday(13, 1) + timedelta(days=1))
    case.refresh_from_db()
    assert case.resolution_sla == SlaState.BREACHED


def test_a_case_resolved_late_is_reopened_breached(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service, priority="p1")
    at(monkeypatch, monday(15))
    svc.case_set_status(actor=setup.service, case=case, status="resolved", version=case.version)
    assert case.resolution_sla == SlaState.MISSED
    at(monkeypatch, monday(16))
    svc.case_reopen(actor=setup.service, case=case, version=case.version)
    case.refresh_from_db()
    assert case.resolution_sla == SlaState.BREACHED


def test_a_lower_priority_does_not_clear_a_breach(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service, priority="p1")
    at(monkeypatch, monday(15))
    sla_sweep(now=monday(15))
    case.refresh_from_db()
    assert (case.response_sla, case.resolution_sla) == (SlaState.BREACHED, SlaState.BREACHED)
    svc.case_update(actor=setup.service, case=case, version=case.version, data={"priority": "p4"})
    case.refresh_from_db()
    assert case.resolution_due > monday(15)  # the new due time is later...
    assert (case.response_sla, case.resolution_sla) == (SlaState.BREACHED, SlaState.BREACHED)  # ...the breach stays
    # a running clock follows the new due time
    other = make_case(setup.account, actor=setup.service, priority="p1")
    sla_sweep(now=monday(15, 30))
    Case.objects.filter(pk=other.pk).update(response_sla=SlaState.WARNING)
    other.refresh_from_db()
    svc.case_update(actor=setup.service, case=other, version=other.version, data={"priority": "p4"})
    assert other.response_sla == SlaState.RUNNING


def test_the_entitlement_of_a_case(setup: Any, monkeypatch: Any) -> None:
    own = make_entitlement(setup.account, policy=make_policy(name="Asset policy"), level="basic")
    asset = Asset.objects.create(account=setup.account, code="A-1", name="Printer", entitlement=own)
    today = monday(10).date()
    # the asset's own entitlement, although the account's premium one ranks higher
    assert case_entitlement(account_id=setup.account.pk, asset=asset, on=today) == own
    case = svc.case_create(actor=setup.service, account=setup.account, subject="Jam", asset=asset)
    assert case.entitlement == own
    # not covering the day, or cancelled: the account's best one
    assert case_entitlement(account_id=setup.account.pk, asset=asset, on=own.ends_on + timedelta(days=1)) is None
    own.status = EntitlementStatus.CANCELLED
    own.save(update_fields=["status"])
    asset.refresh_from_db()
    assert case_entitlement(account_id=setup.account.pk, asset=asset, on=today) == setup.entitlement
    plain = make_case(setup.account, actor=setup.service)
    svc.case_update(actor=setup.service, case=plain, version=plain.version, data={"asset": asset})
    assert plain.entitlement == setup.entitlement
    assert case_entitlement(account_id=setup.account.pk, asset=None, on=today) == setup.entitlement


def test_merge_locks_both_cases_in_one_statement_in_key_order(setup: Any) -> None:
    target = make_case(setup.account, actor=setup.service, subject="Original")
    dup = make_case(setup.account, actor=setup.service, subject="Same again")
    with CaptureQueriesContext(connection) as queries:
        svc.case_merge(actor=setup.service, duplicate=dup, into=target)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"] and "service_case" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(locks) == 1
        assert "ORDER BY" in locks[0]
        assert locks[0].index('"service_case"."id" ASC') > locks[0].index("ORDER BY")
    dup.refresh_from_db()
    assert dup.merged_into_id == target.pk


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_merge_into_a_resolved_or_closed_case_is_refused(setup: Any, status: str) -> None:
    target = make_case(setup.account, actor=setup.service, subject="Done", status=status)
    dup = make_case(setup.account, actor=setup.service, subject="Same again")
    with pytest.raises(ValidationError) as exc:
        svc.case_merge(actor=setup.service, duplicate=dup, into=target)
    assert list(exc.value.message_dict) == ["into"]
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == (CaseStatus.NEW, None)
    assert list(CaseMessage.objects.filter(case=dup).values_list("body", flat=True)) == ["It jams on every page."]
    assert target.messages.count() == 1


def test_every_message_is_the_cases_latest_update(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service)
    for hour, write in (
        (11, lambda: svc.case_customer_message(case=case, body="More logs", channel="portal")),
        (12, lambda: svc.case_reply(actor=setup.service, case=case, body="Thanks")),
        (13, lambda: svc.case_reply(actor=setup.owner, case=case, body="Seen", internal=True)),
    ):
        at(monkeypatch, monday(hour))
        version = Case.objects.get(pk=case.pk).version
        write()
        stored = Case.objects.get(pk=case.pk)
        assert stored.updated_at == monday(hour)
        assert stored.version in (version, version + 1)  # a message alone is no edit


def test_an_erased_contact_takes_no_case(setup: Any) -> None:
    from django.utils import timezone

    from ltc.customers.tests.factories import ContactFactory

    erased = ContactFactory(account=setup.account)
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    with pytest.raises(ValidationError) as exc:
        svc.case_create(actor=setup.service, account=setup.account, subject="x", contact=erased)
    assert list(exc.value.message_dict) == ["contact"]
    assert not Case.objects.exists()
