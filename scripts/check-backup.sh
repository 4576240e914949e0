#!/usr/bin/env bash
# Prove that a backup can be restored: dump DATABASE_URL (or take an existing backup set), restore it into a
# scratch database on the same server, and compare the row count of every table with the counts that
# scripts/backup.sh took in the dump's own snapshot.
#
#   scripts/check-backup.sh [--dump DEST/stq-<stamp>.dump] [--scratch NAME] [--from-standby]
#                                                                          # DATABASE_URL from the environment
# --from-standby: the dump is taken from a streaming standby (scripts/backup.sh --from-standby); the scratch
# database is restored on the primary (DATABASE_URL with target_session_attrs=read-write).
#
# The scratch database (default stq_restore_check) is created on DATABASE_URL's server and must not be its database.
# Exit 0 when every table matches (the scratch database is dropped again), 1 on any difference (it is kept for
# inspection). STQ_CHECK_KEEP_DIR keeps the dump there instead of a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${DATABASE_URL:?DATABASE_URL must be set}
SCRATCH=stq_restore_check; DUMP=""; BACKUP_OPTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dump) DUMP=${2:?--dump needs a file}; shift;;
    --scratch) SCRATCH=${2:?--scratch needs a name}; shift;;
    --from-standby) BACKUP_OPTS+=(--from-standby);;
    *) echo "check-backup.sh: unknown option $1" >&2; exit 2;;
  esac
  shift
done
[[ "$SCRATCH" =~ ^[A-Za-z0-9_]+$ ]] || { echo "check-backup.sh: bad scratch name" >&2; exit 2; }
base=${URL%%\?*}; query=${URL#"$base"}
[ "${base##*/}" != "$SCRATCH" ] || { echo "check-backup.sh: the scratch database must not be the source" >&2; exit 2; }
SCRATCH_URL="${base%/*}/$SCRATCH$query"
WORK=${STQ_CHECK_KEEP_DIR:-$(mktemp -d)}
[ -n "${STQ_CHECK_KEEP_DIR:-}" ] || trap 'rm -rf "$WORK"' EXIT

[ -n "$DUMP" ] || DUMP=$(STQ_MEDIA_ROOT="" STQ_BACKUP_KEEP_DAYS=0 scripts/backup.sh "${BACKUP_OPTS[@]}" "$WORK" | tail -1)
scripts/restore.sh "$DUMP" "$SCRATCH_URL" --replace >/dev/null
EXPECTED="${DUMP%.dump}.counts.tsv"
ACTUAL="$WORK/restored.counts.tsv"
psql -X -q -t -A -v ON_ERROR_STOP=1 "$SCRATCH_URL" -c "SELECT table_name || E'\t' || (xpath('/row/c/text()',
  query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
  FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
  ORDER BY table_name;" | sed '/^$/d' > "$ACTUAL"

TABLES=$(wc -l < "$EXPECTED"); ROWS=$(awk -F'\t' '{s += $2} END {print s + 0}' "$EXPECTED")
if diff -u "$EXPECTED" "$ACTUAL" > "$WORK/counts.diff"; then
  base_s=${SCRATCH_URL%%\?*}; maint="${base_s%/*}/postgres${SCRATCH_URL#"$base_s"}"
  psql -X -q -v ON_ERROR_STOP=1 "$maint" -c "DROP DATABASE IF EXISTS \"$SCRATCH\";"
  echo "backup check OK: $TABLES tables, $ROWS rows restored identically ($(du -h "$DUMP" | cut -f1) dump)"
else
  echo "backup check FAILED: row counts differ (expected vs restored); scratch database $SCRATCH kept" >&2
  cat "$WORK/counts.diff" >&2
  exit 1
fi
