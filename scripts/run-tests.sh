#!/usr/bin/env bash
# Run the whole test suite on PostgreSQL: $DATABASE_URL if set, else the server on 127.0.0.1:5432, else a
# throw-away cluster started with initdb/pg_ctl. Only when no PostgreSQL can be had at all does it fall back to
# SQLite, loudly — and never when CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export STQ_DEBUG=1 STQ_TASKS_BACKEND=immediate

cleanup() { :; }
trap 'cleanup' EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/stq"
  elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PGTMP=$(mktemp -d /tmp/stq-pg.XXXXXX); PORT=$((20000 + RANDOM % 20000))
    AS=(); if [ "$(id -u)" = 0 ]; then chown -R postgres "$PGTMP" 2>/dev/null && AS=(runuser -u postgres --); fi
    "${AS[@]}" initdb -D "$PGTMP/data" -U postgres -A trust >/dev/null
    "${AS[@]}" pg_ctl -D "$PGTMP/data" -o "-p $PORT -k $PGTMP -c listen_addresses=127.0.0.1" -l "$PGTMP/log" -w start >/dev/null
    cleanup() { "${AS[@]}" pg_ctl -D "$PGTMP/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGTMP"; }
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/stq"
    echo "Started a throw-away PostgreSQL cluster on port $PORT"
  elif [ "${CI:-}" = "true" ]; then
    echo "ERROR: no PostgreSQL available (no DATABASE_URL, no server on 127.0.0.1:5432, no initdb) and CI=true." >&2
    exit 1
  else
    echo "################################################################################" >&2
    echo "WARNING: NO POSTGRESQL FOUND — RUNNING THE SUITE ON SQLITE. Database rules and races" >&2
    echo "are NOT fully tested this way. Install PostgreSQL or set DATABASE_URL."            >&2
    echo "################################################################################" >&2
    export DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3"
  fi
fi
echo "Test database: ${DATABASE_URL%%\?*}"
"$PY" -m pytest "$@"
