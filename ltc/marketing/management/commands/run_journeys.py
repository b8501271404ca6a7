from django.core.management.base import BaseCommand

from ltc.marketing.tasks import run_journeys


class Command(BaseCommand):
    help = "Queue a run of the nurture journeys (schedule it every few minutes, e.g. from cron)."

    def handle(self, *args: object, **options: object) -> None:
        result = run_journeys.enqueue()
        self.stdout.write(f"queued journey run {result.id}")
