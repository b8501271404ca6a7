from django.core.management.base import BaseCommand

from ltc.core.tasks import purge_idempotency_records


class Command(BaseCommand):
    help = "Queue the daily housekeeping: forget idempotency keys past their lifetime (schedule once a day)."

    def handle(self, *args: object, **options: object) -> None:
        result = purge_idempotency_records.enqueue()
        self.stdout.write(f"queued housekeeping run {result.id}")
