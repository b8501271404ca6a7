"""The SLA sweep: warnings, breaches, escalation to the team manager, idempotency, a bounded
number of statements."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from ltc.core.models import (
    IntegrationEvent,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutgoingMail,
    TimelineEvent,
)
from ltc.org.tests.factories import TeamFactory, UserFactory
from ltc.service.models import Case, CaseSlaEvent
from ltc.service.services.sla_sweep import SweepResult, sla_sweep

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def make_case(world: Any, *, warn_in: int = 60, due_in: int = 120, **fields: Any) -> Case:
    """An open case whose two clocks run, warning `warn_in` and due `due_in` minutes after NOW
    (the resolution clock two hours later than the response clock)."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "number": f"CS-T-{n:05d}",
        "thread_key": f"t-{n}",
        "account": world.account,
        "subject": f"Printer {n}",
        "status": "new",
        "owner": world.owner,
        "response_warn_at": NOW + timedelta(minutes=warn_in),
        "first_response_due": NOW + timedelta(minutes=due_in),
        "resolution_warn_at": NOW + timedelta(minutes=warn_in + 120),
        "resolution_due": NOW + timedelta(minutes=due_in + 120),
        "response_sla": "running",
        "resolution_sla": "running",
    }
    values.update(fields)
    return Case.objects.create(**values)


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def notices(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_warns_then_breaches_then_escalates_to_the_team_manager(world: Any) -> None:
    support_lead = UserFactory(username="support_lead", roles=["service"], language="zh-hans")
    support = TeamFactory(name="Support", manager=support_lead)
    case = make_case(world, team=support)

    assert sla_sweep(now=at(30)) == SweepResult(0, 0, 0)
    assert sla_sweep(now=at(61)) == SweepResult(warned=1, breached=0, escalated=0)
    case.refresh_from_db()
    assert (case.response_sla, case.resolution_sla, case.escalated_to_id) == ("warning", "running", None)
    assert [n.params["activity"] for n in notices(world.owner)] == ["first response due soon"]
    assert notices(support_lead) == []

    assert sla_sweep(now=at(121)) == SweepResult(warned=0, breached=1, escalated=1)
    case.refresh_from_db()
    assert (case.response_sla, case.resolution_sla) == ("breached", "running")
    assert (case.escalated_to_id, case.escalated_at) == (support_lead.pk, at(121))
    # In each reader's language: the manager reads Chinese, the owner English.
    assert [(n.kind, n.object_id, n.params["activity"]) for n in notices(support_lead)] == [
        (NotificationKind.SERVICE_LEVEL, case.pk, "首次响应已超时，已升级给您")
    ]
    assert [n.params["activity"] for n in notices(world.owner)][-1] == "first response breached"
    timeline = TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
    ).order_by("id")
    assert [e.changes for e in timeline][-1] == [
        {"field": "response_sla", "old": "warning", "new": "breached"},
        {"field": "escalated_to", "old": "", "new": str(support_lead)},
    ]
    outbox = IntegrationEvent.objects.filter(subject_id=case.pk, kind__startswith="case.sla").order_by("id")
    assert [(e.kind, e.payload["sla_kind"], e.payload.get("escalated_to_id")) for e in outbox] == [
        ("case.sla_warned", "response_warning", None),
        ("case.sla_breached", "response_breach", support_lead.pk),
    ]

    # The resolution clock later: warned, then breached and escalated again, the first escalation time kept.
    assert sla_sweep(now=at(181)) == SweepResult(warned=1, breached=0, escalated=0)
    assert sla_sweep(now=at(241)) == SweepResult(warned=0, breached=1, escalated=1)
    case.refresh_from_db()
    assert (case.resolution_sla, case.escalated_at) == ("breached", at(121))
    assert list(CaseSlaEvent.objects.filter(case=case).values_list("kind", "notified_id")) == [
        ("response_warning", world.owner.pk),
        ("response_breach", support_lead.pk),
        ("resolution_warning", world.owner.pk),
        ("resolution_breach", support_lead.pk),
    ]
    assert len(notices(support_lead)) == 2
    assert len(notices(world.owner)) == 4


def test_a_second_run_records_and_notifies_nothing_again(world: Any) -> None:
    make_case(world, warn_in=-10, due_in=100)
    make_case(world, warn_in=-60, due_in=-5)
    first = sla_sweep(now=NOW)
    before = (CaseSlaEvent.objects.count(), Notification.objects.count(), TimelineEvent.objects.count())
    versions = list(Case.objects.order_by("pk").values_list("version", flat=True))

    assert first == SweepResult(warned=1, breached=1, escalated=1)
    assert sla_sweep(now=NOW) == SweepResult(0, 0, 0)
    assert sla_sweep(now=at(1)) == SweepResult(0, 0, 0)
    assert (CaseSlaEvent.objects.count(), Notification.objects.count(), TimelineEvent.objects.count()) == before
    assert list(Case.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_an_event_recorded_by_another_run_is_not_told_again(world: Any) -> None:
    """Two runs at once: the one whose insert lost the race sets the state but tells nobody."""
    case = make_case(world, warn_in=-10, due_in=100)
    CaseSlaEvent.objects.create(case=case, kind="response_warning", due_at=case.first_response_due, found_at=NOW)

    assert sla_sweep(now=NOW) == SweepResult(0, 0, 0)
    case.refresh_from_db()
    assert case.response_sla == "warning"
    assert Notification.objects.count() == 0


def test_a_case_waiting_on_the_customer_is_not_warned(world: Any) -> None:
    case = make_case(world, warn_in=-100, due_in=-50, status="waiting", paused_at=at(-200))

    assert sla_sweep(now=NOW) == SweepResult(0, 0, 0)
    case.refresh_from_db()
    assert (case.response_sla, case.resolution_sla, case.escalated_at) == ("running", "running", None)
    assert not CaseSlaEvent.objects.exists()


def test_a_met_first_response_is_not_breached(world: Any) -> None:
    case = make_case(
        world, warn_in=-100, due_in=-50, first_response_at=at(-60), response_sla="met", resolution_warn_at=at(30)
    )

    assert sla_sweep(now=NOW) == SweepResult(0, 0, 0)
    case.refresh_from_db()
    assert case.response_sla == "met"


def test_escalation_goes_to_the_manager_of_the_owners_team_when_the_case_has_no_team(world: Any) -> None:
    case = make_case(world, warn_in=-60, due_in=-5)

    assert sla_sweep(now=NOW) == SweepResult(warned=0, breached=1, escalated=1)
    case.refresh_from_db()
    assert case.escalated_to_id == world.manager.pk
    # The owner hears of the breach too, without the escalation words.
    assert [n.params["activity"] for n in notices(world.owner)] == ["first response breached"]
    assert [n.params["activity"] for n in notices(world.manager)] == ["first response breached — escalated to you"]


def test_an_unassigned_case_warns_its_team_manager_and_a_case_without_any_manager_escalates_nowhere(
    world: Any,
) -> None:
    unassigned = make_case(world, owner=None, team=world.east, warn_in=-10, due_in=100)
    orphan = make_case(world, owner=world.other, team=world.north, warn_in=-60, due_in=-5)

    assert sla_sweep(now=NOW) == SweepResult(warned=1, breached=1, escalated=0)
    assert [n.object_id for n in notices(world.manager)] == [unassigned.pk]
    orphan.refresh_from_db()
    assert (orphan.response_sla, orphan.escalated_at, orphan.escalated_to_id) == ("breached", None, None)
    assert [n.object_id for n in notices(world.other)] == [orphan.pk]


def test_notices_follow_the_readers_channels_once(world: Any) -> None:
    NotificationPreference.objects.create(
        user=world.manager, kind=NotificationKind.SERVICE_LEVEL, in_app=False, email=True, webhook=False
    )
    world.manager.language = "zh-hans"
    world.manager.save(update_fields=["language"])
    make_case(world, warn_in=-60, due_in=-5)

    sla_sweep(now=NOW)
    sla_sweep(now=NOW)

    assert notices(world.manager) == []
    mails = list(OutgoingMail.objects.filter(to=[world.manager.email]))
    assert len(mails) == 1
    assert "已升级给您" in mails[0].subject


def test_statements_do_not_grow_with_the_number_of_cases(world: Any, django_assert_max_num_queries: Any) -> None:
    support = TeamFactory(name="Support", manager=UserFactory(username="lead2", roles=["service"]))
    for i in range(3):
        make_case(world, warn_in=-10, due_in=100, team=support if i % 2 else None)
        make_case(world, warn_in=-60, due_in=-5, team=support if i % 2 else None)
    with django_assert_max_num_queries(40) as few:
        sla_sweep(now=NOW)
    for i in range(30):
        make_case(world, warn_in=-10, due_in=100, team=support if i % 2 else None)
        make_case(world, warn_in=-60, due_in=-5, team=support if i % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = sla_sweep(now=NOW)
    assert found == SweepResult(warned=30, breached=30, escalated=30)


def test_chunks_cover_every_case(world: Any) -> None:
    cases = [make_case(world, warn_in=-10, due_in=100) for _ in range(5)]

    assert sla_sweep(now=NOW, chunk=2) == SweepResult(warned=5, breached=0, escalated=0)
    assert set(Case.objects.values_list("response_sla", flat=True)) == {"warning"}
    assert CaseSlaEvent.objects.filter(case__in=cases).count() == 5


def test_the_command_runs_the_sweep(world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    make_case(world, warn_in=-60 * 24 * 400, due_in=-60 * 24 * 300)
    call_command("sla_sweep")  # now, long after both clocks fell due
    assert "0 warned, 2 breached, 2 escalated" in capsys.readouterr().out


def test_a_breach_of_the_team_managers_own_case_goes_to_the_parent_teams_manager(world: Any) -> None:
    # the East manager owns both cases: one in the East team's queue, one with no team (the owner's team)
    in_team = make_case(world, warn_in=-60, due_in=-5, owner=world.manager, team=world.east)
    no_team = make_case(world, warn_in=-60, due_in=-5, owner=world.manager)
    # someone else's breach in East still goes to the East manager; a top team's manager keeps it
    theirs = make_case(world, warn_in=-60, due_in=-5, owner=world.owner, team=world.east)
    top = make_case(world, warn_in=-60, due_in=-5, owner=world.boss, team=world.head)

    assert sla_sweep(now=NOW) == SweepResult(warned=0, breached=4, escalated=4)
    escalated = dict(Case.objects.values_list("pk", "escalated_to_id"))
    assert escalated == {
        in_team.pk: world.boss.pk,
        no_team.pk: world.boss.pk,
        theirs.pk: world.manager.pk,
        top.pk: world.boss.pk,
    }
    assert CaseSlaEvent.objects.get(case=in_team, kind="response_breach").notified_id == world.boss.pk
    assert [n.object_id for n in notices(world.boss) if n.object_id == in_team.pk] == [in_team.pk]


def test_both_clocks_of_a_case_move_in_one_update_and_one_timeline_entry(world: Any) -> None:
    # response breached, resolution due soon: one pass records both
    case = make_case(world, warn_in=-60, due_in=-5, resolution_warn_at=at(-1), resolution_due=at(30))
    version = case.version

    assert sla_sweep(now=NOW) == SweepResult(warned=1, breached=1, escalated=1)
    case.refresh_from_db()
    assert (case.response_sla, case.resolution_sla, case.escalated_to_id) == ("breached", "warning", world.manager.pk)
    assert case.version == version + 1
    timeline = TimelineEvent.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk)
    assert [e.changes for e in timeline] == [
        [
            {"field": "response_sla", "old": "running", "new": "breached"},
            {"field": "resolution_sla", "old": "running", "new": "warning"},
            {"field": "escalated_to", "old": "", "new": str(world.manager)},
        ]
    ]


def test_a_state_set_in_between_is_not_overwritten(world: Any) -> None:
    """The candidate was read as running; an agent's first response (met) landed before the
    update: the update leaves the met state alone and changes nothing else."""
    case = make_case(world, warn_in=-10, due_in=100)
    real = sla_sweep.__globals__["_candidates"]

    def read_then_respond(*args: Any, **kwargs: Any) -> Any:
        rows = real(*args, **kwargs)
        Case.objects.filter(pk=case.pk).update(response_sla="met")
        return rows

    sla_sweep.__globals__["_candidates"] = read_then_respond
    try:
        sla_sweep(now=NOW)
    finally:
        sla_sweep.__globals__["_candidates"] = real
    case.refresh_from_db()
    assert (case.response_sla, case.version) == ("met", 1)


def test_many_cases_for_one_reader_at_once_make_one_digest(world: Any) -> None:
    from ltc.core.notifications import render, shown

    NotificationPreference.objects.create(
        user=world.owner, kind=NotificationKind.SERVICE_LEVEL, in_app=True, email=True, webhook=False
    )
    cases = [make_case(world, warn_in=-10, due_in=100) for _ in range(7)]
    agent = UserFactory(username="agent7", roles=["service"])
    few = make_case(world, owner=agent, warn_in=-10, due_in=100)

    assert sla_sweep(now=NOW) == SweepResult(warned=8, breached=0, escalated=0)
    (digest,) = notices(world.owner)
    assert (digest.content_type_id, digest.object_id, digest.params["count"]) == (None, None, 7)
    numbers = ", ".join(c.number for c in cases[:3])
    assert render(digest) == f"7 cases ({numbers} …): first response due soon."
    assert shown(world.owner, [digest])[0].url is None  # no single record to open
    # a reader with a few cases still hears of each, linked
    (single,) = notices(agent)
    assert (single.object_id, shown(agent, [single])[0].url) == (few.pk, few.get_absolute_url())
    # one mail, linking every case; each case's own timeline still records its warning
    (mail,) = OutgoingMail.objects.filter(to=[world.owner.email])
    assert mail.subject == f"7 cases ({numbers} …): first response due soon."
    assert all(c.get_absolute_url() in mail.body for c in cases)
    case_type = ContentType.objects.get_for_model(Case)
    assert TimelineEvent.objects.filter(content_type=case_type, object_id__in=[c.pk for c in cases]).count() == 7


def test_a_digest_reads_in_the_notification_pages(world: Any, client: Any) -> None:
    for _ in range(6):
        make_case(world, warn_in=-10, due_in=100)
    sla_sweep(now=NOW)
    client.force_login(world.owner)

    for name in ("web:notifications", "web:notifications_bell"):
        page = client.get(reverse(name))
        assert page.status_code == 200
        assert "6 cases (CS-T-" in page.content.decode()
