from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ltc.service.tasks_renewals import run_renewals


class Command(BaseCommand):
    help = (
        "Queue the daily renewals run: a renewal deal for the AR of every warranty and service contract "
        "ending within LTC_RENEWAL_DAYS (schedule once a day; idempotent). --now runs it here instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Run now in this process instead of queueing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            from ltc.service.services.renewals import renewals_run

            self.stdout.write(f"renewal deals opened: {renewals_run()}")
            return
        result = run_renewals.enqueue()
        self.stdout.write(f"queued renewals run {result.id}")
