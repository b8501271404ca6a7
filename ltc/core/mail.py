"""Outgoing e-mail through an outbox: `mail_queue` writes the mail in the caller's transaction (so
a rolled-back action sends nothing and a committed one is never forgotten); the worker delivers
(`mail_deliver`), each mail in its own transaction, marking it sent. A failed delivery (the mail
server down) is kept with its error and retried by the next delivery; a worker killed between the
server's acceptance and the mark can resend that one mail (after CLAIM_TIMEOUT), with the same
Message-ID. A sent mail keeps its recipients, subject and time, not its body."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ltc.core.models import OutgoingMail

log = logging.getLogger(__name__)

# A mail that failed this often is left for a person to look at (the admin lists it).
MAX_ATTEMPTS = 10
# A sender that took a mail this long ago and did not mark it sent died: the mail is free again.
CLAIM_TIMEOUT = timedelta(minutes=2)


# The headers a queued mail may add to its own (a reply address, the thread it answers).
EXTRA_HEADERS = frozenset({"Reply-To", "In-Reply-To", "References"})


def mail_queue(
    subject: str,
    body: str,
    to: Iterable[str],
    *,
    deliver: bool = True,
    key: str = "",
    headers: dict[str, str] | None = None,
) -> OutgoingMail | None:
    """Queue one mail to `to`; delivered after the surrounding transaction commits (or, with
    deliver=False, by the caller's own `mail_deliver` run). A `key` names the mail (its
    Message-ID): a mail of that key already queued or sent is not queued again (None).
    `headers` adds Reply-To, In-Reply-To or References (EXTRA_HEADERS); another is refused."""
    extra = {name: str(value) for name, value in (headers or {}).items() if value}
    if set(extra) - EXTRA_HEADERS:
        raise ValueError(
            f"a queued mail may only add {sorted(EXTRA_HEADERS)}, not {sorted(set(extra) - EXTRA_HEADERS)}"
        )
    recipients = [address for address in to if address]
    if not recipients:
        return None
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "ltc.local"
    message_id = f"<{key or uuid.uuid4().hex}@{domain.strip('>')}>"
    if key and OutgoingMail.objects.filter(message_id=message_id).exists():
        return None
    mail = OutgoingMail.objects.create(
        to=recipients, subject=subject[:300], body=body, message_id=message_id, headers=extra
    )
    if deliver:
        transaction.on_commit(_deliver_later)
    return mail


def _deliver_later() -> None:
    from ltc.core.tasks import deliver_mail

    deliver_mail.enqueue()


def mail_deliver(*, batch: int = 1000) -> int:
    """Send all queued mail, oldest first; returns how many were sent. Each mail is claimed in a
    short transaction, sent outside any (a slow mail server holds no database lock), then marked
    sent. Several workers may deliver at once: a mail is claimed by one of them; a claim older
    than CLAIM_TIMEOUT (its sender died) is free again."""
    sent = 0
    last = 0
    while ids := list(_pending().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]):
        last = ids[-1]
        sent += sum(_send_one(pk) for pk in ids)
    return sent


def _pending() -> QuerySet[OutgoingMail]:
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=timezone.now() - CLAIM_TIMEOUT)
    return OutgoingMail.objects.filter(free, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)


def _send_one(pk: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        mail = _pending().filter(pk=pk).select_for_update(skip_locked=True).first()
        if mail is None or not OutgoingMail.objects.filter(pk=pk, claimed_at=mail.claimed_at).update(claimed_at=now):
            return False
    message = EmailMessage(
        mail.subject,
        mail.body,
        settings.DEFAULT_FROM_EMAIL,
        mail.to,
        headers={**mail.headers, "Message-ID": mail.message_id},
    )
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - the mail server's failure is kept, retried later
        log.warning("mail %s to %s not sent: %s", mail.pk, mail.to, exc)
        OutgoingMail.objects.filter(pk=pk).update(
            attempts=mail.attempts + 1, last_error=str(exc)[:2000], claimed_at=None
        )
        return False
    OutgoingMail.objects.filter(pk=pk).update(attempts=mail.attempts + 1, sent_at=timezone.now(), body="")
    return True
