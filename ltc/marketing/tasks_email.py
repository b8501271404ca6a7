"""The marketing e-mail worker task (django-tasks, run by `ltc worker`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task


@task()
def deliver_marketing_email() -> int:
    """Send the due marketing e-mail; what is left (rate limit, retries with backoff, a future
    schedule) is picked up by a later run queued for when it falls due."""
    from ltc.core.tasks import _database_queue, _retry_queued
    from ltc.marketing.services.mailing import email_deliver, email_pending_after

    sent = email_deliver()
    after = email_pending_after()
    if after is not None and _database_queue() and not _retry_queued(deliver_marketing_email):
        run_after = max(after, timezone.now() + timedelta(seconds=5))
        deliver_marketing_email.using(run_after=run_after).enqueue()
    return sent
