from django.core.management.base import BaseCommand

from ltc.core.tasks import recover_jobs


class Command(BaseCommand):
    help = (
        "Queue again the jobs of workers that died (an import, an invoice run), the mail they left "
        "unsent and the after-commit reactions to events still pending. `ltc worker` runs it when it starts; housekeeping_daily queues it once a day."
    )

    def handle(self, *args: object, **options: object) -> None:
        recovered = recover_jobs.call()
        self.stdout.write(f"recovered: {', '.join(recovered) or 'nothing'}")
