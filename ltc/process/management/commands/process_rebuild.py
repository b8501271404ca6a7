from django.core.management.base import BaseCommand

from ltc.process.steps import step_visits_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the process step log from the records' timelines (after an upgrade to the process "
        "centre, after backdating demo data, or after changing which statuses a step is bound to). "
        "Works in chunks of records of one kind, each locked while its visits are rewritten: safe "
        "to run while people work."
    )

    def handle(self, *args: object, **options: object) -> None:
        written = step_visits_rebuild()
        self.stdout.write(f"rebuilt the step log: {written} visits")
