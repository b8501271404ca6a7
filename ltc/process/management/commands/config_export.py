"""`ltc config_export [-o FILE]`: this installation's configuration as a schema-1 JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ltc.process.transfer import configuration_export, configuration_json, configuration_json_schema


class Command(BaseCommand):
    help = (
        "Write the configuration (process map, pipelines, rules, authority matrix, payment-term templates, "
        "qualification policy, company profile) as JSON to FILE, or to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
        parser.add_argument(
            "--schema",
            action="store_true",
            help="write the file's JSON Schema instead (ltc/process/data/configuration.schema.json)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        what = "JSON Schema" if options["schema"] else "configuration"
        text = configuration_json(configuration_json_schema() if options["schema"] else configuration_export())
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"{what} written to {options['output']}")
        else:
            self.stdout.write(text, ending="")
