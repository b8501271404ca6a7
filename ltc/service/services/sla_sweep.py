"""The SLA sweep (SLA 巡检): warnings before a case's first response or resolution falls due, and
breaches escalated to the team manager (升级给团队经理).

Run every five minutes by the worker (`ltc sla_sweep --queue` from cron, see ltc/service/tasks.py)
or at once by `ltc sla_sweep`. Set-based: per chunk of cases a fixed number of statements whatever
the number of cases, so 100k open cases take seconds.

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
from django.db.models import Case as When_
from django.db.models import F, Q, Value, When
from django.db.models.functions import Coalesce
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
from ltc.org.models import User
from ltc.service.events import CaseSlaBreached, CaseSlaWarned
from ltc.service.models import Case, CaseSlaEvent
from ltc.service.models.cases import CaseStatus, SlaEventKind, SlaState

# Cases read, inserted and updated per statement: bounded memory, and far below SQLite's 32766
# parameters per statement (five per event row).
CHUNK = 2000
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


def sla_sweep(*, now: datetime | None = None, chunk: int = CHUNK, progress: Any = None) -> SweepResult:
    """Find the warnings and breaches due at `now` (default: now) on running clocks, record each
    once, escalate breaches to the team manager and notify; returns what was new. Each chunk
    commits on its own (a run stopped half-way resumes on the next run); `progress` is called after
    each chunk (a job lease's heartbeat)."""
    now = now or timezone.now()
    total = SweepResult()
    for clock in CLOCKS:
        last = 0
        while True:
            with transaction.atomic():
                rows = _candidates(clock, now, after=last, limit=chunk)
                if not rows:
                    break
                last = rows[-1]["pk"]
                total += _sweep_chunk(clock, rows, now)
            if progress is not None:
                progress()
            if len(rows) < chunk:
                break
    return total


def _candidates(clock: _Clock, now: datetime, *, after: int, limit: int) -> list[dict[str, Any]]:
    """The running clocks past their warning time (the partial index svc_case_sweep_<clock>) not
    yet in the state they are due for: running ones to warn, running or warned ones past due."""
    running = Q(**{clock.state: SlaState.RUNNING}) | Q(**{clock.state: SlaState.WARNING, f"{clock.due}__lte": now})
    query = (
        Case.objects.filter(
            clock.extra,
            running,
            status__in=RUNNING,
            **{f"{clock.state}__in": [SlaState.RUNNING, SlaState.WARNING], f"{clock.warn_at}__lte": now},
            pk__gt=after,
        )
        .order_by("pk")
        .values(
            "pk",
            "number",
            "subject",
            "owner_id",
            "escalated_at",
            state=F(clock.state),
            due=F(clock.due),
            team_manager=F("team__manager_id"),
            team_parent_manager=F("team__parent__manager_id"),
            owner_manager=F("owner__team__manager_id"),
            owner_parent_manager=F("owner__team__parent__manager_id"),
        )[:limit]
    )
    return cast("list[dict[str, Any]]", list(query))


@dataclass
class _Found:
    row: dict[str, Any]
    kind: str
    breach: bool
    manager: int | None
    notified: int | None


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


def _sweep_chunk(clock: _Clock, rows: list[dict[str, Any]], now: datetime) -> SweepResult:
    found: list[_Found] = []
    for row in rows:
        breach = row["due"] is not None and row["due"] <= now
        manager = _escalation_manager(row)
        found.append(
            _Found(
                row,
                clock.breach if breach else clock.warning,
                breach,
                manager,
                (manager or row["owner_id"]) if breach else (row["owner_id"] or manager),
            )
        )
    # Clocks without a due time never breach; a warning needs one too (nothing to be due soon).
    found = [f for f in found if f.row["due"] is not None]
    new_ids = _insert_events(found, now)
    new = [f for f in found if (f.row["pk"], f.kind) in new_ids]

    # The state follows the clock for every candidate (a state a concurrent run set stays as it is);
    # only the events this run inserted are recorded and told.
    version = {"version": F("version") + 1, "updated_at": now}
    warn_ids = [f.row["pk"] for f in found if not f.breach]
    breach_ids = [f.row["pk"] for f in found if f.breach]
    if warn_ids:
        Case.objects.filter(pk__in=warn_ids, **{clock.state: SlaState.RUNNING}).update(
            **{clock.state: SlaState.WARNING}, **version
        )
    if breach_ids:
        Case.objects.filter(pk__in=breach_ids, **{f"{clock.state}__in": [SlaState.RUNNING, SlaState.WARNING]}).update(
            **{clock.state: SlaState.BREACHED}, **version
        )
    escalations = [f for f in new if f.breach and f.manager is not None]
    if escalations:
        by_manager: dict[int, list[int]] = defaultdict(list)
        for f in escalations:
            by_manager[f.manager].append(f.row["pk"])  # type: ignore[index]
        Case.objects.filter(pk__in=[f.row["pk"] for f in escalations]).update(
            escalated_at=Coalesce(F("escalated_at"), Value(now)),
            escalated_to=When_(*(When(pk__in=ids, then=Value(m)) for m, ids in by_manager.items())),
        )  # the breach above bumped the version in this transaction
    if not new:
        return SweepResult()

    people = {u.pk: u for u in User.objects.filter(pk__in={p for f in new for p in _told(f)})}
    _timeline(clock, new, people, now)
    _notify(new, people, now)
    _emit_unindexed(
        [
            CaseSlaBreached(
                subject_id=f.row["pk"],
                number=f.row["number"],
                sla_kind=f.kind,
                due_at=f.row["due"],
                escalated_to_id=f.manager,
            )
            if f.breach
            else CaseSlaWarned(subject_id=f.row["pk"], number=f.row["number"], sla_kind=f.kind, due_at=f.row["due"])
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


def _insert_events(found: list[_Found], now: datetime) -> set[tuple[int, str]]:
    """Insert one event per found clock, skipping those recorded already; returns the (case, kind)
    pairs this statement inserted (RETURNING gives only inserted rows, on both databases)."""
    if not found:
        return set()
    meta = CaseSlaEvent._meta
    quote = connection.ops.quote_name
    field = meta.get_field("due_at")
    columns = ("case_id", "kind", "due_at", "found_at", "notified_id")
    found_at = field.get_db_prep_save(now, connection)
    params: list[Any] = []
    for f in found:
        params += [f.row["pk"], f.kind, field.get_db_prep_save(f.row["due"], connection), found_at, f.notified]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(found))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES {values} "  # noqa: S608 - quoted identifiers, values as parameters
        f"ON CONFLICT ({quote('case_id')}, {quote('kind')}, {quote('due_at')}) DO NOTHING "
        f"RETURNING {quote('case_id')}, {quote('kind')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(int(case_id), str(kind)) for case_id, kind in cursor.fetchall()}


def _told(found: _Found) -> set[int]:
    """Who hears of it: the notified person, and for a breach the owner too."""
    told = {found.notified} if found.notified else set()
    if found.breach and found.row["owner_id"]:
        told.add(found.row["owner_id"])
    return told


def _timeline(clock: _Clock, new: list[_Found], people: dict[int, User], now: datetime) -> None:
    """One CHANGED entry per case: the clock's state, and the escalation (codes and names: each
    reader reads them in their language). Set-based, as ltc.core.bulk writes bulk rows."""
    content_type = ContentType.objects.get_for_model(Case).pk
    rows = []
    for f in new:
        changes: list[dict[str, str]] = [
            {
                "field": clock.state,
                "old": str(f.row["state"]),
                "new": str(SlaState.BREACHED if f.breach else SlaState.WARNING),
            }
        ]
        if f.breach and f.manager is not None and f.row["escalated_at"] is None:
            changes.append({"field": "escalated_to", "old": "", "new": str(people.get(f.manager, f.manager))})
        rows.append((content_type, f.row["pk"], TimelineKind.CHANGED, None, now, "", changes))
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
    messages per each reader's channels for the "activity due" kind, in a few statements."""
    active = {pk: u for pk, u in people.items() if u.is_active}
    channels: dict[int, Channels] = preferences_of(active, NOTICE)
    robots = {
        hook.user_id: hook
        for hook in NotificationWebhook.objects.filter(
            user_id__in=[pk for pk, c in channels.items() if c.webhook]
        ).exclude(url="")
    }
    content_type = ContentType.objects.get_for_model(Case).pk
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "ltc.local"
    said: dict[tuple[str, str, bool], dict[str, str]] = {}  # one params object per language and text
    notices: list[tuple[Any, ...]] = []
    mails, hooks = [], []
    for f in new:
        label = f"{f.row['number']} {f.row['subject']}"[:300]
        for pk in _told(f):
            user = active.get(pk)
            if user is None:
                continue
            chosen = channels[pk]
            key = (_language(user), f.kind, f.breach and pk == f.manager)
            params = said.get(key)
            if params is None:
                with translation.override(key[0]):
                    params = said[key] = {"activity": _activity(f.kind, escalated=key[2])}
            if chosen.in_app:
                notices.append((pk, NOTICE, content_type, f.row["pk"], label, params, None, now, None))
            if not (chosen.email and user.email) and pk not in robots:
                continue
            url = f"{settings.LTC_BASE_URL}{reverse('service:case_detail', args=[f.row['pk']])}"
            with translation.override(key[0]):
                title = render_text(NOTICE, params, "", label)
            if chosen.email and user.email:
                name = f"case-sla-{f.row['pk']}-{f.kind}-{int(f.row['due'].timestamp())}-{pk}"
                mails.append(
                    OutgoingMail(
                        to=[user.email], subject=title[:300], body=f"{title}\n\n{url}", message_id=f"<{name}@{domain}>"
                    )
                )
            if pk in robots:
                hook = robots[pk]
                hooks.append(
                    OutgoingWebhook(url=hook.url, payload=robot_payload(hook.robot, title, url), created_at=now)
                )
    if notices:
        bulk_insert(Notification, NOTIFICATION_FIELDS, notices)
    if mails:
        OutgoingMail.objects.bulk_create(mails, batch_size=CHUNK, ignore_conflicts=True)
        transaction.on_commit(_deliver_mail)
    if hooks:
        OutgoingWebhook.objects.bulk_create(hooks, batch_size=CHUNK)
        transaction.on_commit(_deliver_webhooks)


def _deliver_mail() -> None:
    from ltc.core.tasks import deliver_mail

    deliver_mail.enqueue()


def _deliver_webhooks() -> None:
    from ltc.core.tasks import deliver_webhooks

    deliver_webhooks.enqueue()
