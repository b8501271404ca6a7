"""Activities shared by every business record: plan, log and complete follow-ups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.models import Activity, ActivityKind

TITLE_MAX = 200
MOVE_YEARS = (1900, 9000)  # beyond them a time zone could carry a date out of what databases store


def activity_create(
    *,
    actor: Any,
    subject: models.Model,
    kind: str,
    title: str,
    owner: Any = None,
    due_at: datetime | None = None,
    remind_at: datetime | None = None,
    done: bool = False,
    outcome: str = "",
) -> Activity:
    """Plan a follow-up (with `due_at`) or log one already done; the subject's timeline records it.

    Refuses an unknown kind, an empty title, a reminder after the due time.
    """
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose a call, visit, meeting, email or task.")]
    if not title:
        errors["title"] = [_("Say what the activity is about.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("At most %(n)d characters.") % {"n": TITLE_MAX}]
    if not done and due_at is None:
        errors["due_at"] = [_("A planned activity needs a due date.")]
    if remind_at and due_at and remind_at > due_at:
        errors["remind_at"] = [_("The reminder must come before the due time.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        activity = Activity.objects.create(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            kind=kind,
            title=title,
            owner=owner or actor,
            due_at=due_at,
            remind_at=remind_at,
            done_at=now if done else None,
            outcome=outcome.strip(),
        )
        timeline.record_activity(actor=actor, subject=subject, activity=activity)
    return activity


def activity_complete(*, actor: Any, activity: Activity, outcome: str = "") -> Activity:
    """Mark a planned activity done with its outcome; only its owner or the record's writer may."""
    if activity.done_at is not None:
        raise ValidationError({"done_at": [_("This activity is already done.")]})
    if activity.owner_id != actor.pk and not actor.has_role("admin", "sales_manager"):
        raise PermissionDenied(_("Only the activity's owner or a manager may complete it."))
    activity.done_at = timezone.now()
    activity.outcome = (outcome or activity.outcome).strip()
    with transaction.atomic():
        activity.save(update_fields=["done_at", "outcome"])
        subject = activity.subject
        if subject is not None:
            timeline.record_activity(actor=actor, subject=subject, activity=activity)
    return activity


def activity_may_move(user: Any, activity: Activity) -> bool:
    """The activity's owner, or a manager above the owner (or an admin), may move it."""
    from ltc.core.access import can_change

    return can_change(user, activity.owner_id, activity.owner.team_id)


def activity_reschedule(
    *, actor: Any, activity: Activity, due_at: datetime | None, expected_due_at: datetime | None
) -> Activity:
    """Move a planned activity to `due_at` (its reminder moves with it), if it is still due when
    the mover read it (`expected_due_at`): a compare-and-swap, so a move never overwrites another.
    The subject's timeline records the change.

    Refuses a done activity, a missing due time, someone who is neither the owner nor a manager
    above the owner (PermissionDenied), and a stale `expected_due_at`."""
    if not activity_may_move(actor, activity):
        raise PermissionDenied(_("Only the activity's owner or their manager may move it."))
    if activity.done_at is not None:
        raise ValidationError({"due_at": [_("This activity is already done.")]})
    if due_at is None:
        raise ValidationError({"due_at": [_("A planned activity needs a due date.")]})
    if not MOVE_YEARS[0] <= due_at.year <= MOVE_YEARS[1]:
        raise ValidationError(
            {
                "due_at": [
                    _("Choose a date between the years %(first)d and %(last)d.")
                    % {"first": MOVE_YEARS[0], "last": MOVE_YEARS[1]}
                ]
            }
        )
    if expected_due_at is None or activity.due_at != expected_due_at:
        raise ValidationError(
            {"expected_due_at": [_("Someone else moved this activity meanwhile. Reload and try again.")]}
        )
    before = timeline.snapshot(activity, ["due_at", "remind_at"])
    remind_at = activity.remind_at + (due_at - activity.due_at) if activity.remind_at and activity.due_at else None
    with transaction.atomic():
        moved = Activity.objects.filter(pk=activity.pk, due_at=expected_due_at, done_at__isnull=True).update(
            due_at=due_at, remind_at=remind_at, reminded_at=None
        )
        if not moved:
            raise ValidationError(
                {"expected_due_at": [_("Someone else moved this activity meanwhile. Reload and try again.")]}
            )
        activity.due_at, activity.remind_at, activity.reminded_at = due_at, remind_at, None
        subject = activity.subject
        if subject is not None:
            timeline.record_changes(
                actor=actor,
                subject=subject,
                before=before,
                source=activity,
                via="activity",
                text=_("Rescheduled: %(activity)s") % {"activity": activity},
            )
    return activity


def activities_for(subject: models.Model) -> QuerySet[Activity]:
    return Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("owner")


def follow_ups(*, user: Any, now: datetime | None = None) -> tuple[list[Activity], list[Activity]]:
    """The user's open activities due today and those overdue (for the home page)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    mine = Activity.objects.open().filter(owner=user, due_at__isnull=False).prefetch_related("subject")
    overdue = list(mine.filter(due_at__lt=start).order_by("due_at")[:20])
    today = list(mine.filter(due_at__gte=start, due_at__lt=end).order_by("due_at")[:20])
    return today, overdue


def activity_reminders_send(
    *, now: datetime | None = None, batch: int = 1000, progress: Callable[[], bool] | None = None
) -> int:
    """Queue the due reminders (one e-mail per activity) and mark them reminded, a batch per
    transaction, then deliver the mail; returns how many. Stopped anywhere, a run neither loses
    nor repeats a reminder: what was marked is in the outbox, what was not is found again."""
    from ltc.core.mail import mail_deliver

    now = now or timezone.now()
    total = 0
    while queued := _queue_reminders(now, batch, progress):
        total += queued
    mail_deliver()
    return total


def _queue_reminders(now: datetime, batch: int, progress: Callable[[], bool] | None) -> int:
    """One batch of reminders queued and marked in one transaction, with the lease renewed in it."""
    from django.conf import settings
    from django.utils import translation

    from ltc.core.mail import mail_queue
    from ltc.core.models import NotificationKind
    from ltc.core.notifications import notify

    with transaction.atomic():
        if progress is not None and not progress():
            return 0
        due = list(
            Activity.objects.open()
            .filter(remind_at__lte=now, reminded_at__isnull=True, owner__is_active=True)
            .select_related("owner")
            .prefetch_related("subject")
            .select_for_update(of=("self",), skip_locked=True)[:batch]
        )
        for activity in due:
            with translation.override(activity.owner.language or settings.LANGUAGE_CODE):
                subject = _("Reminder: %(activity)s") % {"activity": activity}
                body = _("%(activity)s on %(record)s is due %(due)s.") % {
                    "activity": activity,
                    "record": activity.subject or "",
                    "due": timezone.localtime(activity.due_at).strftime("%Y-%m-%d %H:%M") if activity.due_at else "",
                }
            mail_queue(subject, body, [activity.owner.email], deliver=False)
            notify(
                [activity.owner],
                NotificationKind.ACTIVITY_DUE,
                subject=activity.subject,
                params={"activity": activity.title},
                mail=False,
            )
        Activity.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
    return len(due)


def activity_delete(*, actor: Any, activity: Activity) -> Any:
    """Delete an activity into the recycle bin (restorable for 30 days); its owner or a manager
    above the owner may (PermissionDenied otherwise)."""
    from ltc.core.recycle import record_recycle

    return record_recycle(actor=actor, record=activity)
