"""Case services: SLA times from an entitlement, the state machine (waiting pauses the clocks in
business minutes, resolve, close, the reopen window), customer messages, merge rules and scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import IntegrationEvent
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.service import selectors
from ltc.service.models import Case, CaseMessage, CaseStatus, MessageKind, SlaState
from ltc.service.services import cases as svc
from ltc.service.tests.factories import make_calendar, make_case, make_entitlement, monday


def at(monkeypatch: Any, moment: Any) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


@pytest.fixture
def setup(world: Any, monkeypatch: Any) -> Any:
    at(monkeypatch, monday(10))
    make_entitlement(world.account)
    return world


def test_sla_times_come_from_the_entitlement_target(setup: Any) -> None:
    case = svc.case_create(actor=setup.service, account=setup.account, subject="Line down", priority="p1")
    assert case.number.startswith("CS")
    assert case.entitlement is not None
    # P1: 60 / 240 business minutes from Monday 10:00, warned at 80 %
    assert case.first_response_due == monday(11)
    assert case.response_warn_at == monday(10, 48)
    assert case.resolution_due == monday(14)
    assert case.resolution_warn_at == monday(13, 12)
    assert (case.response_sla, case.resolution_sla) == (SlaState.RUNNING, SlaState.RUNNING)
    assert IntegrationEvent.objects.filter(kind="case.created", subject_id=case.pk).exists()


def test_without_entitlement_the_default_policy_applies(world: Any, monkeypatch: Any) -> None:
    at(monkeypatch, monday(10))
    make_calendar()
    case = svc.case_create(actor=world.service, account=world.account, subject="Question", priority="p3")
    assert case.entitlement is None
    assert case.first_response_due is not None
    assert case.first_response_due > monday(10)
    assert case.resolution_sla == SlaState.RUNNING


def test_description_is_the_first_customer_message(setup: Any) -> None:
    case = svc.case_create(actor=None, account=setup.account, subject="Hi", description="Help", channel="portal")
    message = case.messages.get()
    assert (message.kind, message.body, message.channel) == (MessageKind.CUSTOMER, "Help", "portal")


def test_first_reply_stops_the_response_clock(setup: Any, monkeypatch: Any) -> None:
    case = svc.case_create(actor=setup.service, account=setup.account, subject="Slow", priority="p1")
    at(monkeypatch, monday(10, 30))
    svc.case_reply(actor=setup.service, case=case, body="Looking into it")
    assert case.first_response_at == monday(10, 30)
    assert case.response_sla == SlaState.MET
    assert case.status == CaseStatus.IN_PROGRESS
    at(monkeypatch, monday(15))
    svc.case_reply(actor=setup.service, case=case, body="Still on it")
    case.refresh_from_db()
    assert case.first_response_at == monday(10, 30)  # only the first reply counts


def test_a_late_first_reply_misses(setup: Any, monkeypatch: Any) -> None:
    case = svc.case_create(actor=setup.service, account=setup.account, subject="Slow", priority="p1")
    at(monkeypatch, monday(12))
    svc.case_reply(actor=setup.service, case=case, body="Sorry")
    assert case.response_sla == SlaState.MISSED


def test_an_internal_note_is_no_response(setup: Any) -> None:
    case = svc.case_create(actor=setup.service, account=setup.account, subject="Slow", priority="p1")
    svc.case_reply(actor=setup.service, case=case, body="Check the logs", internal=True)
    case.refresh_from_db()
    assert case.first_response_at is None
    assert case.response_sla == SlaState.RUNNING
    assert case.messages.get().kind == MessageKind.NOTE


def test_waiting_pauses_the_clocks_in_business_minutes(setup: Any, monkeypatch: Any) -> None:
    case = svc.case_create(actor=setup.service, account=setup.account, subject="Slow", priority="p3")
    # P3 resolution 2400 business minutes from Monday 10:00 (9 h days) = Friday 14:00
    assert case.resolution_due == monday(14) + timedelta(days=4)
    at(monkeypatch, monday(17))
    svc.case_set_status(actor=setup.service, case=case, status="waiting", version=case.version)
    assert case.paused_at == monday(17)
    assert case.resolution_sla == SlaState.RUNNING  # the sweep's states are left alone
    at(monkeypatch, monday(11) + timedelta(days=1))  # Tuesday 11:00: 60 + 120 business minutes
    svc.case_set_status(actor=setup.service, case=case, status="in_progress", version=case.version)
    case.refresh_from_db()
    assert case.paused_at is None
    assert case.paused_minutes == 180
    assert case.resolution_due == monday(17) + timedelta(days=4)


def test_a_customer_message_resumes_a_waiting_case(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service)
    svc.case_set_status(actor=setup.service, case=case, status="waiting", version=case.version)
    at(monkeypatch, monday(12))
    svc.case_customer_message(case=case, body="Here are the logs", channel="email", message_id="<a@x>")
    again = svc.case_customer_message(case=case, body="Here are the logs", channel="email", message_id="<a@x>")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.paused_minutes == 120
    assert CaseMessage.objects.filter(message_id="<a@x>").count() == 1
    assert again.case_id == case.pk


def test_resolve_close_and_reopen_within_the_window(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service, priority="p2")
    svc.case_set_status(actor=setup.service, case=case, status="resolved", version=case.version, resolution="Fixed")
    assert case.resolved_at == monday(10)
    assert case.resolution_sla == SlaState.MET
    assert len(case.csat_token) >= 20
    assert case.resolution == "Fixed"
    svc.case_set_status(actor=setup.service, case=case, status="closed", version=case.version)
    assert case.closed_at == monday(10)
    at(monkeypatch, monday(10) + timedelta(days=6))
    svc.case_reopen(actor=setup.service, case=case, version=case.version)
    case.refresh_from_db()
    assert (case.status, case.reopened) == (CaseStatus.IN_PROGRESS, 1)
    # the six days resolved do not count (Monday 10:00 → Friday 18:00: 480 + 4 × 540 business
    # minutes): P2's 960 minutes, all left, end the Tuesday after at 16:00
    assert case.paused_minutes == 2640
    assert case.resolution_sla == SlaState.RUNNING
    assert case.resolution_due == monday(16) + timedelta(days=8)
    assert case.closed_at is None


def test_no_reopen_after_the_window(setup: Any, monkeypatch: Any) -> None:
    case = make_case(setup.account, actor=setup.service, status=CaseStatus.CLOSED)
    at(monkeypatch, monday(10) + timedelta(days=8))
    with pytest.raises(ValidationError) as exc:
        svc.case_reopen(actor=setup.service, case=case, version=case.version)
    assert "status" in exc.value.message_dict


def test_a_customer_message_reopens_or_opens_a_follow_up(setup: Any, monkeypatch: Any) -> None:
    recent = make_case(setup.account, actor=setup.service, status=CaseStatus.RESOLVED)
    old = make_case(setup.account, actor=setup.service, subject="Old", status=CaseStatus.CLOSED)
    at(monkeypatch, monday(10) + timedelta(days=2))
    svc.case_customer_message(case=recent, body="Broken again", channel="portal")
    recent.refresh_from_db()
    assert (recent.status, recent.reopened) == (CaseStatus.IN_PROGRESS, 1)
    at(monkeypatch, monday(10) + timedelta(days=20))
    message = svc.case_customer_message(case=old, body="Broken again", channel="email")
    old.refresh_from_db()
    assert old.status == CaseStatus.CLOSED
    assert old.reopened == 0
    assert message.case_id != old.pk
    assert old.number in message.case.description
    assert message.case.account_id == setup.account.pk


def test_transitions_and_versions_are_checked(setup: Any) -> None:
    case = make_case(setup.account, actor=setup.service)
    with pytest.raises(ValidationError):
        svc.case_set_status(actor=setup.service, case=case, status="bogus", version=case.version)
    with pytest.raises(StaleVersionError):
        svc.case_set_status(actor=setup.service, case=case, status="waiting", version=case.version - 1)
    with pytest.raises(StaleVersionError):
        svc.case_update(actor=setup.service, case=case, version=case.version + 5, data={"subject": "x"})
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        svc.case_set_status(actor=setup.service, case=case, status="waiting", version=case.version)


def test_priority_change_recomputes_the_times(setup: Any) -> None:
    case = make_case(setup.account, actor=setup.service, priority="p3")
    svc.case_update(actor=setup.service, case=case, version=case.version, data={"priority": "p1"})
    case.refresh_from_db()
    assert case.resolution_due == monday(14)
    assert case.first_response_due == monday(11)


def test_merge_moves_messages_and_refuses_bad_merges(setup: Any) -> None:
    target = make_case(setup.account, actor=setup.service, subject="Original")
    dup = make_case(setup.account, actor=setup.service, subject="Same again")
    svc.case_reply(actor=setup.service, case=dup, body="note", internal=True)
    with pytest.raises(ValidationError):
        svc.case_merge(actor=setup.service, duplicate=target, into=target)
    other_account = make_case(AccountFactory(owner=setup.other), actor=setup.service)
    with pytest.raises(ValidationError):
        svc.case_merge(actor=setup.service, duplicate=dup, into=other_account)
    svc.case_merge(actor=setup.service, duplicate=dup, into=target)
    dup.refresh_from_db()
    assert dup.status == CaseStatus.CLOSED
    assert dup.merged_into_id == target.pk
    assert target.messages.count() == 3
    assert not dup.messages.exists()
    third = make_case(setup.account, actor=setup.service)
    with pytest.raises(ValidationError):
        svc.case_merge(actor=setup.service, duplicate=third, into=dup)  # into a merged case
    assert IntegrationEvent.objects.filter(kind="case.merged", subject_id=dup.pk).exists()


def test_contact_and_asset_must_be_of_the_account(setup: Any) -> None:
    stranger = ContactFactory(account=AccountFactory(owner=setup.other))
    with pytest.raises(ValidationError) as exc:
        svc.case_create(actor=setup.service, account=setup.account, subject="x", contact=stranger, priority="p9")
    assert set(exc.value.message_dict) == {"contact", "priority"}


def test_who_may_do_what(setup: Any) -> None:
    case = make_case(setup.account, actor=setup.service)
    # the account's AR and their manager may add a note, nothing else
    svc.case_reply(actor=setup.owner, case=case, body="Customer called me too", internal=True)
    svc.case_reply(actor=setup.manager, case=case, body="Noted", internal=True)
    with pytest.raises(PermissionDenied):
        svc.case_reply(actor=setup.owner, case=case, body="Hello")
    with pytest.raises(PermissionDenied):
        svc.case_set_status(actor=setup.owner, case=case, status="waiting", version=case.version)
    with pytest.raises(PermissionDenied):
        svc.case_reply(actor=setup.other, case=case, body="x", internal=True)
    with pytest.raises(PermissionDenied):
        svc.case_create(actor=setup.owner, account=setup.account, subject="x")


def test_scope_of_the_selectors(setup: Any) -> None:
    case = make_case(setup.account, actor=setup.service, owner=setup.service)
    assert selectors.case_get(setup.owner, case.pk) == case
    with pytest.raises(Http404):
        selectors.case_get(setup.other, case.pk)
    with pytest.raises(Http404):
        selectors.case_get(setup.service, "x")
    assert list(selectors.case_list(setup.other)) == []
    assert list(selectors.case_list(setup.service, view="mine")) == [case]
    assert list(selectors.case_list(setup.service, view="unassigned")) == []
    assert list(selectors.case_list(setup.executive, q=case.number[-4:])) == [case]
    assert list(selectors.case_list(setup.executive, status="bogus")) == []


def test_cases_are_found_by_number_and_subject(setup: Any, django_capture_on_commit_callbacks: Any) -> None:
    from ltc.core.search import search

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(setup.account, actor=setup.service, subject="冷却泵异响")
    for q in (case.number, "冷却泵"):
        hits = [hit.id for group in search(user=setup.service, q=q) if group.kind == "cases" for hit in group.hits]
        assert hits == [case.pk]
    assert not [group for group in search(user=setup.other, q=case.number) if group.kind == "cases"]
