"""Attribution's periodic work run by `ltc worker`: the full rebuild of the attribution credits
(queued nightly by `ltc attribution_rebuild --queue`, see docs/guide/marketing-attribution.md)."""

from __future__ import annotations

from django_tasks import task


@task()
def attribution_rebuild() -> int:
    """Every attribution credit and day sum again; returns how many credit rows there are."""
    from ltc.marketing.services.attribution_credits import credits_rebuild

    return credits_rebuild().credits
