"""The `ltc` console command: demo, serve, worker, createtoken, seed, and manage.py for the rest."""

from __future__ import annotations

import atexit
import fcntl
import os
import subprocess
import sys
from pathlib import Path

USAGE = """usage: ltc COMMAND [options]

  demo [--bind ADDR]   migrate, seed a demo company (once), start a worker and serve
                       (default 127.0.0.1:8000, or LTC_BIND)
  serve [--bind ADDR]  serve the application (gunicorn; default 127.0.0.1:8000, or LTC_BIND)
  worker               run background tasks from the queue
  createtoken USERNAME print a new personal API token for USERNAME
  seed --scale N       bulk demo data: N accounts with contacts (set-based inserts)
  anything else        passed to Django's manage.py (migrate, createsuperuser, shell, ...)
"""


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# A Unix socket path longer than this does not fit in sockaddr_un (108 bytes on Linux).
_MAX_SOCKET_PATH = 100


def _manage(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ltc", *argv])


def _is_stale(po: Path, mo: Path) -> bool:
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def ensure_translations(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile each catalogue whose .mo is missing or older than its .po, before anything loads
    a translation (a process that loaded a missing catalogue keeps serving English until it
    restarts). `make setup` compiles them; this is the safety net for a checkout that was
    updated without it. Instances started together take turns on a lock held on the .po and
    write the .mo to a temporary file renamed into place, so none reads a half-written file.
    Returns the catalogues compiled; exits with a clear message when one cannot be compiled."""
    compiled = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not _is_stale(po, mo):
            continue
        with po.open("rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _is_stale(po, mo):
                continue  # another instance compiled it while this one waited
            partial = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
            try:
                subprocess.run(  # noqa: S603 - fixed arguments, our own files
                    ["msgfmt", "--check-format", "-o", str(partial), str(po)],  # noqa: S607 - gettext's tool
                    check=True,
                    capture_output=True,
                )
                os.replace(partial, mo)
            except (OSError, subprocess.CalledProcessError) as error:
                partial.unlink(missing_ok=True)
                detail = getattr(error, "stderr", b"") or str(error).encode()
                raise SystemExit(
                    f"ltc: the translations {po} are not compiled and compiling them failed:\n"
                    f"{detail.decode(errors='replace').strip()}\n"
                    "Run `make setup` (it needs gettext's msgfmt) and start again."
                ) from error
            compiled.append(mo)
    return compiled


def _control_socket_args() -> list[str]:
    """Each installation gets its own gunicorn control socket in its var directory (gunicorn's
    default is one per user, which two instances on one machine would fight over)."""
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "gunicorn.ctl"
    if len(str(path)) > _MAX_SOCKET_PATH:
        return ["--no-control-socket"]
    return ["--control-socket", str(path)]


def _serve(bind: str) -> None:
    from gunicorn.app.wsgiapp import run

    workers = os.environ.get("LTC_WORKERS", str(max(2, (os.cpu_count() or 1) * 2)))
    sys.argv = [
        "gunicorn",
        "ltc.wsgi:application",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        *_control_socket_args(),
    ]
    print(f"LTC serves at {_address(bind)}", flush=True)
    run()


def _address(bind: str) -> str:
    """What to open in a browser for a gunicorn --bind value."""
    return bind if bind.startswith(("unix:", "fd://")) else f"http://{bind}"


def _start_worker() -> subprocess.Popen[bytes]:
    """A background-task worker beside the demo server (imports, reminders); stopped on exit."""
    worker = subprocess.Popen([sys.executable, "-m", "ltc.cli", "worker"])  # noqa: S603 - our own command
    atexit.register(worker.terminate)
    return worker


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    command, rest = argv[0], argv[1:]
    bind = os.environ.get("LTC_BIND", "127.0.0.1:8000")
    if "--bind" in rest:
        bind = rest[rest.index("--bind") + 1]
    if command == "demo":
        ensure_translations()
        _manage(["migrate", "--no-input", "-v", "0"])
        _manage(["collectstatic", "--no-input", "-v", "0"])
        _manage(["seed_demo", "--address", _address(bind)])
        _start_worker()
        _serve(bind)
    elif command == "serve":
        ensure_translations()
        _serve(bind)
    elif command == "worker":
        ensure_translations()
        _manage(["recover_jobs"])  # what a worker that died left half done is queued again first
        _manage(["db_worker", *rest])
    elif command == "createtoken":
        _manage(["createtoken", *rest])
    elif command == "seed":
        _manage(["seed", *rest])
    else:
        _manage(argv)


if __name__ == "__main__":
    main()
