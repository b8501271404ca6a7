import time

from django.core.management.base import BaseCommand

from ltc.leads.choices import OPEN_STATUSES
from ltc.leads.models import Lead
from ltc.leads.services import leads_rescore


class Command(BaseCommand):
    help = "Recompute the score of every open lead (after the scoring rules changed)."

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        ids = list(Lead.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
        changed = leads_rescore(lead_ids=ids)
        self.stdout.write(f"Rescored {changed} leads in {time.perf_counter() - started:.1f} s.")
