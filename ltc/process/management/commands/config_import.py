"""`ltc config_import FILE [--apply] [--user USERNAME]`: what importing a configuration file
would create and change here (a dry run), or, with --apply, import it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ltc.org.choices import RoleCode
from ltc.org.models import User
from ltc.process.transfer import Action, ImportPlan, configuration_import, iter_errors

MARKS = {Action.CREATE: "+", Action.UPDATE: "~", Action.KEPT: "="}


class Command(BaseCommand):
    help = (
        "Compare a configuration file with this installation and print what importing it would do; "
        "--apply imports it (in one transaction, through the services; nothing is deleted)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a configuration file written by config_export")
        parser.add_argument("--apply", action="store_true", help="import the file (default: a dry run)")
        parser.add_argument(
            "--user", metavar="USERNAME", help="the administrator the changes are recorded for (default: the first)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = json.loads(Path(options["file"]).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
            raise CommandError(f"{options['file']}: {error}") from error
        actor = self._actor(options["user"])
        try:
            plan = configuration_import(actor=actor, document=document, dry_run=not options["apply"])
        except ValidationError as error:
            for path, message in iter_errors(error):
                self.stderr.write(f"{path}: {message}")
            raise CommandError("the file is not valid; nothing was changed") from error
        self._print(plan)

    def _actor(self, username: str | None) -> User:
        admins = User.objects.filter(is_active=True, roles__code=RoleCode.ADMIN).order_by("pk")
        actor = admins.filter(username=username).first() if username else admins.first()
        if actor is None:
            raise CommandError(
                f"no active administrator named {username}" if username else "no active administrator: use --user"
            )
        return actor

    def _print(self, plan: ImportPlan) -> None:
        for item in plan.items:
            mark = MARKS.get(item.action)  # type: ignore[call-overload]
            if mark is None:
                continue
            where = f"  ({item.path})" if item.path else ""
            self.stdout.write(f"{mark} {item.section} {item.key}{where}")
            for change in item.changes:
                self.stdout.write(f"    {change.field}: {change.old!r} → {change.new!r}")
        for warning in plan.warnings:
            self.stdout.write(f"! {warning.path}: {warning.message}")
        counts = plan.counts
        summary = ", ".join(f"{counts[a.value]} {a.value}" for a in Action)
        self.stdout.write(("applied: " if plan.applied else "dry run (use --apply to import): ") + summary)
