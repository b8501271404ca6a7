#!/usr/bin/env bash
# Refresh the zh_Hans catalogue from the source, fill new entries from dict modules
# ({msgid: msgstr} named ZH), and compile it. Serialised with a lock: safe to run while
# others edit. usage: bash scripts/translate.sh [DICT.py ...]
set -euo pipefail
cd "$(dirname "$0")/.."
PO=ltc/locale/zh_Hans/LC_MESSAGES/django.po
exec 9>"${TMPDIR:-/tmp}/ltc-translate.lock"
flock 9
.venv/bin/python manage.py makemessages -l zh_Hans --ignore .venv --ignore node_modules --ignore var \
  --ignore benchmarks -v 0
for dict in "$@"; do .venv/bin/python scripts/fill_po.py "$PO" "$dict" >/dev/null || true; done
msgfmt --statistics -o /dev/null "$PO"
.venv/bin/python manage.py compilemessages --ignore .venv --ignore node_modules --ignore var -v 0
