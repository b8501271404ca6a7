from django.core.management.base import BaseCommand

from ltc.core.tasks import send_notification_digest


class Command(BaseCommand):
    help = "Queue the daily digest: each user's unread notifications of the last day, mailed once a day."

    def handle(self, *args: object, **options: object) -> None:
        result = send_notification_digest.enqueue()
        self.stdout.write(f"queued notification digest {result.id}")
