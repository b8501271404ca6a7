"""Backup and restore of one installation: the database and the stored files, in one archive.

An archive (`.tar.gz`) holds `manifest.json` (format, database engine, time, applied
migrations, row counts), the database — SQLite through its online backup API (consistent while
the site runs), PostgreSQL as a `pg_dump` custom-format dump — and the stored files (MEDIA_ROOT:
signed copies, acceptance documents, bid documents, imports). Restoring needs an archive of the
same engine; it replaces the database and moves the current stored files aside (kept, never
deleted) before unpacking the archive's."""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump/pg_restore are the tools made for this
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_MEMBER = "media"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Manifest:
    format: int
    engine: str
    created_at: str
    migrations: list[str]
    counts: dict[str, int]

    @classmethod
    def read(cls, data: dict[str, Any]) -> Manifest:
        try:
            return cls(
                format=int(data["format"]),
                engine=str(data["engine"]),
                created_at=str(data["created_at"]),
                migrations=[str(m) for m in data["migrations"]],
                counts={str(k): int(v) for k, v in data["counts"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"not an LTC backup: its manifest is unreadable ({exc})") from exc


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def row_counts() -> dict[str, int]:
    """Rows per table of the project's own models (what a restore must bring back)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("ltc.") and not model._meta.proxy
    }


def _applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore: LTC_PG_BIN, the PATH, or the newest server installation."""
    if folder := os.environ.get("LTC_PG_BIN"):
        return str(Path(folder) / name)
    if found := shutil.which(name):
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise BackupError(f"{name} was not found: install the PostgreSQL client or set LTC_PG_BIN")
    return candidates[-1]


def _pg_args() -> tuple[list[str], dict[str, str]]:
    conf = connection.settings_dict
    args = ["--dbname", str(conf["NAME"])]
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _dump_database(folder: Path) -> str:
    if _engine() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / SQLITE_MEMBER)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return SQLITE_MEMBER
    args, env = _pg_args()
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(folder / PG_MEMBER),
            *args,
        ],
        env,
    )
    return PG_MEMBER


def backup_create(*, output: Path | None = None) -> Path:
    """Write an archive of the database and the stored files; returns its path."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    output = Path(output or Path(settings.VAR_DIR) / "backups" / f"ltc-{stamp}.tar.gz")
    output.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "engine": _engine(),
        "created_at": timezone.now().isoformat(),
        "migrations": _applied_migrations(),
        "counts": row_counts(),
    }
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        member = _dump_database(folder)
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(folder / MANIFEST, arcname=MANIFEST)
            archive.add(folder / member, arcname=member)
            if media.is_dir():
                archive.add(media, arcname=MEDIA_MEMBER)
        partial.replace(output)  # never a half-written archive under the real name
    return output


def backup_read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path, "r:gz") as archive:
            handle = archive.extractfile(MANIFEST)
            if handle is None:
                raise BackupError("not an LTC backup: no manifest")
            return Manifest.read(json.loads(handle.read().decode("utf-8")))
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise BackupError(f"not an LTC backup: {exc}") from exc


def _restore_database(folder: Path, engine: str) -> None:
    if engine == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(folder / SQLITE_MEMBER)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    args, env = _pg_args()
    connection.close()
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            *args,
            str(folder / PG_MEMBER),
        ],
        env,
    )


def _restore_media(folder: Path) -> Path | None:
    """Put the archive's stored files in place; the current ones are moved aside, not deleted.
    Returns where they went (None when there were none)."""
    media = Path(settings.MEDIA_ROOT)
    kept = None
    if media.exists() and any(media.iterdir()):
        kept = media.with_name(f"{media.name}.before-restore-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}")
        media.rename(kept)
    media.mkdir(parents=True, exist_ok=True)
    unpacked = folder / MEDIA_MEMBER
    if unpacked.is_dir():
        for item in unpacked.iterdir():
            shutil.move(str(item), media / item.name)
    return kept


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


def backup_restore(*, path: Path, keep_current: bool = True) -> tuple[Manifest, Path | None]:
    """Replace the database and the stored files with the archive's. Refused for an archive of
    another engine, of a newer format, or made by a newer version (migrations this code does not
    know). The current state is first written to a backup of its own (`keep_current`). Returns
    the manifest and where the replaced stored files went."""
    manifest = backup_read_manifest(path)
    if manifest.format > FORMAT:
        raise BackupError(f"this backup has format {manifest.format}; this version reads up to {FORMAT}")
    if manifest.engine != _engine():
        raise BackupError(f"this is a {manifest.engine} backup; the configured database is {_engine()}")
    unknown = sorted(set(manifest.migrations) - _known_migrations())
    if unknown:
        raise BackupError(
            f"this backup was made by a newer version of LTC (unknown migrations: {', '.join(unknown[:5])})"
        )
    if keep_current:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        backup_create(output=Path(settings.VAR_DIR) / "backups" / f"ltc-before-restore-{stamp}.tar.gz")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(folder, filter="data")
        _restore_database(folder, manifest.engine)
        kept = _restore_media(folder)
    return manifest, kept
