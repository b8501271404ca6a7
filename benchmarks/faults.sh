#!/usr/bin/env bash
# Kill the worker (SIGKILL) mid lead import, invoice run and reminder mail; restart; check (#15).
# usage: bash benchmarks/faults.sh [--sqlite] [faults.py options, e.g. --rows 60000]
# A throwaway PostgreSQL always; --sqlite runs the same on a SQLite file first. Exit 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
sqlite=0
if [ "${1:-}" = "--sqlite" ]; then sqlite=1; shift; fi
work=$(mktemp -d /tmp/ltc-faults.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PYTHONPATH=$PWD
$PY manage.py compilemessages -v 0 --ignore .venv --ignore node_modules --ignore var

status=0
if [ $sqlite = 1 ]; then
  echo "== SQLite =="
  mkdir -p "$work/sqlite"
  LTC_VAR_DIR=$work/sqlite DATABASE_URL="sqlite:///$work/sqlite/faults.sqlite3" $PY benchmarks/faults.py "$@" || status=1
fi

echo "== PostgreSQL =="
source scripts/pg_throwaway.sh
pg_throwaway_start
trap 'pg_throwaway_stop; rm -rf "$work"' EXIT
"${PG_RUN[@]}" "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U ltc faults
mkdir -p "$work/pg"
LTC_VAR_DIR=$work/pg DATABASE_URL="${PG_URL%/postgres}/faults" $PY benchmarks/faults.py "$@" || status=1
exit $status
