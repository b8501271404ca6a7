from django.core.management.base import BaseCommand

from ltc.core.events import catalogue_table


class Command(BaseCommand):
    help = "Print the event catalogue (kind, schema version, emitter, payload, reactions) as a Markdown table."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(catalogue_table(), ending="")
