"""The daily engagement decay (run by `ltc worker`; queued by `ltc engagement_daily`)."""

from __future__ import annotations

from django_tasks import task


@task()
def engagement_decay() -> int:
    """Recompute the engagement of every engaged lead as of now (older touches weigh less);
    returns how many leads were written."""
    from ltc.marketing.services.engagement import engagement_decay_all

    return engagement_decay_all()
