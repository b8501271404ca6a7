from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from ltc.web.demo import DEMO_PASSWORD, USERS, seed_demo


class Command(BaseCommand):
    help = "Seed the demo company (once) and print the demo logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--address", default="http://127.0.0.1:8000", help="where the demo is served")

    def handle(self, *args: object, **options: object) -> None:
        created = seed_demo()
        self.stdout.write("Demo data created." if created else "Demo data already present.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for user in USERS:
            self.stdout.write(f"  {user.username:<8} {user.display_name}")
        self.stdout.write(f"\nOpen {options['address']} and sign in.\n")
