"""Members and touches: the two writes every marketing area shares. A campaign's members are the
leads and contacts it reached, with how far they came; a touch is one response, what attribution
and engagement count. Both are set-based (a mailing records 100k at once) and idempotent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ltc.marketing.models import CampaignMember, MemberSource, MemberStatus, Touch, TouchKind
from ltc.marketing.models.campaigns import MEMBER_STATUS_RANK

# The member status a touch of each kind brings a member to (at least).
STATUS_OF_TOUCH = {
    TouchKind.FORM: MemberStatus.RESPONDED,
    TouchKind.OPEN: MemberStatus.OPENED,
    TouchKind.CLICK: MemberStatus.CLICKED,
    TouchKind.REGISTRATION: MemberStatus.REGISTERED,
    TouchKind.ATTENDANCE: MemberStatus.ATTENDED,
    TouchKind.VISIT: MemberStatus.RESPONDED,
    TouchKind.IMPORT: MemberStatus.TARGETED,
    TouchKind.MANUAL: MemberStatus.RESPONDED,
}

# How a person a touch brings in became a member.
SOURCE_OF_TOUCH = {
    TouchKind.FORM: MemberSource.WEB_FORM,
    TouchKind.OPEN: MemberSource.EMAIL,
    TouchKind.CLICK: MemberSource.EMAIL,
    TouchKind.REGISTRATION: MemberSource.EVENT,
    TouchKind.ATTENDANCE: MemberSource.EVENT,
    TouchKind.VISIT: MemberSource.WEB_FORM,
    TouchKind.IMPORT: MemberSource.IMPORT,
    TouchKind.MANUAL: MemberSource.MANUAL,
}

TouchHook = Callable[[list[Touch]], None]
_TOUCH_HOOKS: list[TouchHook] = []


def on_touches(hook: TouchHook) -> TouchHook:
    """Call `hook` with the touches newly recorded, in the recording transaction (engagement
    scoring, journeys). Registered once at start-up (ltc.marketing.wiring)."""
    if hook not in _TOUCH_HOOKS:
        _TOUCH_HOOKS.append(hook)
    return hook


@dataclass(frozen=True)
class Person:
    """A lead or a contact (exactly one)."""

    lead_id: int | None = None
    contact_id: int | None = None


@dataclass(frozen=True)
class TouchIn:
    campaign_id: int
    kind: str
    key: str  # what makes the touch itself: the same key is recorded once
    lead_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    at: datetime | None = None


def members_advance(
    campaign_id: int,
    people: Iterable[Person],
    status: str,
    *,
    source: str = MemberSource.MANUAL,
    at: datetime | None = None,
) -> int:
    """Make `people` members of the campaign with at least `status`: missing members are added,
    members behind it move forward, members ahead stay. Returns how many rows changed. Two
    queries to read, one insert, one update per status behind."""
    now = at or timezone.now()
    wanted = {(p.lead_id, p.contact_id) for p in people if (p.lead_id is None) != (p.contact_id is None)}
    if not wanted:
        return 0
    lead_ids = [lead for lead, _ in wanted if lead is not None]
    contact_ids = [contact for _, contact in wanted if contact is not None]
    existing: dict[tuple[int | None, int | None], tuple[int, str]] = {}
    members = CampaignMember.objects.filter(campaign_id=campaign_id)
    for chunk_field, ids in (("lead_id__in", lead_ids), ("contact_id__in", contact_ids)):
        for start in range(0, len(ids), 5000):
            for pk, lead, contact, current in members.filter(**{chunk_field: ids[start : start + 5000]}).values_list(
                "pk", "lead_id", "contact_id", "status"
            ):
                existing[(lead, contact)] = (pk, current)
    rank = MEMBER_STATUS_RANK[status]
    behind = [pk for pk, current in existing.values() if MEMBER_STATUS_RANK[current] < rank]
    new = [
        CampaignMember(
            campaign_id=campaign_id,
            lead_id=lead,
            contact_id=contact,
            status=status,
            source=source,
            added_at=now,
            status_at=now,
        )
        for lead, contact in wanted
        if (lead, contact) not in existing
    ]
    with transaction.atomic():
        CampaignMember.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        moved = 0
        for start in range(0, len(behind), 5000):
            moved += CampaignMember.objects.filter(pk__in=behind[start : start + 5000]).update(
                status=status, status_at=now
            )
    return len(new) + moved


def touches_record(touches: Sequence[TouchIn]) -> list[Touch]:
    """Record responses (idempotent: a key already recorded is skipped), bring their members
    forward (STATUS_OF_TOUCH) and call the touch hooks with the new touches. Returns them."""
    if not touches:
        return []
    now = timezone.now()
    by_key = {t.key: t for t in touches}
    known: set[str] = set()
    keys = list(by_key)
    for start in range(0, len(keys), 5000):
        known.update(Touch.objects.filter(key__in=keys[start : start + 5000]).values_list("key", flat=True))
    fresh = [t for key, t in by_key.items() if key not in known]
    if not fresh:
        return []
    rows = [
        Touch(
            campaign_id=t.campaign_id,
            kind=t.kind,
            key=t.key,
            lead_id=t.lead_id,
            contact_id=t.contact_id,
            account_id=t.account_id,
            occurred_at=t.at or now,
        )
        for t in fresh
    ]
    with transaction.atomic():
        inserted = _insert_new(rows)
        created = [row for row in rows if row.pk in inserted]
        created_keys = {row.key for row in created}
        fresh = [t for t in fresh if t.key in created_keys]
        grouped: dict[tuple[int, str, str], list[Person]] = defaultdict(list)
        for t in fresh:
            if t.lead_id is not None or t.contact_id is not None:
                person = Person(lead_id=t.lead_id) if t.lead_id is not None else Person(contact_id=t.contact_id)
                kind = TouchKind(t.kind)
                grouped[(t.campaign_id, STATUS_OF_TOUCH[kind], SOURCE_OF_TOUCH[kind])].append(person)
        for (campaign_id, status, source), people in grouped.items():
            members_advance(campaign_id, people, status, source=source)
        for hook in _TOUCH_HOOKS:
            hook(created)
    return created


INSERT_FIELDS = ("campaign", "kind", "key", "lead", "contact", "account", "occurred_at")


def _insert_new(rows: list[Touch], *, chunk: int = 500) -> set[int]:
    """Insert the touches whose key is new and give each inserted row its id; returns the ids.
    `ON CONFLICT DO NOTHING RETURNING` (PostgreSQL, SQLite ≥ 3.35): a key a concurrent request
    recorded first is skipped here, so that touch's hooks run once, in the request that wrote it."""
    fields = [f for f in Touch._meta.concrete_fields if f.name in INSERT_FIELDS]
    table = connection.ops.quote_name(Touch._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    key = connection.ops.quote_name("key")
    inserted: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in part for f in fields]
            values = ", ".join([row_sql] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({key}) DO NOTHING RETURNING id, {key}",  # noqa: S608
                params,
            )
            ids = dict((key, pk) for pk, key in cursor.fetchall())
            for row in part:
                if row.key in ids:
                    row.pk = ids[row.key]
                    inserted.add(row.pk)
    return inserted
