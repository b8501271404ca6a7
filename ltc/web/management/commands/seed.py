import time

from django.core.management.base import BaseCommand, CommandParser

from ltc.web.demo import seed_scale


class Command(BaseCommand):
    help = "Bulk demo data for load tests: --scale N accounts, each with a contact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, required=True)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: object, scale: int, batch_size: int, **options: object) -> None:
        started = time.perf_counter()
        accounts, contacts = seed_scale(scale=scale, batch_size=batch_size)
        elapsed = time.perf_counter() - started
        rows = accounts + contacts
        self.stdout.write(
            f"Seeded {accounts} accounts and {contacts} contacts in {elapsed:.1f} s "
            f"({rows / elapsed if elapsed else 0:,.0f} rows/s)."
        )
