from django.core.management.base import BaseCommand

from ltc.marketing.tasks_engagement import engagement_decay


class Command(BaseCommand):
    help = (
        "Queue the daily engagement decay: every engaged lead's engagement recomputed as of today, "
        "older touches weighing less (schedule once a day)."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = engagement_decay.enqueue()
        self.stdout.write(f"queued engagement decay {result.id}")
