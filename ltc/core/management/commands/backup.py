from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ltc.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a backup archive of the database and the stored files (default: var/backups/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="the archive to write (.tar.gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup_create(output=options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {path}")
