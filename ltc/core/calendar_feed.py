"""The private calendar feed: one secret address per user answering their own entries as ICS.

Served without sign-in, so it is built from the calendar entry's allow-list only (title, date,
record, link) and only from the user's own scope: no amounts, no notes or outcomes, nobody else's
activities. Like API tokens, only the secret's digest is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from ltc.core import calendar
from ltc.core.models import CalendarFeed

FEED_PREFIX = "cal_"
DAYS_BEFORE = 30
DAYS_AFTER = 180


def feed_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def calendar_feed_create(*, actor: Any, user: Any) -> tuple[CalendarFeed, str]:
    """A new feed address for `user` (the previous ones stop answering); returns the feed and its
    secret, which is shown once. Only the user themselves may."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the user may create their calendar feed."))
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        feed = CalendarFeed.objects.create(user=user, prefix=raw[:10], digest=feed_digest(raw), created_at=now)
    return feed, raw


def calendar_feed_revoke(*, actor: Any, user: Any) -> int:
    """Stop every feed address of `user`; returns how many were active."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the user may revoke their calendar feed."))
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def calendar_feed_active(*, user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_resolve(raw: str) -> CalendarFeed | None:
    """The active feed a secret opens, of an active user; None for anything else."""
    if not raw or not raw.startswith(FEED_PREFIX) or len(raw) > 100:
        return None
    feed = (
        CalendarFeed.objects.filter(digest=feed_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed is not None:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed


def calendar_ics(*, user: Any, base_url: str, today: date | None = None) -> bytes:
    """The user's own entries from 30 days back to 180 ahead, as an iCalendar document, in the
    user's language."""
    today = today or timezone.localdate()
    start, end = today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AFTER)
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        entries = calendar.entries_for(user, start, end, scope=calendar.MINE)
        cal = Calendar()
        cal.add("prodid", "-//LTC//Lead to Cash//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", _("LTC calendar"))
        stamp = timezone.now()
        for entry in entries:
            event = Event()
            event.add("uid", entry.uid)
            event.add("dtstamp", stamp)
            event.add("summary", entry.title)
            if isinstance(entry.start, datetime) and not entry.all_day:
                event.add("dtstart", entry.start)
                event.add("dtend", entry.start + timedelta(minutes=30))
            else:
                event.add("dtstart", entry.day)
                event.add("dtend", entry.day + timedelta(days=1))
            if entry.record:
                event.add("description", entry.record)
            if entry.url:
                event.add("url", base_url.rstrip("/") + entry.url)
            event.add("categories", [str(source_label(entry.kind))])
            cal.add_component(event)
        return bytes(cal.to_ical())


def source_label(key: str) -> Any:
    return next((s.label for s in calendar.sources() if s.key == key), key)
