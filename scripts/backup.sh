#!/usr/bin/env bash
# Back up STQ's PostgreSQL database (and the uploaded files) into a directory.
#
#   scripts/backup.sh DEST_DIR            # DATABASE_URL from the environment (e.g. /etc/stq/stq.env)
#
# Writes DEST_DIR/stq-<UTC timestamp>.dump        pg_dump custom format (compressed; restore with scripts/restore.sh)
#        DEST_DIR/stq-<UTC timestamp>.counts.tsv  exact row count per table, taken in the SAME snapshot as the dump
#        DEST_DIR/stq-<UTC timestamp>.media.tar.gz  STQ_MEDIA_ROOT, when it exists
# and prints the dump's path. STQ_BACKUP_KEEP_DAYS (default 0 = keep all) deletes older sets from DEST_DIR.
set -euo pipefail
DEST=${1:?usage: backup.sh DEST_DIR}
URL=${DATABASE_URL:?DATABASE_URL must be set}
export DATABASE_URL
case "$URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh: DATABASE_URL is not PostgreSQL" >&2; exit 2;; esac
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
