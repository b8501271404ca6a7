"""Background housekeeping run by `ltc worker` (django-tasks; database queue by default)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from ltc.core.models import IdempotencyRecord


@task()
def purge_idempotency_records() -> int:
    """Forget idempotency keys older than LTC_IDEMPOTENCY_TTL; returns how many were removed."""
    cutoff = timezone.now() - settings.LTC_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@task()
def send_activity_reminders() -> int:
    """Email each owner the activities whose reminder time has come; each reminder is sent once."""
    from ltc.core.activities import activity_reminders_send

    return activity_reminders_send()
