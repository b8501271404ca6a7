"""The daily renewals run (run by `ltc worker`; queued by `ltc renewals_run`, once a day)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_renewals() -> int:
    """Open the renewal deals of warranties and service contracts ending within the renewal
    window; returns how many were opened. One run at a time (a job lease); the run is idempotent,
    so a retry or a second schedule opens nothing twice."""
    from ltc.core.jobs import job_lease
    from ltc.service.services.renewals import renewals_run

    with job_lease("service-renewals", run_renewals) as lease:
        return 0 if lease is None else renewals_run()
