"""Background work of contract execution, run by `ltc worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def flag_milestone_delays() -> int:
    """Flag the milestones past their planned date (a task for the FR and the AR, once each)."""
    from ltc.contracts.services import flag_delays

    return flag_delays()
