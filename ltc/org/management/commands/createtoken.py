from django.core.management.base import BaseCommand, CommandError, CommandParser

from ltc.org.models import User
from ltc.org.services import token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a name to recognise the token by")

    def handle(self, *args: object, username: str, name: str, **options: object) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _token, raw = token_create(actor=user, user=user, name=name)
        self.stdout.write(raw)
