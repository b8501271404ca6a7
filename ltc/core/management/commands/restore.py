from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ltc.core.backup import BackupError, backup_read_manifest, backup_restore


class Command(BaseCommand):
    help = "Replace the database and the stored files with a backup archive's (stop the app servers and workers first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        try:
            manifest = backup_read_manifest(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{path}: {manifest.engine} backup of {manifest.created_at}, {sum(manifest.counts.values())} rows"
        )
        if not options["yes"]:
            answer = input("This replaces the current database and stored files. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("not restored")
        try:
            manifest, kept = backup_restore(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("restored (the state before it was backed up to var/backups/ltc-before-restore-*.tar.gz).")
        if kept is not None:
            self.stdout.write(f"the stored files it replaced are kept in {kept}")
        self.stdout.write("run `ltc migrate` if this version has migrations newer than the backup.")
