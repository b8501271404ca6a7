from django.core.management.base import BaseCommand

from ltc.core.tasks import send_activity_reminders


class Command(BaseCommand):
    help = "Queue the activity reminder run (schedule it every few minutes, e.g. from cron)."

    def handle(self, *args: object, **options: object) -> None:
        result = send_activity_reminders.enqueue()
        self.stdout.write(f"queued reminder run {result.id}")
