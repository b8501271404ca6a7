#!/usr/bin/env bash
# Run the benchmarks on a fresh SQLite database and on a throwaway PostgreSQL cluster.
# usage: bash benchmarks/run.sh [--accounts N] [--requests N]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
work=$(mktemp -d /tmp/ltc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export LTC_VAR_DIR=$work
mkdir -p "$work/static"
export PYTHONPATH=$PWD

echo "== SQLite =="
DATABASE_URL="sqlite:///$work/bench.sqlite3" $PY benchmarks/accounts.py "$@"

echo "== PostgreSQL =="
source scripts/pg_throwaway.sh
pg_throwaway_start
trap 'pg_throwaway_stop; rm -rf "$work"' EXIT
DATABASE_URL="$PG_URL" $PY benchmarks/accounts.py "$@"
