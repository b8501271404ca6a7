"""The `ltc` command: translations compiled before anything loads them, the real address printed,
one gunicorn control socket per installation."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings

from ltc import cli

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Home"
msgstr "首页"
"""


@pytest.fixture
def locale_dir(tmp_path: Path) -> Path:
    messages = tmp_path / "zh_Hans" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(PO, encoding="utf-8")
    return tmp_path


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """What `ltc` does, in order, without doing it."""
    done: list[tuple[str, ...]] = []
    monkeypatch.setattr(cli, "ensure_translations", lambda: done.append(("ensure_translations",)))
    monkeypatch.setattr(cli, "_manage", lambda argv: done.append(tuple(argv)))
    monkeypatch.setattr(cli, "_start_worker", lambda: done.append(("start_worker",)))
    monkeypatch.setattr(cli, "_serve", lambda bind: done.append(("serve", bind)))
    return done


def test_demo_compiles_translations_before_anything_loads_and_never_while_serving(calls, monkeypatch):
    monkeypatch.delenv("LTC_BIND", raising=False)
    cli.main(["demo"])
    assert calls == [
        ("ensure_translations",),
        ("migrate", "--no-input", "-v", "0"),
        ("collectstatic", "--no-input", "-v", "0"),
        ("seed_demo", "--address", "http://127.0.0.1:8000"),
        ("start_worker",),
        ("serve", "127.0.0.1:8000"),
    ]


def test_demo_announces_the_address_it_binds(calls, monkeypatch):
    monkeypatch.setenv("LTC_BIND", "0.0.0.0:8100")
    cli.main(["demo"])
    assert ("seed_demo", "--address", "http://0.0.0.0:8100") in calls
    assert calls[-1] == ("serve", "0.0.0.0:8100")
    calls.clear()
    cli.main(["demo", "--bind", "127.0.0.1:9001"])
    assert ("seed_demo", "--address", "http://127.0.0.1:9001") in calls
    assert calls[-1] == ("serve", "127.0.0.1:9001")


def test_serve_checks_translations_first(calls):
    cli.main(["serve", "--bind", "127.0.0.1:9002"])
    assert calls == [("ensure_translations",), ("serve", "127.0.0.1:9002")]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_a_missing_catalogue_is_compiled_once_and_a_fresh_one_left_alone(locale_dir):
    mo = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    assert cli.ensure_translations(locale_dir) == [mo]
    assert b"\xe9\xa6\x96\xe9\xa1\xb5" in mo.read_bytes()  # 首页
    compiled_at = mo.stat().st_mtime_ns
    assert cli.ensure_translations(locale_dir) == []
    assert mo.stat().st_mtime_ns == compiled_at
    assert [p.name for p in mo.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_a_catalogue_older_than_its_source_is_recompiled(locale_dir):
    po = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    mo.write_bytes(b"old")
    os.utime(mo, (1_000_000, 1_000_000))
    assert cli.ensure_translations(locale_dir) == [mo]
    assert mo.read_bytes() != b"old"


def test_a_catalogue_that_cannot_be_compiled_stops_with_a_clear_message(locale_dir, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SystemExit) as stopped:
        cli.ensure_translations(locale_dir)
    assert "make setup" in str(stopped.value)
    assert not (locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()


def test_each_installation_has_its_own_gunicorn_control_socket(monkeypatch, capsys):
    import gunicorn.app.wsgiapp

    seen: list[list[str]] = []
    monkeypatch.setattr(gunicorn.app.wsgiapp, "run", lambda: seen.append(list(sys.argv)))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    cli._serve("127.0.0.1:9003")
    argv = seen[0]
    socket = str(Path(settings.VAR_DIR) / "gunicorn.ctl")
    expected = ["--control-socket", socket] if len(socket) <= 100 else ["--no-control-socket"]
    assert argv[-len(expected) :] == expected
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:9003"
    assert "LTC serves at http://127.0.0.1:9003" in capsys.readouterr().out
