# Source this file: pg_throwaway_start starts a private PostgreSQL cluster in a temporary
# directory (as the postgres user when run as root) and sets PG_URL; pg_throwaway_stop removes it.
pg_throwaway_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
    return 1
  fi
  PG_DIR=$(mktemp -d /tmp/ltc-pg.XXXXXX)
  PG_PORT=${PG_PORT:-$((20000 + RANDOM % 10000))}
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U ltc --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  PG_BIN=$bindir
  PG_RUN=("${run[@]}")
  PG_URL="postgres://ltc@127.0.0.1:$PG_PORT/postgres"
  export PG_URL PG_DIR PG_BIN
}

pg_throwaway_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
