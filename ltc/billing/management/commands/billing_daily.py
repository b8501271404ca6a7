from django.core.management.base import BaseCommand

from ltc.billing.tasks import notify_invoices_due, run_collections, run_invoices


class Command(BaseCommand):
    help = (
        "Queue the daily invoice run, collection run and due/overdue notices (schedule it once a day, e.g. from cron)."
    )

    def handle(self, *args: object, **options: object) -> None:
        for task in (run_invoices, run_collections, notify_invoices_due):
            result = task.enqueue()
            self.stdout.write(f"queued {task.name} {result.id}")
