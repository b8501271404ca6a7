"""The demo company has a past (issue #17): its records moved over the last weeks, so the map's
time in step and weekly flow show days and weeks, measured from the replayed step log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ltc.core.models import TimelineEvent
from ltc.leads.models import Lead
from ltc.process.metrics import map_figures
from ltc.process.models import ProcessNode, StepVisit
from ltc.web.demo import seed_demo

DAY = 24 * 3600


def test_the_demo_map_shows_days_in_the_lead_and_deal_steps_and_a_weekly_flow(db):
    seed_demo()
    figures = map_figures()
    codes = dict(ProcessNode.objects.values_list("pk", "code"))
    by_code = {codes[pk]: f for pk, f in figures.items()}
    for step in ("ML.1", "MO.1", "MO.3"):
        assert by_code[step].median_seconds is not None
        assert by_code[step].median_seconds > DAY, step
        assert by_code[step].p90_seconds >= by_code[step].median_seconds
    # Entries spread over the weeks, not all in this one.
    assert sum(1 for n in by_code["ML"].entered if n) >= 5
    assert sum(1 for n in by_code["MO"].entered if n) >= 5
    # Honestly derived: the log is the replay of the backdated timelines, all in the past.
    now = timezone.now()
    assert not StepVisit.objects.filter(entered_at__gt=now).exists()
    assert StepVisit.objects.filter(entered_at__lt=now - timedelta(weeks=4)).exists()
    lead = Lead.objects.filter(status="disqualified").get()
    events = TimelineEvent.objects.filter(content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk)
    times = list(events.order_by("id").values_list("at", flat=True))
    assert times == sorted(times)  # written in this order, still in this order
    assert times[-1] - times[0] > timedelta(days=1)
