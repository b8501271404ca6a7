"""Marketing's periodic work run by `ltc worker`: the journey engine (queued every few minutes by
`ltc run_journeys`, see docs/deploy.md)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_journeys() -> int:
    """Enrol the segments of active journeys and advance their due members; returns how many
    members moved. One run at a time (a job lease): a second worker leaves it to the first, and
    a run whose worker died is taken back and resumes where it stopped."""
    from ltc.core.jobs import job_lease
    from ltc.marketing.services.journeys import journeys_run

    with job_lease("marketing-journeys", run_journeys) as lease:
        return 0 if lease is None else journeys_run(progress=lease.beat).advanced
