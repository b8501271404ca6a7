"""Background housekeeping run by `ltc worker` (django-tasks; database queue by default)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from ltc.core.models import IdempotencyRecord

# A failed delivery is tried again after this long (the mail server may be back).
MAIL_RETRY_AFTER = timedelta(minutes=2)


@task()
def purge_idempotency_records() -> int:
    """Forget idempotency keys older than LTC_IDEMPOTENCY_TTL; returns how many were removed."""
    cutoff = timezone.now() - settings.LTC_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@task()
def send_activity_reminders() -> int:
    """Queue a reminder e-mail for each activity whose reminder time has come (each once), then
    deliver them."""
    from ltc.core.activities import activity_reminders_send
    from ltc.core.jobs import job_lease

    with job_lease("activity-reminders", send_activity_reminders) as lease:
        return 0 if lease is None else activity_reminders_send(progress=lease.beat)


@task()
def deliver_mail() -> int:
    """Send the queued e-mail; what failed is tried again later."""
    from ltc.core.mail import MAX_ATTEMPTS, mail_deliver
    from ltc.core.models import OutgoingMail

    sent = mail_deliver()
    # What failed, or was claimed by a sender that died, is tried again (up to MAX_ATTEMPTS).
    left = OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).exists()
    if left and _database_queue() and not _retry_queued(deliver_mail):
        deliver_mail.using(run_after=timezone.now() + MAIL_RETRY_AFTER).enqueue()
    return sent


@task()
def deliver_reactions() -> int:
    """Run the after-commit reactions to events; what failed is tried again later."""
    from ltc.core.events import MAX_ATTEMPTS, reactions_deliver
    from ltc.core.models import ReactionDelivery

    done = reactions_deliver()
    left = ReactionDelivery.objects.filter(done_at__isnull=True, attempts__lt=MAX_ATTEMPTS).exists()
    if left and _database_queue() and not _retry_queued(deliver_reactions):
        deliver_reactions.using(run_after=timezone.now() + MAIL_RETRY_AFTER).enqueue()
    return done


def _database_queue() -> bool:
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def _retry_queued(delivery: Any) -> bool:
    """One later delivery is enough however many deliveries met the failure."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=delivery.module_path, status="READY", run_after__gt=timezone.now()
    ).exists()


@task()
def recover_jobs() -> list[str]:
    """Queue again the jobs of workers that died, and the mail and event reactions they left
    undone."""
    from ltc.core.jobs import jobs_recover
    from ltc.core.models import OutgoingMail, ReactionDelivery

    recovered = jobs_recover()
    if OutgoingMail.objects.filter(sent_at__isnull=True).exists():
        deliver_mail.enqueue()
        recovered.append("mail")
    if ReactionDelivery.objects.filter(done_at__isnull=True).exists():
        deliver_reactions.enqueue()
        recovered.append("reactions")
    from ltc.core.models import OutgoingWebhook

    if OutgoingWebhook.objects.filter(sent_at__isnull=True).exists():
        deliver_webhooks.enqueue()
        recovered.append("webhooks")
    return recovered


@task()
def deliver_webhooks() -> int:
    """Post the queued group-robot messages; what failed is tried again later."""
    from ltc.core.models import OutgoingWebhook
    from ltc.core.notifications import MAX_ATTEMPTS, webhooks_deliver

    sent = webhooks_deliver()
    left = OutgoingWebhook.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).exists()
    if left and _database_queue() and not _retry_queued(deliver_webhooks):
        deliver_webhooks.using(run_after=timezone.now() + MAIL_RETRY_AFTER).enqueue()
    return sent


@task()
def send_notification_digest() -> int:
    """Mail each user the unread notifications of the last day (once a day), then deliver."""
    from ltc.core.mail import mail_deliver
    from ltc.core.notifications import digest_send

    queued = digest_send()
    mail_deliver()
    return queued


@task()
def purge_recycle_bin() -> int:
    """Drop what the recycle bin keeps of records deleted more than 30 days ago (once a day)."""
    from ltc.core.recycle import bin_purge

    return bin_purge()
