"""Background work for leads, run by `ltc worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def run_lead_import(batch_id: int) -> int:
    from ltc.leads.services.imports import lead_import_run

    return lead_import_run(batch_id).created_count
