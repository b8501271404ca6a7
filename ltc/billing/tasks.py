"""Background work of billing, run by `ltc worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def run_invoices() -> int:
    """The daily invoice run: draft invoices for every schedule line whose trigger fired."""
    from ltc.billing.services import invoice_run

    return invoice_run()


@task()
def run_collections() -> int:
    """The daily collection run over overdue invoices."""
    from ltc.billing.services import collections_run

    return collections_run()
