#!/usr/bin/env bash
# The whole check: lint, types, Django checks, migrations, translations, then the test suite on
# SQLite and on PostgreSQL. Without DATABASE_URL a throwaway PostgreSQL cluster is started in a
# temporary directory and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export LTC_VAR_DIR="${LTC_VAR_DIR:-$PWD/var/test}"
mkdir -p "$LTC_VAR_DIR"

step() { printf '\n== %s ==\n' "$*"; }

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
step "dependency audit"
bash scripts/audit.sh
step "mypy"
.venv/bin/mypy ltc
step "translations"
stats=$(msgfmt --statistics -o /dev/null ltc/locale/zh_Hans/LC_MESSAGES/django.po 2>&1)
echo "zh_Hans: $stats"
case "$stats" in *untranslated*|*fuzzy*) echo "zh_Hans translation incomplete"; exit 1;; esac
$PY manage.py compilemessages --ignore .venv --ignore node_modules --ignore var -v 0
step "django checks"
DJANGO_SETTINGS_MODULE=ltc.settings_test $PY manage.py check --fail-level WARNING
DJANGO_SETTINGS_MODULE=ltc.settings_test $PY manage.py makemigrations --check --dry-run
LTC_HTTPS=1 LTC_SECRET_KEY="$(head -c 48 /dev/urandom | base64)" LTC_ALLOWED_HOSTS=ltc.example.com \
  LTC_BASE_URL=https://ltc.example.com \
  $PY manage.py check --deploy --fail-level WARNING
$PY manage.py collectstatic --no-input -v 0

step "pytest on SQLite"
DATABASE_URL= $PY -m pytest -q "$@"

if [ -n "${DATABASE_URL:-}" ]; then
  step "pytest on PostgreSQL ($DATABASE_URL)"
  $PY -m pytest -q "$@"
else
  step "pytest on a throwaway PostgreSQL"
  source scripts/pg_throwaway.sh
  pg_throwaway_start
  trap pg_throwaway_stop EXIT
  DATABASE_URL="$PG_URL" $PY -m pytest -q "$@"
fi
