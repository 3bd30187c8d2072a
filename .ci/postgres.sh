#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the tests on 127.0.0.1:$PG_PORT (installing the Debian
# package first when it is missing and we are root). Idempotent; `stop` stops it.
set -euo pipefail
PORT=${PG_PORT:-55432}
# Outside the checkout: the server runs as the postgres user, who may not reach a private clone.
DIR=${PG_DIR:-${TMPDIR:-/tmp}/returnee-assistant-postgres-$PORT}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

source "$(dirname "$0")/apt.sh"
apt_ensure postgresql 'test -n "$(find_bin)"'
BIN=$(find_bin)

if [ "${1:-start}" = stop ]; then
  [ -d "$DIR/data" ] && as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null || true
  exit 0
fi

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if ! as_postgres "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  if ! as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -h 127.0.0.1 -k $DIR -c max_connections=200" start >/dev/null; then
    echo "PostgreSQL did not start on port $PORT (is another server using it? set PG_PORT):" >&2
    tail -n 5 "$DIR/server.log" >&2
    exit 1
  fi
fi
echo "postgresql+asyncpg://postgres@127.0.0.1:$PORT/postgres"
