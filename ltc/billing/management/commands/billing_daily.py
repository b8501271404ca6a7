from django.core.management.base import BaseCommand

from ltc.billing.tasks import run_collections, run_invoices


class Command(BaseCommand):
    help = "Queue the daily invoice run and collection run (schedule it once a day, e.g. from cron)."

    def handle(self, *args: object, **options: object) -> None:
        for task in (run_invoices, run_collections):
            result = task.enqueue()
            self.stdout.write(f"queued {task.name} {result.id}")
