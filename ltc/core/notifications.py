"""Notifications: what a user should know about a record, on the channels they chose.

`notify` runs in the caller's transaction: it writes the in-app notifications, queues the e-mail
in the mail outbox and the group-robot messages in the webhook outbox, so a rolled-back action
tells nobody. A notification keeps its kind and parameters, never a sentence: it reads in the
reader's language when shown. The worker posts robot messages (`webhooks_deliver`), keeping a
failure for a retry like mail; the daily digest (`digest_send`) mails each user the unread
notifications of the last day, once a day.

Who is told what is decided by the stage that knows: each app registers its reactions and
visibility rules from its AppConfig.ready (the `notifying` module); core never imports them.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from ltc.core.access import may_see, visible_ids
from ltc.core.mail import mail_queue
from ltc.core.models import (
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationPreference,
    NotificationWebhook,
    OutgoingWebhook,
    RobotType,
)
from ltc.core.templatetags.numbers import money

log = logging.getLogger(__name__)

Kind = NotificationKind
CHANNELS = tuple(NotificationChannel.values)
# Decisions and mentions ask for an answer: they are also mailed unless the user says otherwise.
MAILED_BY_DEFAULT = frozenset({Kind.DECISION_ROUTED, Kind.DECISION_MADE, Kind.MENTION})
# Kinds a user may set channels for (a mention that was not delivered only tells its author).
CONFIGURABLE: tuple[str, ...] = tuple(str(k) for k in Kind if k != Kind.MENTION_UNSEEN)
MAX_ATTEMPTS = 10
CLAIM_TIMEOUT = timedelta(minutes=2)
WEBHOOK_TIMEOUT = 5  # seconds: a robot that does not answer is tried again later
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{1,150})", re.UNICODE)


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool
    webhook: bool


def default_channels(kind: str) -> Channels:
    return Channels(in_app=True, email=kind in MAILED_BY_DEFAULT, webhook=False)


def preferences_of(user_ids: Iterable[int], kind: str) -> dict[int, Channels]:
    """Each user's channels for `kind` (their setting, else the default), in one query."""
    ids = list(user_ids)
    chosen = {
        p.user_id: Channels(p.in_app, p.email, p.webhook)
        for p in NotificationPreference.objects.filter(user_id__in=ids, kind=kind)
    }
    return {pk: chosen.get(pk, default_channels(kind)) for pk in ids}


def notify(
    recipients: Iterable[Any],
    kind: str,
    *,
    subject: models.Model | None,
    actor: Any = None,
    params: dict[str, Any] | None = None,
    mail: bool = True,
) -> list[Notification]:
    """Tell `recipients` (users) about `subject`, on each one's channels, in the caller's
    transaction. The actor is not told of their own action; inactive users are not told;
    `mail=False` when the caller already mails (the activity reminder)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    people = {u.pk: u for u in recipients if u is not None and u.is_active and u.pk != actor_id}
    if not people:
        return []
    params = dict(params or {})
    channels = preferences_of(people, kind)
    content_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    label = str(subject)[:300] if subject is not None else ""
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            content_type=content_type,
            object_id=subject.pk if subject is not None else None,
            subject_label=label,
            params=params,
            actor_id=actor_id,
            created_at=now,
        )
        for pk, chosen in channels.items()
        if chosen.in_app
    ]
    created = Notification.objects.bulk_create(rows)
    mailed = [people[pk] for pk, chosen in channels.items() if chosen.email and mail and people[pk].email]
    robots = {
        hook.user_id: hook
        for hook in NotificationWebhook.objects.filter(
            user_id__in=[pk for pk, chosen in channels.items() if chosen.webhook]
        ).exclude(url="")
    }
    if not mailed and not robots:
        return created
    actor_name = str(actor) if actor_id else ""
    for user in mailed:
        with translation.override(_language(user)):
            title = render_text(kind, params, actor_name, label)
            body = f"{title}\n\n{_record_url(subject)}".strip()
            mail_queue(title, body, [user.email])
    for hook in robots.values():
        with translation.override(_language(people[hook.user_id])):
            title = render_text(kind, params, actor_name, label)
        OutgoingWebhook.objects.create(
            url=hook.url, payload=robot_payload(hook.robot, title, _record_url(subject)), created_at=now
        )
    if robots:
        transaction.on_commit(_deliver_webhooks_later)
    return created


def _language(user: Any) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _record_url(subject: models.Model | None) -> str:
    url = getattr(subject, "get_absolute_url", None)
    return f"{settings.LTC_BASE_URL}{url()}" if callable(url) else ""


# Params stored raw (an amount as the Decimal's string, a date in ISO), shown in the reader's language.
AMOUNT_PARAMS = frozenset({"open"})
DATE_PARAMS = frozenset({"due"})


def _shown_param(name: str, value: Any) -> Any:
    if name in AMOUNT_PARAMS:
        return money(value) or value  # a notice stored before amounts were raw keeps its text
    if name in DATE_PARAMS and isinstance(value, str):
        try:
            return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return value


DIGEST = "service_level_digest"


def render_text(kind: str, params: dict[str, Any], actor: str, record: str) -> str:
    """The notification's sentence in the active language."""
    words = {
        "discount": _("discount approval"),
        "contract_review": _("contract review"),
        "go": _("Go"),
        "go_conditions": _("Go with conditions"),
        "no_go": _("No-go"),
        "hold": _("Hold"),
        "approved": _("approved"),
        "rejected": _("rejected"),
    }
    values = {
        "actor": actor or _("Someone"),
        "record": record,
        **{k: str(words.get(str(v), _shown_param(k, v))) for k, v in params.items()},
    }
    texts: dict[str, str] = {
        Kind.ASSIGNMENT: _("%(actor)s assigned “%(record)s” to you."),
        Kind.MENTION: _("%(actor)s mentioned you in a note on “%(record)s”."),
        Kind.MENTION_UNSEEN: _("%(names)s cannot see “%(record)s”: not notified of your note."),
        Kind.DECISION_ROUTED: _("%(actor)s routed a decision to you: %(decision)s on “%(record)s”."),
        Kind.DECISION_MADE: _("Your request on “%(record)s” was decided: %(decision)s — %(outcome)s."),
        Kind.ACTIVITY_DUE: _("Activity due: %(activity)s on “%(record)s”."),
        Kind.INVOICE_DUE: _("Invoice %(record)s of %(account)s falls due on %(due)s: %(open)s %(currency)s open."),
        Kind.INVOICE_OVERDUE: _(
            "Invoice %(record)s of %(account)s is %(days)s days overdue (due %(due)s): %(open)s %(currency)s open."
        ),
        Kind.SERVICE_LEVEL: _("Case “%(record)s”: %(activity)s."),
        # The SLA sweep's digest: many cases of one kind for one reader at once.
        DIGEST: _("%(count)s cases (%(record)s …): %(activity)s."),
    }
    text = texts.get(DIGEST if kind == Kind.SERVICE_LEVEL and "count" in params else kind)
    if text is None:
        return record
    try:
        return str(text % values)
    except (KeyError, ValueError, TypeError):
        return record


def render(notification: Notification) -> str:
    actor = str(notification.actor) if notification.actor_id and notification.actor else ""
    return render_text(notification.kind, notification.params, actor, notification.subject_label)


# -- mentions --------------------------------------------------------------------------------------


def mentioned_names(text: str) -> list[str]:
    """The @usernames of a note, in order, each once."""
    return list(dict.fromkeys(MENTION.findall(text or "")))


def mentions_notify(*, actor: Any, subject: models.Model, text: str) -> list[Any]:
    """Tell the users a note mentions by @username, if they may open the record; returns those
    who may not (they are told nothing, the author is told instead)."""
    names = mentioned_names(text)
    if not names:
        return []
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    seeing = [u for u in users if may_see(u, subject)]
    blind = [u for u in users if u not in seeing and u.pk != getattr(actor, "pk", None)]
    notify(seeing, Kind.MENTION, subject=subject, actor=actor)
    if blind and actor is not None and getattr(actor, "is_authenticated", False):
        notify(
            [actor],
            Kind.MENTION_UNSEEN,
            subject=subject,
            params={"names": ", ".join(u.username for u in blind)},
            mail=False,
        )
    return blind


# -- reading ---------------------------------------------------------------------------------------


def notifications_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).select_related("actor", "content_type")


def unread_count(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


@dataclass(frozen=True)
class Shown:
    """A notification as its reader sees it: the sentence and a link only to what they may open."""

    notification: Notification
    text: str
    url: str | None

    @property
    def pk(self) -> int:
        return self.notification.pk


def shown(user: Any, notifications: Iterable[Notification]) -> list[Shown]:
    """Render for `user`: a link only to records the user may open now (one query per model)."""
    rows = list(notifications)
    wanted: defaultdict[type[models.Model], set[int]] = defaultdict(set)
    for n in rows:
        if n.content_type is not None and n.object_id:
            model = n.content_type.model_class()
            if model is not None:
                wanted[model].add(n.object_id)
    opens = {model: visible_ids(user, model, ids) for model, ids in wanted.items()}
    result = []
    for n in rows:
        url = None
        model = n.content_type.model_class() if n.content_type is not None else None
        if model is not None and n.object_id in opens.get(model, ()):
            link = getattr(model(pk=n.object_id), "get_absolute_url", None)
            url = link() if callable(link) else None
        result.append(Shown(n, render(n), url))
    return result


def notification_read(*, actor: Any, pk: Any) -> Notification:
    """Mark one of the actor's notifications read (another's does not exist for them)."""
    from ltc.core.access import fetch_or_404

    notification = fetch_or_404(Notification.objects.filter(recipient_id=actor.pk), pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, actor: Any) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


# -- preferences -----------------------------------------------------------------------------------


def preferences_get(user: Any) -> dict[str, Channels]:
    chosen = {p.kind: Channels(p.in_app, p.email, p.webhook) for p in NotificationPreference.objects.filter(user=user)}
    return {kind: chosen.get(kind, default_channels(kind)) for kind in CONFIGURABLE}


def preferences_set(*, actor: Any, choices: dict[str, Channels]) -> dict[str, Channels]:
    """Set the actor's channels per kind; an unknown kind is refused and nothing changes."""
    unknown = [kind for kind in choices if kind not in CONFIGURABLE]
    if unknown:
        raise ValidationError({"kind": [_("Unknown kind of notification: %(kind)s.") % {"kind": unknown[0]}]})
    with transaction.atomic():
        for kind, chosen in choices.items():
            NotificationPreference.objects.update_or_create(
                user=actor,
                kind=kind,
                defaults={"in_app": chosen.in_app, "email": chosen.email, "webhook": chosen.webhook},
            )
    return preferences_get(actor)


def webhook_of(user: Any) -> NotificationWebhook | None:
    return NotificationWebhook.objects.filter(user=user).first()


def webhook_set(*, actor: Any, url: str, robot: str) -> NotificationWebhook:
    """Set the actor's group robot; refuses an address that is not http(s) or an unknown robot."""
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = [_("Enter the robot's http(s) address.")]
    if robot not in RobotType.values:
        errors["robot"] = [_("Choose WeCom, DingTalk or Feishu.")]
    if errors:
        raise ValidationError(errors)
    hook, _created = NotificationWebhook.objects.update_or_create(user=actor, defaults={"url": url, "robot": robot})
    return hook


def webhook_test(*, actor: Any) -> OutgoingWebhook:
    """Queue a test message to the actor's robot."""
    hook = webhook_of(actor)
    if hook is None or not hook.url:
        raise ValidationError({"url": [_("Set the robot's address first.")]})
    message = OutgoingWebhook.objects.create(
        url=hook.url, payload=robot_payload(hook.robot, _("LTC test message: notifications reach this group."), "")
    )
    transaction.on_commit(_deliver_webhooks_later)
    return message


# -- group robots ----------------------------------------------------------------------------------


def robot_payload(robot: str, text: str, url: str) -> dict[str, Any]:
    """The JSON each robot expects: WeCom and DingTalk take markdown, Feishu a text message."""
    if robot == RobotType.FEISHU:
        return {"msg_type": "text", "content": {"text": f"{text}\n{url}".strip()}}
    markdown = f"{text}\n[{url}]({url})" if url else text
    if robot == RobotType.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": text[:60], "text": markdown}}
    return {"msgtype": "markdown", "markdown": {"content": markdown}}


def _deliver_webhooks_later() -> None:
    from ltc.core.tasks import deliver_webhooks

    deliver_webhooks.enqueue()


def _pending() -> QuerySet[OutgoingWebhook]:
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=timezone.now() - CLAIM_TIMEOUT)
    return OutgoingWebhook.objects.filter(free, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)


def webhooks_deliver(*, batch: int = 500) -> int:
    """Post the queued robot messages, oldest first, each claimed in a short transaction and
    posted outside any; a failure is kept with its error and tried again later."""
    sent = 0
    last = 0
    while ids := list(_pending().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]):
        last = ids[-1]
        sent += sum(_post_one(pk) for pk in ids)
    return sent


def _post_one(pk: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        message = _pending().filter(pk=pk).select_for_update(skip_locked=True).first()
        if message is None or not OutgoingWebhook.objects.filter(pk=pk, claimed_at=message.claimed_at).update(
            claimed_at=now
        ):
            return False
    request = urllib.request.Request(  # noqa: S310 - the user's own http(s) robot address, validated
        message.url,
        data=json.dumps(message.payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:  # noqa: S310
            answer.read(4096)
    except Exception as exc:  # noqa: BLE001 - the robot's failure is kept, retried later
        log.warning("robot message %s not posted: %s", pk, exc)
        OutgoingWebhook.objects.filter(pk=pk).update(
            attempts=message.attempts + 1, last_error=str(exc)[:2000], claimed_at=None
        )
        return False
    OutgoingWebhook.objects.filter(pk=pk).update(attempts=message.attempts + 1, sent_at=timezone.now())
    return True


# -- daily digest ----------------------------------------------------------------------------------


def digest_send(*, now: datetime | None = None) -> int:
    """Mail each user the notifications of the last day still unread, once per user and day (the
    mail key names the day); returns how many mails were queued."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    unread = (
        Notification.objects.filter(read_at__isnull=True, created_at__gte=now - timedelta(days=1), created_at__lte=now)
        .exclude(kind=Kind.MENTION_UNSEEN)
        .select_related("recipient", "actor")
        .order_by("recipient_id", "-created_at")
    )
    per_user: defaultdict[int, list[Notification]] = defaultdict(list)
    for n in unread:
        if n.recipient.is_active and n.recipient.email:
            per_user[n.recipient_id].append(n)
    queued = 0
    for rows in per_user.values():
        user = rows[0].recipient
        with translation.override(_language(user)):
            subject = _("Your notifications of %(day)s: %(count)d unread") % {
                "day": day.isoformat(),
                "count": len(rows),
            }
            lines = [f"- {render(n)}" for n in rows]
            body = "\n".join([*lines, "", f"{settings.LTC_BASE_URL}/notifications/"])
        if mail_queue(subject, body, [user.email], key=f"digest-{user.pk}-{day.isoformat()}"):
            queued += 1
    return queued
