from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from ltc.marketing.services.attribution_credits import credits_rebuild
from ltc.marketing.tasks_attribution import attribution_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the attribution credits (归因记账) from the leads, deals, touches and payments: after "
        "an install or an upgrade, to repair, and nightly (--queue) for changes no event announces."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", action="store_true", help="Queue the rebuild for the worker instead.")

    def handle(self, *args: object, **options: object) -> None:
        if options.get("queue"):
            result = attribution_rebuild.enqueue()
            self.stdout.write(f"queued attribution rebuild {result.id}")
            return
        done = credits_rebuild()
        rate = done.credits / done.seconds if done.seconds else 0
        self.stdout.write(
            f"attribution credits rebuilt: {done.credits} credits, {done.days} day sums "
            f"in {done.seconds:.1f} s ({rate:,.0f} rows/s)"
        )
