"""The SLA sweep (SLA 巡检): warnings before a case's first response or resolution falls due, and
breaches escalated to the team manager (升级给团队经理).

Run every five minutes by the worker (`ltc sla_sweep --queue` from cron, see ltc/service/tasks.py)
or at once by `ltc sla_sweep`. Set-based: per chunk of cases a fixed number of statements whatever
the number of cases (one INSERT of the events, one UPDATE of the cases — both clocks of a case in
one pass —, the timeline, notices and outbox in bulk), so 100k open cases take seconds.

Only running clocks are swept: a case waiting on the customer (paused) is never warned, a first
response already given is never breached. Each warning or breach is one `CaseSlaEvent` per case,
kind and due time, inserted with ON CONFLICT DO NOTHING: only the rows this run inserted are
recorded on the case's timeline and notified, so a second run — or two runs at the same moment —
records and tells nothing twice. A due time moved later by a pause or a priority change may warn
again (a new due time is a new event).

Recipients: a warning tells the case owner (the team manager when nobody owns it); a breach is
escalated to the manager of the case's team (no team: the manager of the owner's team; when that
manager owns the case, the manager of the parent team), recorded
on the case (`escalated_at` kept from the first escalation, `escalated_to`) and told to the manager
and the owner. Notifications are of the core kind "service level" ("Case “<case>”: first response
breached — escalated to you."), in each reader's language, on the channels the reader chose for
that kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ltc.core import search
from ltc.core.bulk import bulk_insert
from ltc.core.events import emit_many
from ltc.core.models import (
    Notification,
    NotificationKind,
    NotificationWebhook,
    OutgoingMail,
    OutgoingWebhook,
    TimelineEvent,
    TimelineKind,
)
from ltc.core.notifications import Channels, preferences_of, render_text, robot_payload
from ltc.org.models import Team, User
from ltc.service.events import CaseSlaBreached, CaseSlaWarned
from ltc.service.models import Case, CaseSlaEvent
from ltc.service.models.cases import CaseStatus, SlaEventKind, SlaState

# Cases read, inserted and updated per statement: bounded memory, and on SQLite far below its 32766
# parameters per statement (five per event row, two events per case at most); PostgreSQL takes the
# rows as arrays, whatever their number.
CHUNK = {"postgresql": 10_000}
CHUNK_ELSEWHERE = 2000
# A reader told of more cases than this of one kind in one chunk gets a digest (see _notify),
# naming the first DIGEST_NAMES cases and mailing links to the first DIGEST_LINKS.
DIGEST_AFTER = 5
DIGEST_NAMES = 3
DIGEST_LINKS = 50
RUNNING = (CaseStatus.NEW, CaseStatus.IN_PROGRESS)
NOTICE = NotificationKind.SERVICE_LEVEL


@dataclass(frozen=True)
class SweepResult:
    """What one sweep found new: warnings, breaches, and breaches escalated to a manager."""

    warned: int = 0
    breached: int = 0
    escalated: int = 0

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(self.warned + other.warned, self.breached + other.breached, self.escalated + other.escalated)


@dataclass(frozen=True)
class _Clock:
    """One SLA clock of a case: its fields and event kinds."""

    name: str
    state: str
    warn_at: str
    due: str
    warning: str
    breach: str
    extra: Q


CLOCKS = (
    _Clock(
        "response",
        "response_sla",
        "response_warn_at",
        "first_response_due",
        SlaEventKind.RESPONSE_WARNING,
        SlaEventKind.RESPONSE_BREACH,
        Q(first_response_at__isnull=True),
    ),
    _Clock(
        "resolution",
        "resolution_sla",
        "resolution_warn_at",
        "resolution_due",
        SlaEventKind.RESOLUTION_WARNING,
        SlaEventKind.RESOLUTION_BREACH,
        Q(),
    ),
)


def _activity(kind: str, escalated: bool) -> str:
    """What the notice says happened, in the active language."""
    if escalated:
        return {
            SlaEventKind.RESPONSE_BREACH: _("first response breached — escalated to you"),
            SlaEventKind.RESOLUTION_BREACH: _("resolution breached — escalated to you"),
        }[SlaEventKind(kind)]
    return {
        SlaEventKind.RESPONSE_WARNING: _("first response due soon"),
        SlaEventKind.RESPONSE_BREACH: _("first response breached"),
        SlaEventKind.RESOLUTION_WARNING: _("resolution due soon"),
        SlaEventKind.RESOLUTION_BREACH: _("resolution breached"),
    }[SlaEventKind(kind)]


def sla_sweep(*, now: datetime | None = None, chunk: int | None = None, progress: Any = None) -> SweepResult:
    """Find the warnings and breaches due at `now` (default: now) on running clocks, record each
    once, escalate breaches to the team manager and notify; returns what was new. Both clocks of a
    case are swept in one pass (a case is updated once per run). Each chunk commits on its own (a
    run stopped half-way resumes on the next run); `progress` is called after each chunk (a job
    lease's heartbeat)."""
    now = now or timezone.now()
    chunk = chunk or CHUNK.get(connection.vendor, CHUNK_ELSEWHERE)
    total = SweepResult()
    last = 0
    while True:
        with transaction.atomic():
            rows = _candidates(now, after=last, limit=chunk)
            if not rows:
                break
            last = rows[-1]["pk"]
            total += _sweep_chunk(rows, now)
        if progress is not None:
            progress()
        if len(rows) < chunk:
            break
    return total


def _due(clock: _Clock, now: datetime) -> Q:
    """A running clock past its warning time (the partial index svc_case_sweep_<clock>) not yet in
    the state it is due for: running to warn, running or warned past due."""
    return (
        clock.extra
        & Q(**{f"{clock.state}__in": [SlaState.RUNNING, SlaState.WARNING], f"{clock.warn_at}__lte": now})
        & (Q(**{clock.state: SlaState.RUNNING}) | Q(**{f"{clock.due}__lte": now}))
    )


def _candidates(now: datetime, *, after: int, limit: int) -> list[dict[str, Any]]:
    """The running cases with a clock due for a warning or a breach, in id order, with the
    managers an escalation may go to (of the case's team and its parent, of the owner's team and
    its parent: read once per chunk, not joined per case)."""
    clocks = Q()
    for clock in CLOCKS:
        clocks |= _due(clock, now)
    query = (
        Case.objects.filter(clocks, status__in=RUNNING, pk__gt=after)
        .order_by("pk")
        .values(
            "pk",
            "number",
            "subject",
            "owner_id",
            "team_id",
            "escalated_at",
            "first_response_at",
            *(name for clock in CLOCKS for name in (clock.state, clock.warn_at, clock.due)),
        )[:limit]
    )
    rows = cast("list[dict[str, Any]]", list(query))
    if not rows:
        return rows
    owners_team = dict(
        User.objects.filter(pk__in={r["owner_id"] for r in rows if r["owner_id"]}).values_list("pk", "team_id")
    )
    teams: dict[int | None, tuple[int | None, int | None]] = {
        pk: (manager, parent_manager)
        for pk, manager, parent_manager in Team.objects.filter(
            pk__in={r["team_id"] for r in rows} | set(owners_team.values())
        ).values_list("pk", "manager_id", "parent__manager_id")
    }
    for row in rows:
        row["team_manager"], row["team_parent_manager"] = teams.get(row["team_id"], (None, None))
        row["owner_manager"], row["owner_parent_manager"] = teams.get(owners_team.get(row["owner_id"]), (None, None))
    return rows


@dataclass
class _Found:
    row: dict[str, Any]
    clock: _Clock
    kind: str
    breach: bool
    manager: int | None
    notified: int | None

    @property
    def due(self) -> datetime:
        return cast("datetime", self.row[self.clock.due])


def _escalation_manager(row: dict[str, Any]) -> int | None:
    """The manager of the case's team (no team: of the owner's team); when that manager owns the
    case, the manager of the parent team (escalating to oneself tells nobody new)."""
    if row["team_manager"]:
        manager, parent = row["team_manager"], row["team_parent_manager"]
    else:
        manager, parent = row["owner_manager"], row["owner_parent_manager"]
    if manager is not None and manager == row["owner_id"] and parent:
        return cast("int", parent)
    return cast("int | None", manager)


def _found(row: dict[str, Any], now: datetime) -> list[_Found]:
    """What each clock of a candidate is due for. Clocks without a due time never breach; a
    warning needs one too (nothing to be due soon)."""
    manager = _escalation_manager(row)
    found = []
    for clock in CLOCKS:
        state, warn_at, due = row[clock.state], row[clock.warn_at], row[clock.due]
        if clock.name == "response" and row["first_response_at"] is not None:
            continue
        if due is None or warn_at is None or warn_at > now or state not in (SlaState.RUNNING, SlaState.WARNING):
            continue
        breach = due <= now
        if not breach and state != SlaState.RUNNING:
            continue
        notified = (manager or row["owner_id"]) if breach else (row["owner_id"] or manager)
        found.append(_Found(row, clock, clock.breach if breach else clock.warning, breach, manager, notified))
    return found


def _sweep_chunk(rows: list[dict[str, Any]], now: datetime) -> SweepResult:
    found = [f for row in rows for f in _found(row, now)]
    new_ids = _insert_events(found, now)
    new = [f for f in found if (f.row["pk"], f.kind) in new_ids]
    # The states follow the clocks for every candidate (a state a concurrent run set stays as it
    # is); only the events this run inserted escalate, are recorded and told.
    escalations = [f for f in new if f.breach and f.manager is not None]
    _update_cases(found, escalations, now)
    if not new:
        return SweepResult()

    people = {u.pk: u for u in User.objects.filter(pk__in={p for f in new for p in _told(f)})}
    _timeline(new, people, now)
    _notify(new, people, now)
    _emit_unindexed(
        [
            CaseSlaBreached(
                subject_id=f.row["pk"], number=f.row["number"], sla_kind=f.kind, due_at=f.due, escalated_to_id=f.manager
            )
            if f.breach
            else CaseSlaWarned(subject_id=f.row["pk"], number=f.row["number"], sla_kind=f.kind, due_at=f.due)
            for f in new
        ]
    )
    return SweepResult(
        warned=sum(1 for f in new if not f.breach),
        breached=sum(1 for f in new if f.breach),
        escalated=len(escalations),
    )


def _emit_unindexed(events: list[Any]) -> None:
    """`emit_many`, without queueing the cases for the search index: the sweep changes nothing a
    case's search document holds (number, subject, account), and re-indexing a chunk of cases
    would cost more than the sweep itself. Cases already marked in this transaction stay marked."""
    pending = search._pending_set().get(Case)
    before = set(pending) if pending else set()
    emit_many(events)
    marked = search._pending_set().get(Case)
    if marked is not None:
        marked.intersection_update(before)


def _quoted(*names: str) -> list[str]:
    return [connection.ops.quote_name(name) for name in names]


def _insert_events(found: list[_Found], now: datetime) -> set[tuple[int, str]]:
    """Insert one event per found clock, skipping those recorded already; returns the (case, kind)
    pairs this statement inserted (RETURNING gives only inserted rows, on both databases). On
    PostgreSQL the rows travel as five arrays (unnest), not as five parameters per row."""
    if not found:
        return set()
    table, case_id, kind, due_at, found_at, notified_id = _quoted(
        CaseSlaEvent._meta.db_table, "case_id", "kind", "due_at", "found_at", "notified_id"
    )
    head = f"INSERT INTO {table} ({case_id}, {kind}, {due_at}, {found_at}, {notified_id}) "
    tail = f" ON CONFLICT ({case_id}, {kind}, {due_at}) DO NOTHING RETURNING {case_id}, {kind}"
    if connection.vendor == "postgresql":
        arrays = "unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::bigint[]) AS v(c, k, d, n)"
        sql = f"{head}SELECT c, k, d, %s, n FROM {arrays}{tail}"  # noqa: S608 - quoted identifiers, values as parameters
        params: list[Any] = [
            now,
            [f.row["pk"] for f in found],
            [str(f.kind) for f in found],
            [f.due for f in found],
            [f.notified for f in found],
        ]
    else:
        field = CaseSlaEvent._meta.get_field("due_at")
        stamp = field.get_db_prep_save(now, connection)
        params = []
        for f in found:
            params += [f.row["pk"], str(f.kind), field.get_db_prep_save(f.due, connection), stamp, f.notified]
        sql = f"{head}VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(found))}{tail}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(int(pk), str(k)) for pk, k in cursor.fetchall()}


def _update_cases(found: list[_Found], escalations: list[_Found], now: datetime) -> None:
    """One UPDATE for the chunk: each clock to the state it is due for — a warning only from
    running, a breach from running or warned, so a state another run or an agent set in between
    stays —, the escalation of new breaches (the first escalation's time kept), and the version
    of every case that changed."""
    if not found:
        return
    states: dict[int, dict[str, str | int | None]] = defaultdict(dict)
    for f in found:
        states[f.row["pk"]][f.clock.state] = SlaState.BREACHED if f.breach else SlaState.WARNING
    for f in escalations:
        states[f.row["pk"]]["escalated_to_id"] = f.manager
    ids = list(states)
    response, resolution = (CLOCKS[0].state, CLOCKS[1].state)
    columns = {
        "rs": [states[pk].get(response) for pk in ids],
        "rls": [states[pk].get(resolution) for pk in ids],
        "esc": [states[pk].get("escalated_to_id") for pk in ids],
    }
    table, q_response, q_resolution, esc_to, esc_at, version, updated = _quoted(
        Case._meta.db_table, response, resolution, "escalated_to_id", "escalated_at", "version", "updated_at"
    )

    def moved(column: str, value: str) -> str:
        return (
            f"(v.{value} = '{SlaState.BREACHED}' AND {table}.{column} IN ('{SlaState.RUNNING}', '{SlaState.WARNING}')) "
            f"OR (v.{value} = '{SlaState.WARNING}' AND {table}.{column} = '{SlaState.RUNNING}')"
        )

    assignments = (
        f"{q_response} = CASE WHEN {moved(q_response, 'rs')} THEN v.rs ELSE {table}.{q_response} END, "
        f"{q_resolution} = CASE WHEN {moved(q_resolution, 'rls')} THEN v.rls ELSE {table}.{q_resolution} END, "
        f"{esc_to} = COALESCE(v.esc, {table}.{esc_to}), "
        f"{esc_at} = CASE WHEN v.esc IS NULL THEN {table}.{esc_at} ELSE COALESCE({table}.{esc_at}, %s) END, "
        f"{version} = {table}.{version} + 1, {updated} = %s"
    )
    where = f"{table}.id = v.id AND ({moved(q_response, 'rs')} OR {moved(q_resolution, 'rls')} OR v.esc IS NOT NULL)"
    field = Case._meta.get_field("updated_at")
    stamp = field.get_db_prep_save(now, connection)
    if connection.vendor == "postgresql":
        source = "unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[]) AS v(id, rs, rls, esc)"
        values: list[Any] = [ids, columns["rs"], columns["rls"], columns["esc"]]
        sql = f"UPDATE {table} SET {assignments} FROM {source} WHERE {where}"  # noqa: S608 - quoted identifiers, values as parameters
        params = [stamp, stamp, *values]
    else:
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(ids))
        values = [v for i, pk in enumerate(ids) for v in (pk, columns["rs"][i], columns["rls"][i], columns["esc"][i])]
        sql = f"WITH v(id, rs, rls, esc) AS (VALUES {rows}) UPDATE {table} SET {assignments} FROM v WHERE {where}"  # noqa: S608
        params = [*values, stamp, stamp]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _told(found: _Found) -> set[int]:
    """Who hears of it: the notified person, and for a breach the owner too."""
    told = {found.notified} if found.notified else set()
    if found.breach and found.row["owner_id"]:
        told.add(found.row["owner_id"])
    return told


def _timeline(new: list[_Found], people: dict[int, User], now: datetime) -> None:
    """One CHANGED entry per case: its clocks' states, and the escalation (codes and names: each
    reader reads them in their language). Set-based, as ltc.core.bulk writes bulk rows."""
    content_type = ContentType.objects.get_for_model(Case).pk
    changes: dict[int, list[dict[str, str]]] = defaultdict(list)
    escalated: dict[int, list[dict[str, str]]] = {}
    for f in new:
        state = str(SlaState.BREACHED if f.breach else SlaState.WARNING)
        changes[f.row["pk"]].append({"field": f.clock.state, "old": str(f.row[f.clock.state]), "new": state})
        if f.breach and f.manager is not None and f.row["escalated_at"] is None:
            escalated[f.row["pk"]] = [
                {"field": "escalated_to", "old": "", "new": str(people.get(f.manager, f.manager))}
            ]
    rows = [
        (content_type, pk, TimelineKind.CHANGED, None, now, "", entry + escalated.get(pk, []))
        for pk, entry in changes.items()
    ]
    bulk_insert(TimelineEvent, ("content_type_id", "object_id", "kind", "actor_id", "at", "text", "changes"), rows)


def _language(user: User) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


NOTIFICATION_FIELDS = (
    "recipient_id",
    "kind",
    "content_type_id",
    "object_id",
    "subject_label",
    "params",
    "actor_id",
    "created_at",
    "read_at",
)


def _notify(new: list[_Found], people: dict[int, User], now: datetime) -> None:
    """The `notify` of ltc.core.notifications for a chunk at once: in-app rows, mails and robot
    messages per each reader's channels for the "service level" kind, in a few statements. A
    reader with more than DIGEST_AFTER cases of one kind in the chunk (a storm: a team came back
    from a holiday, a calendar was corrected) gets one digest naming the count and the first
    cases instead of a notice per case; the cases' timelines still record each of them."""
    active = {pk: u for pk, u in people.items() if u.is_active}
    channels: dict[int, Channels] = preferences_of(active, NOTICE)
    robots = {
        hook.user_id: hook
        for hook in NotificationWebhook.objects.filter(
            user_id__in=[pk for pk, c in channels.items() if c.webhook]
        ).exclude(url="")
    }
    heard: dict[tuple[int, str, bool], list[_Found]] = defaultdict(list)  # (reader, kind, escalated to them)
    for f in new:
        for pk in sorted(_told(f)):
            if pk in active:
                heard[(pk, f.kind, f.breach and pk == f.manager)].append(f)
    content_type = ContentType.objects.get_for_model(Case).pk
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "ltc.local"
    said: dict[tuple[str, str, bool], str] = {}  # the activity's words per language and kind
    notices: list[tuple[Any, ...]] = []
    mails, hooks = [], []
    for (pk, kind, escalated), found in heard.items():
        user, chosen = active[pk], channels[pk]
        language = _language(user)
        words = said.get((language, kind, escalated))
        if words is None:
            with translation.override(language):
                words = said[(language, kind, escalated)] = _activity(kind, escalated=escalated)
        items: list[tuple[_Found | None, str, dict[str, Any]]]
        digest = len(found) > DIGEST_AFTER
        if digest:
            numbers = ", ".join(c.row["number"] for c in found[:DIGEST_NAMES])
            items = [(None, numbers, {"activity": words, "count": len(found)})]
        else:
            items = [(c, f"{c.row['number']} {c.row['subject']}"[:300], {"activity": words}) for c in found]
        for one, label, params in items:
            if chosen.in_app:
                subject = (content_type, one.row["pk"]) if one else (None, None)
                notices.append((pk, NOTICE, *subject, label, params, None, now, None))
            if not (chosen.email and user.email) and pk not in robots:
                continue
            with translation.override(language):
                title = render_text(NOTICE, params, "", label)
            urls = [_case_url(c.row["pk"]) for c in ([one] if one else found[:DIGEST_LINKS])]
            if chosen.email and user.email:
                first = one or found[0]
                name = f"case-sla-{first.row['pk']}-{kind}-{int(first.due.timestamp())}-{pk}" + (
                    "-all" if digest else ""
                )
                body = "\n".join([title, "", *urls])
                mails.append(
                    OutgoingMail(to=[user.email], subject=title[:300], body=body, message_id=f"<{name}@{domain}>")
                )
            if pk in robots:
                hook = robots[pk]
                hooks.append(
                    OutgoingWebhook(url=hook.url, payload=robot_payload(hook.robot, title, urls[0]), created_at=now)
                )
    if notices:
        bulk_insert(Notification, NOTIFICATION_FIELDS, notices)
    if mails:
        OutgoingMail.objects.bulk_create(mails, batch_size=CHUNK_ELSEWHERE, ignore_conflicts=True)
        transaction.on_commit(_deliver_mail)
    if hooks:
        OutgoingWebhook.objects.bulk_create(hooks, batch_size=CHUNK_ELSEWHERE)
        transaction.on_commit(_deliver_webhooks)


def _case_url(pk: int) -> str:
    return f"{settings.LTC_BASE_URL}{reverse('service:case_detail', args=[pk])}"


def _deliver_mail() -> None:
    from ltc.core.tasks import deliver_mail

    deliver_mail.enqueue()


def _deliver_webhooks() -> None:
    from ltc.core.tasks import deliver_webhooks

    deliver_webhooks.enqueue()
