"""The process centre's background jobs: the weekly summary of each process owner's steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ltc.core.links import absolute_url
from ltc.core.mail import mail_deliver, mail_queue
from ltc.org.models import User
from ltc.process.metrics import NodeFigures, map_figures
from ltc.process.models import ProcessNode

SUMMARY_WEEKS = 12


@task()
def send_process_summaries() -> int:
    """The weekly summary to every process owner (run by `ltc process_weekly`, scheduled weekly)."""
    from ltc.core.jobs import job_lease

    with job_lease("process-weekly-summary", send_process_summaries) as lease:
        return 0 if lease is None else process_summaries_send(progress=lease.beat)


def process_summaries_send(*, now: datetime | None = None, progress: Callable[[], bool] | None = None) -> int:
    """Queue to each active process owner one e-mail with the figures of the active steps they
    own, in their language, then deliver; returns how many were queued. Once per owner and ISO
    week: a second run in the same week (a retry, a second schedule) queues nothing."""
    now = now or timezone.now()
    year, week, _day = timezone.localdate(now).isocalendar()
    nodes = list(
        ProcessNode.objects.filter(active=True, owner__isnull=False, owner__is_active=True)
        .select_related("owner")
        .order_by("owner_id", "level", "order", "code")
    )
    if not nodes:
        return 0
    figures = map_figures(weeks=SUMMARY_WEEKS, now=now)
    by_owner: dict[int, list[ProcessNode]] = {}
    for node in nodes:
        by_owner.setdefault(node.owner_id, []).append(node)  # type: ignore[arg-type]
    queued = 0
    for owned in by_owner.values():
        owner = owned[0].owner
        if owner is None:  # filtered out above; for the type checker
            continue
        with transaction.atomic():
            if progress is not None and not progress():
                break
            with translation.override(owner.language or settings.LANGUAGE_CODE):
                subject = _("Your process steps, week %(week)d of %(year)d") % {"week": week, "year": year}
                body = _summary(owner, owned, figures)
            mail = mail_queue(
                subject, body, [owner.email], deliver=False, key=f"process-summary-{owner.pk}-{year}-w{week:02d}"
            )
            queued += mail is not None
    mail_deliver()
    return queued


def _summary(owner: User, nodes: list[ProcessNode], figures: dict[int, NodeFigures]) -> str:
    lines = [
        _("Hello %(name)s,") % {"name": owner.get_full_name() or owner.username},
        "",
        _("The figures of the process steps you own (last %(n)d weeks):") % {"n": SUMMARY_WEEKS},
    ]
    for node in nodes:
        f = figures.get(node.pk)
        if f is None:
            continue
        lines += [
            "",
            f"{node.code} {node.name}",
            _("In flight: %(n)d") % {"n": f.in_flight},
            _("Entered: %(total)d (this week %(week)d)") % {"total": f.entered_total, "week": f.entered[-1]},
            _("Left: %(total)d (this week %(week)d)") % {"total": f.left_total, "week": f.left[-1]},
            _("Time in step: median %(median)s, p90 %(p90)s") % {"median": f.median_text, "p90": f.p90_text},
        ]
        if f.conversion is not None:
            lines.append(_("To the next step: %(pct)s%%") % {"pct": f.conversion})
        if f.sla_breaches:
            lines.append(_("SLA breaches: %(n)d") % {"n": f.sla_breaches})
        if f.gates is not None:
            lines.append(
                _("Gate refusals: %(refused)d, overrides: %(overridden)d")
                % {"refused": f.gates.refused, "overridden": f.gates.overridden}
            )
        if f.evaluated is not None:
            lines.append(
                _("Contract evaluations naming the step: %(n)d, average score %(average)s / 5")
                % {"n": f.evaluated.count, "average": f.evaluated.average}
            )
        lines.append(absolute_url(reverse("process:node_records", args=[node.pk])))
    return "\n".join(lines) + "\n"
