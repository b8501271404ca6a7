"""The `ltc` console command: demo, serve, worker, createtoken, seed, and manage.py for the rest."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

USAGE = """usage: ltc COMMAND [options]

  demo                 migrate, seed a demo company (once), start a worker and serve at http://127.0.0.1:8000
  serve [--bind ADDR]  serve the application (gunicorn; default 127.0.0.1:8000)
  worker               run background tasks from the queue
  createtoken USERNAME print a new personal API token for USERNAME
  seed --scale N       bulk demo data: N accounts with contacts (set-based inserts)
  anything else        passed to Django's manage.py (migrate, createsuperuser, shell, ...)
"""


def _manage(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ltc", *argv])


def _serve(bind: str) -> None:
    from gunicorn.app.wsgiapp import run

    workers = os.environ.get("LTC_WORKERS", str(max(2, (os.cpu_count() or 1) * 2)))
    sys.argv = ["gunicorn", "ltc.wsgi:application", "--bind", bind, "--workers", workers, "--access-logfile", "-"]
    run()


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
        _manage(["migrate", "--no-input", "-v", "0"])
        _manage(["collectstatic", "--no-input", "-v", "0"])
        _manage(["compilemessages", "-v", "0", "--ignore", ".venv", "--ignore", "node_modules", "--ignore", "var"])
        _manage(["seed_demo"])
        _start_worker()
        _serve(bind)
    elif command == "serve":
        _serve(bind)
    elif command == "worker":
        _manage(["db_worker", *rest])
    elif command == "createtoken":
        _manage(["createtoken", *rest])
    elif command == "seed":
        _manage(["seed", *rest])
    else:
        _manage(argv)


if __name__ == "__main__":
    main()
