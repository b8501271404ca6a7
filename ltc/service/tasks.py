"""Service's periodic work run by `ltc worker`: the SLA sweep, queued every five minutes by
`ltc sla_sweep --queue` from cron (see docs/guide/service-escalation.md)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_sla() -> dict[str, int]:
    """Warn and escalate the cases whose SLA falls due (see `ltc.service.services.sla_sweep`); one
    run at a time (a job lease): a second worker leaves it to the first, and a run whose worker
    died is taken back and resumes after its last committed chunk."""
    from ltc.core.jobs import job_lease
    from ltc.service.services.sla_sweep import sla_sweep

    with job_lease("service-sla-sweep", sweep_sla) as lease:
        if lease is None:
            return {"warned": 0, "breached": 0, "escalated": 0}
        found = sla_sweep(progress=lease.beat)
        return {"warned": found.warned, "breached": found.breached, "escalated": found.escalated}
