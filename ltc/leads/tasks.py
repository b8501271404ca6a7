"""Background work for leads, run by `ltc worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def run_lead_import(batch_id: int) -> int:
    """Run (or resume) an import; queued again if the worker dies, it goes on where it stopped."""
    from ltc.core.jobs import job_lease
    from ltc.leads.services.imports import lead_import_run

    with job_lease(f"lead-import:{batch_id}", run_lead_import, [batch_id]) as lease:
        return 0 if lease is None else lead_import_run(batch_id, progress=lease.beat).created_count
