from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ltc.core import search


class Command(BaseCommand):
    help = "Rebuild the global search index from the records (chunked): for existing installations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=2000, help="records indexed per transaction")
        parser.add_argument("--kind", action="append", default=[], help="only this kind (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = search.rebuild(chunk=max(1, options["chunk"]), only=options["kind"])
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
