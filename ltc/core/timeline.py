"""Writing and reading a record's append-only timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import search
from ltc.core.forms import posted_number
from ltc.core.models import TimelineEvent, TimelineKind

NOTE_MAX_LENGTH = 10_000


def stored_value(instance: models.Model, field_name: str) -> str:
    """How a field's value is kept in the timeline: choice codes and related names.

    Choice codes (not labels) are kept so the timeline reads in each reader's language.
    """
    value = getattr(instance, field_name)
    return "" if value is None else str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, str]:
    return {name: stored_value(instance, name) for name in fields}


def record_created(*, actor: Any, subject: models.Model, text: str = "") -> TimelineEvent:
    return _append(actor=actor, subject=subject, kind=TimelineKind.CREATED, text=text)


def record_changes(
    *,
    actor: Any,
    subject: models.Model,
    before: dict[str, str],
    source: models.Model | None = None,
    via: str = "",
    text: str = "",
) -> TimelineEvent | None:
    """Append one CHANGED event listing each field whose stored value differs from `before`.
    When the fields live on a related record (a quote's current version), pass it as `source`
    and the relation's name as `via`: the change is kept as "via.field" and labelled from there.
    `text` says why, when the change has a cause the fields do not tell."""
    changes = []
    for name, old in before.items():
        new = stored_value(source if source is not None else subject, name)
        if new != old:
            changes.append({"field": f"{via}.{name}" if via else name, "old": old, "new": new})
    if not changes:
        return None
    return _append(actor=actor, subject=subject, kind=TimelineKind.CHANGED, text=text, changes=changes)


def record_field_changes(
    *, actor: Any, subject: models.Model, changes: list[dict[str, Any]], text: str = ""
) -> TimelineEvent:
    """Append one CHANGED event of changes the caller listed ({"field", "old", "new", ...}): for
    values kept outside the record's own columns (ltc.core.customfields)."""
    return _append(actor=actor, subject=subject, kind=TimelineKind.CHANGED, text=text, changes=changes)


def record_deleted(*, actor: Any, subject: models.Model) -> TimelineEvent:
    """The last entry of a deleted record: its final field values, so the history stays readable."""
    values = {
        f.name: stored_value(subject, f.name) for f in subject._meta.concrete_fields if f.editable and not f.primary_key
    }
    changes = [{"field": name, "old": value, "new": ""} for name, value in values.items() if value]
    return _append(actor=actor, subject=subject, kind=TimelineKind.DELETED, text=str(subject), changes=changes)


def record_restored(*, actor: Any, subject: models.Model) -> TimelineEvent:
    """The entry of a record restored from the recycle bin (core.recycle)."""
    return _append(actor=actor, subject=subject, kind=TimelineKind.RESTORED, text=_("Restored from the recycle bin."))


def record_activity(*, actor: Any, subject: models.Model, activity: Any) -> TimelineEvent:
    """An activity planned or done, as a timeline line: "Call: confirm budget — outcome"."""
    mark = "✓ " if activity.done_at else ""
    text = f"{mark}{activity.get_kind_display()}: {activity.title}"
    if activity.outcome:
        text += f" — {activity.outcome}"
    return _append(actor=actor, subject=subject, kind=TimelineKind.ACTIVITY, text=text)


def note_add(*, actor: Any, subject: models.Model, text: str) -> TimelineEvent:
    """Add a note; refuses an empty or over-long text. The users it mentions by @username are
    notified when they may see `subject`; the others are listed in the event's `not_notified`."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("A note cannot be empty.")]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": [_("A note may have at most %(n)d characters.") % {"n": NOTE_MAX_LENGTH}]})
    event = _append(actor=actor, subject=subject, kind=TimelineKind.NOTE, text=text)
    # "@username" tells that user, if they may open the record; the author hears of those who may not.
    from ltc.core.notifications import mentions_notify

    event.not_notified = mentions_notify(actor=actor, subject=subject, text=text)  # type: ignore[attr-defined]
    return event


def _append(
    *, actor: Any, subject: models.Model, kind: str, text: str = "", changes: list[Any] | None = None
) -> TimelineEvent:
    # Every service records its change here: the one place that keeps the search index current.
    search.mark_dirty(subject)
    return TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        text=text,
        changes=changes or [],
    )


def scrub_values(subject: models.Model, fields: Iterable[str]) -> int:
    """Blank the old and new values of `fields` in a record's timeline (an erasure of personal
    data, PIPL art. 47): which field changed, who changed it and when stay. The one exception to
    the timeline being append-only. Returns how many entries changed."""
    names = set(fields)
    events = TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).only("pk", "changes")
    scrubbed = []
    for event in events:
        changed = False
        for change in event.changes or []:
            if isinstance(change, dict) and str(change.get("field", "")).rsplit(".", 1)[-1] in names:
                for key in ("old", "new"):
                    if change.get(key) not in ("", None):
                        change[key] = ""
                        changed = True
        if changed:
            scrubbed.append(event)
    TimelineEvent.objects.bulk_update(scrubbed, ["changes"], batch_size=500)
    return len(scrubbed)


def timeline_for(subject: models.Model, *, limit: int = 100) -> list[TimelineEvent]:
    """The newest `limit` events of a record, with their actors, in one query."""
    return list(
        TimelineEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        ).select_related("actor")[:limit]
    )


# --- reading a timeline on a record page: filter chips and "show more" ----------------------------

TIMELINE_PAGE = 10  # entries a record page shows at first, and how many more each "show more" adds
STATUS_FIELDS = ("status", "stage")  # a change of one of these reads as a status change


def _is_status_change(event: TimelineEvent) -> bool:
    return event.kind == TimelineKind.CHANGED and any(
        str(change.get("field", "")).rsplit(".", 1)[-1] in STATUS_FIELDS for change in event.changes or []
    )


# chip key -> (label, test); the order is the order of the chips
TIMELINE_FILTERS: dict[str, tuple[Any, Any]] = {
    "note": (gettext_lazy("Notes"), lambda e: e.kind == TimelineKind.NOTE),
    "status": (gettext_lazy("Status"), _is_status_change),
    "change": (
        gettext_lazy("Changes"),
        lambda e: e.kind in (TimelineKind.CHANGED, TimelineKind.CREATED, TimelineKind.DELETED),
    ),
    "activity": (gettext_lazy("Activities"), lambda e: e.kind == TimelineKind.ACTIVITY),
    "decision": (gettext_lazy("Decisions"), lambda e: e.kind == TimelineKind.DECISION),
}


@dataclass(frozen=True)
class TimelineChip:
    key: str  # "" for all
    label: Any
    count: int
    url: str
    active: bool


@dataclass(frozen=True)
class TimelineWindow:
    """What a record page's timeline shows: the entries of the chosen kind up to `shown`, the chips
    (with their counts among the loaded entries) and the link that shows `more` further entries."""

    entries: list[TimelineEvent]
    chips: list[TimelineChip]
    kind: str
    more: int
    more_url: str


def timeline_window(events: Iterable[TimelineEvent], query: QueryDict) -> TimelineWindow:
    """Filter and fold the entries a page loaded, as its query asks: `timeline` names a chip,
    `timeline_shown` how many entries to show (from TIMELINE_PAGE on). Nothing is read from the
    database: the page's own timeline query stays its only one. An unknown chip or a number that
    is not one reads as the default."""
    loaded = list(events)
    kind = query.get("timeline", "")
    if kind not in TIMELINE_FILTERS:
        kind = ""
    shown = max(TIMELINE_PAGE, min(posted_number(query, "timeline_shown"), len(loaded) or TIMELINE_PAGE))
    matching = [e for e in loaded if TIMELINE_FILTERS[kind][1](e)] if kind else loaded

    def url(chip: str, count: int) -> str:
        params = query.copy()
        for name in ("timeline", "timeline_shown"):
            params.pop(name, None)
        if chip:
            params["timeline"] = chip
        if count > TIMELINE_PAGE:
            params["timeline_shown"] = str(count)
        encoded = params.urlencode()
        return f"?{encoded}#timeline" if encoded else "?#timeline"

    chips = [TimelineChip("", gettext_lazy("All"), len(loaded), url("", 0), kind == "")]
    for key, (label, test) in TIMELINE_FILTERS.items():
        count = sum(1 for e in loaded if test(e))
        if count or key == kind:
            chips.append(TimelineChip(key, label, count, url(key, 0), key == kind))
    more = min(TIMELINE_PAGE, max(0, len(matching) - shown))
    return TimelineWindow(matching[:shown], chips, kind, more, url(kind, shown + TIMELINE_PAGE) if more else "")
