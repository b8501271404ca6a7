from django.core.management.base import BaseCommand

from ltc.core.tasks import purge_idempotency_records, purge_recycle_bin, recover_jobs


class Command(BaseCommand):
    help = (
        "Queue the daily housekeeping: forget idempotency keys past their lifetime, purge the recycle "
        "bin of records deleted 30 days ago, take back the jobs of workers that died (schedule once a day)."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = purge_idempotency_records.enqueue()
        recovery = recover_jobs.enqueue()
        purge_recycle_bin.enqueue()
        self.stdout.write(f"queued housekeeping run {result.id} and job recovery {recovery.id}")
