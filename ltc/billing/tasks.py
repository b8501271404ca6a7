"""Background work of billing, run by `ltc worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def run_invoices() -> int:
    """The daily invoice run: draft invoices for every schedule line whose trigger fired. One
    run at a time; a run whose worker died is queued again and finishes the work."""
    from ltc.billing.services import invoice_run
    from ltc.core.jobs import job_lease

    with job_lease("invoice-run", run_invoices) as lease:
        return 0 if lease is None else invoice_run(progress=lease.beat)


@task()
def run_collections() -> int:
    """The daily collection run over overdue invoices (each invoice's steps in one transaction
    with their reminder mail queued: stopped anywhere, the next run takes each step once)."""
    from ltc.billing.services import collections_run
    from ltc.core.jobs import job_lease

    with job_lease("collections-run", run_collections) as lease:
        return 0 if lease is None else collections_run(progress=lease.beat)


@task()
def notify_invoices_due() -> int:
    """The daily notices of invoices falling due and overdue (each notice once, however often it
    runs)."""
    from ltc.billing.services.due_notices import invoice_due_notify
    from ltc.core.jobs import job_lease

    with job_lease("invoice-due-notices", notify_invoices_due) as lease:
        return 0 if lease is None else invoice_due_notify(progress=lease.beat)
