from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from ltc.service.services.sla_sweep import sla_sweep
from ltc.service.tasks import sweep_sla


class Command(BaseCommand):
    help = (
        "Warn of cases whose SLA falls due and escalate the breached ones to their team manager "
        "(SLA 巡检); --queue hands the run to the worker (schedule that every five minutes, e.g. from cron)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", action="store_true", help="Queue the sweep for the worker instead.")

    def handle(self, *args: object, **options: object) -> None:
        if options.get("queue"):
            result = sweep_sla.enqueue()
            self.stdout.write(f"queued SLA sweep {result.id}")
            return
        found = sla_sweep()
        self.stdout.write(f"SLA sweep: {found.warned} warned, {found.breached} breached, {found.escalated} escalated")
