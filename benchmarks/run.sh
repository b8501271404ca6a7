#!/usr/bin/env bash
# Run the benchmarks on a fresh SQLite database and on a throwaway PostgreSQL cluster.
# usage: [BENCH_ONLY="leads"] bash benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
work=$(mktemp -d /tmp/ltc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export LTC_VAR_DIR=$work
mkdir -p "$work/static"
export PYTHONPATH=$PWD

# Compiled translations: imports read Chinese labels (华东, 制造业) through them.
$PY manage.py compilemessages -v 0 --ignore .venv --ignore node_modules --ignore var

only=${BENCH_ONLY:-accounts leads opportunities quotes contracts process search marketing_attribution marketing_segments marketing_send service_sla service_cases}
echo "== SQLite =="
for b in $only; do DATABASE_URL="sqlite:///$work/$b.sqlite3" $PY benchmarks/$b.py; done

echo "== PostgreSQL =="
source scripts/pg_throwaway.sh
pg_throwaway_start
trap 'pg_throwaway_stop; rm -rf "$work"' EXIT
for b in $only; do
  "${PG_RUN[@]}" "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U ltc "bench_$b"
  DATABASE_URL="${PG_URL%/postgres}/bench_$b" $PY benchmarks/$b.py
done
