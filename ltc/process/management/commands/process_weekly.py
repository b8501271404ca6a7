from django.core.management.base import BaseCommand

from ltc.process.tasks import send_process_summaries


class Command(BaseCommand):
    help = "Queue the weekly summary e-mail to the process owners (schedule it once a week, e.g. from cron)."

    def handle(self, *args: object, **options: object) -> None:
        result = send_process_summaries.enqueue()
        self.stdout.write(f"queued process summaries {result.id}")
