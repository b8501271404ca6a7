"""On the calendar: the planned dates of contract milestones still to be delivered."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.contracts.access import MEMBERS, contract_visible_q
from ltc.contracts.choices import ContractStatus, MilestoneStatus
from ltc.contracts.models import Contract, Milestone
from ltc.core.calendar import ENTRY_LIMIT, MINE, CalendarEntry, CalendarSource, personally_q, register


def milestone_entries(user: Any, start: date, end: date, scope: str) -> list[CalendarEntry]:
    """Planned milestones due in the range, of contracts the user sees (scope mine: is AR, SR, FR or
    sponsor of), leaving out removed ones and those of terminated contracts."""
    contracts = Contract.objects.filter(contract_visible_q(user)).exclude(status=ContractStatus.TERMINATED)
    if scope == MINE:
        contracts = contracts.filter(personally_q(user, ("owner", *MEMBERS)))
    rows = (
        Milestone.objects.filter(
            contract__in=contracts.values("pk"),
            status=MilestoneStatus.PLANNED,
            removed=False,
            planned_date__gte=start,
            planned_date__lt=end,
        )
        .select_related("contract")
        .only("pk", "name", "planned_date", "contract__number", "contract__title")
        .order_by("planned_date", "pk")[:ENTRY_LIMIT]
    )
    return [
        CalendarEntry(
            kind="milestone",
            title=_("Milestone: %(name)s") % {"name": milestone.name},
            start=milestone.planned_date,
            all_day=True,
            url=milestone.contract.get_absolute_url(),
            record=f"{milestone.contract.number} {milestone.contract.title}",
            record_id=milestone.pk,
        )
        for milestone in rows
    ]


register(CalendarSource("milestone", gettext_lazy("Contract milestones"), milestone_entries, icon="flag", order=40))
