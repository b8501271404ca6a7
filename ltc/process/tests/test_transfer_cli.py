"""`ltc config_export` and `ltc config_import`: the file, the printed diff, --apply."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from ltc.opportunities.models import Stage
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.transfer import configuration_export, configuration_import


@pytest.fixture(autouse=True)
def in_english() -> Any:
    """The messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "exported_at"}


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_config_export_writes_the_file(world: Any, tmp_path: Path) -> None:
    make_pipeline()
    target = tmp_path / "config.json"

    _out, err = run("config_export", "-o", str(target))

    assert err == f"configuration written to {target}\n"
    assert without_time(json.loads(target.read_text(encoding="utf-8"))) == without_time(configuration_export())
    assert "项目销售" in target.read_text(encoding="utf-8")  # Chinese stays readable


def test_config_import_prints_the_diff_and_writes_only_with_apply(world: Any, tmp_path: Path) -> None:
    pipeline = make_pipeline()
    document = configuration_export()
    document["pipelines"][0]["stages"][0]["probability"] = 15
    source = tmp_path / "config.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    dry, _err = run("config_import", str(source))

    assert "~ stage 项目销售 › 确认  (pipelines[0].stages[0])\n    probability: '10' → '15'\n" in dry
    unchanged = configuration_import(actor=world.admin, document=document, dry_run=True).count("unchanged")
    assert dry.endswith(f"dry run (use --apply to import): 0 create, 1 update, {unchanged} unchanged, 0 kept\n")
    assert Stage.objects.get(pipeline=pipeline, name="确认").probability == 10

    applied, _err = run("config_import", str(source), "--apply", "--user", "admin")

    assert applied.splitlines()[-1] == f"applied: 0 create, 1 update, {unchanged} unchanged, 0 kept"
    assert Stage.objects.get(pipeline=pipeline, name="确认").probability == 15


def test_config_import_names_each_problem_and_changes_nothing(world: Any, tmp_path: Path) -> None:
    make_pipeline()
    document = configuration_export()
    document["routing_rules"] = [{"name": "给某人", "strategy": "user", "assign_user": "nobody"}]
    source = tmp_path / "config.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match="the file is not valid; nothing was changed"):
        call_command("config_import", str(source), "--apply", stdout=StringIO(), stderr=err)

    assert err.getvalue() == "routing_rules[0].assign_user: No active user is named “nobody” in this installation.\n"
    assert without_time(configuration_export())["routing_rules"] == []
