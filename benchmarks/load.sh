#!/usr/bin/env bash
# A bounded mixed load against gunicorn on a throwaway PostgreSQL cluster (see benchmarks/load.py).
# usage: bash benchmarks/load.sh [--minutes N] [--restart-db-at SECONDS] [--clients N] [--workers N]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
work=$(mktemp -d /tmp/ltc-load.XXXXXX)
export LTC_VAR_DIR=$work
mkdir -p "$work/static"
export PYTHONPATH=$PWD

$PY manage.py compilemessages -v 0 --ignore .venv --ignore node_modules --ignore var
source scripts/pg_throwaway.sh
pg_throwaway_start
trap 'pg_throwaway_stop; rm -rf "$work"' EXIT
"${PG_RUN[@]}" "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U ltc load
DATABASE_URL="${PG_URL%/postgres}/load" $PY benchmarks/load.py --log "$work/gunicorn.log" "$@"
