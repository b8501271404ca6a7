from django.core.management.base import BaseCommand

from ltc.contracts.tasks import flag_milestone_delays


class Command(BaseCommand):
    help = "Queue the daily check for late delivery milestones (schedule it once a day, e.g. from cron)."

    def handle(self, *args: object, **options: object) -> None:
        result = flag_milestone_delays.enqueue()
        self.stdout.write(f"queued delay check {result.id}")
