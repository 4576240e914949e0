#!/usr/bin/env bash
# Back up STQ's PostgreSQL database (and the uploaded files) into a directory.
#
#   scripts/backup.sh [--from-standby] DEST_DIR   # DATABASE_URL from the environment (e.g. /etc/stq/stq.env)
#
# --from-standby  dump a streaming standby instead of the primary (Patroni cluster: DATABASE_URL lists every
#                 database host; libpq picks one with target_session_attrs=standby, and the script refuses a server
#                 that is not in recovery). The standby needs hot_standby_feedback=on and
#                 max_standby_streaming_delay=-1 (deploy/patroni/patroni.yml) so replay never cancels the dump.
#
# Writes DEST_DIR/stq-<UTC timestamp>.dump        pg_dump custom format (compressed; restore with scripts/restore.sh)
#        DEST_DIR/stq-<UTC timestamp>.counts.tsv  exact row count per table, taken in the SAME snapshot as the dump
#        DEST_DIR/stq-<UTC timestamp>.media.tar.gz  STQ_MEDIA_ROOT, when it exists
# and prints the dump's path. STQ_BACKUP_KEEP_DAYS (default 0 = keep all) deletes older sets from DEST_DIR.
set -euo pipefail
FROM_STANDBY=0
if [ "${1:-}" = "--from-standby" ]; then FROM_STANDBY=1; shift; fi
DEST=${1:?usage: backup.sh [--from-standby] DEST_DIR}
URL=${DATABASE_URL:?DATABASE_URL must be set}
case "$URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh: DATABASE_URL is not PostgreSQL" >&2; exit 2;; esac
if [ "$FROM_STANDBY" = 1 ]; then
  URL=$(printf '%s' "$URL" | sed -E 's/([?&])target_session_attrs=[^&]*&?/\1/; s/[?&]$//')
  case "$URL" in *\?*) URL="$URL&target_session_attrs=standby";; *) URL="$URL?target_session_attrs=standby";; esac
  SERVER=$(psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c \
    "SELECT pg_is_in_recovery()::text || ' ' || coalesce(host(inet_server_addr()), 'socket') || ':' || current_setting('port')") \
    || { echo "backup.sh: no standby answered" >&2; exit 1; }
  [ "${SERVER%% *}" = "true" ] || { echo "backup.sh: the server is not a standby" >&2; exit 1; }
  echo "backup.sh: dumping from the standby ${SERVER#* }" >&2
fi
DATABASE_URL=$URL
export DATABASE_URL
mkdir -p "$DEST"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
BASE="$DEST/stq-$STAMP"

# One REPEATABLE READ transaction exports its snapshot; pg_dump and the row counts both read that snapshot, so
# the counts describe exactly what the dump holds even while the application keeps writing.
rm -f "$BASE.dumped"
psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_export_snapshot() AS snapshot \gset
\o $BASE.counts.tsv.part
SELECT table_name || E'\t' || (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I',
  table_schema, table_name), false, true, '')))[1]::text FROM information_schema.tables
  WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name;
\o
\setenv STQ_SNAPSHOT :snapshot
\setenv STQ_DUMP_FILE $BASE.dump.part
\! pg_dump --format=custom --no-owner --no-privileges --snapshot="\$STQ_SNAPSHOT" --file="\$STQ_DUMP_FILE" "\$DATABASE_URL" && touch "$BASE.dumped"
COMMIT;
SQL
[ -f "$BASE.dumped" ] || { echo "backup.sh: pg_dump failed" >&2; rm -f "$BASE".*.part; exit 1; }
rm -f "$BASE.dumped"
sed -i '/^$/d' "$BASE.counts.tsv.part"
mv "$BASE.counts.tsv.part" "$BASE.counts.tsv"
mv "$BASE.dump.part" "$BASE.dump"

MEDIA=${STQ_MEDIA_ROOT:-}
if [ -n "$MEDIA" ] && [ -d "$MEDIA" ]; then
  tar -C "$MEDIA" -czf "$BASE.media.tar.gz" .
fi
if [ "${STQ_BACKUP_KEEP_DAYS:-0}" -gt 0 ]; then
  find "$DEST" -maxdepth 1 -name 'stq-*' -mtime "+$STQ_BACKUP_KEEP_DAYS" -delete
fi
echo "$BASE.dump"
