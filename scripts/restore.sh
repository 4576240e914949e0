#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into a database, replacing that database entirely.
#
#   scripts/restore.sh DUMP TARGET_DATABASE_URL --replace [--media MEDIA_DIR]
#
# Drops TARGET (after ending its connections), creates it again, and pg_restores DUMP into it; stops at the first
# error. --replace is required because the target's current content is lost. With --media, the uploaded-files
# archive next to the dump (stq-<stamp>.media.tar.gz) is unpacked into MEDIA_DIR (which must be empty).
# Stop the web and worker services first (systemctl stop stq-web stq-worker) when restoring production.
set -euo pipefail
DUMP=${1:?usage: restore.sh DUMP TARGET_DATABASE_URL --replace [--media DIR]}
TARGET=${2:?usage: restore.sh DUMP TARGET_DATABASE_URL --replace [--media DIR]}
shift 2
REPLACE=0; MEDIA_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --replace) REPLACE=1;;
    --media) MEDIA_DIR=${2:?--media needs a directory}; shift;;
    *) echo "restore.sh: unknown option $1" >&2; exit 2;;
  esac
  shift
done
[ "$REPLACE" = 1 ] || { echo "restore.sh: add --replace to confirm that the target database is replaced" >&2; exit 2; }
[ -f "$DUMP" ] || { echo "restore.sh: no such dump: $DUMP" >&2; exit 2; }

# postgres://user@host:port/dbname?params → the database name and the same server's maintenance database
base=${TARGET%%\?*}; query=${TARGET#"$base"}; DBNAME=${base##*/}; MAINT="${base%/*}/postgres$query"
[[ "$DBNAME" =~ ^[A-Za-z0-9_]+$ ]] || { echo "restore.sh: unexpected database name '$DBNAME'" >&2; exit 2; }

psql -X -q -v ON_ERROR_STOP=1 "$MAINT" <<SQL
SET client_min_messages = warning;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DBNAME' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS "$DBNAME";
CREATE DATABASE "$DBNAME";
SQL
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$TARGET" "$DUMP"

if [ -n "$MEDIA_DIR" ]; then
  ARCHIVE="${DUMP%.dump}.media.tar.gz"
  [ -f "$ARCHIVE" ] || { echo "restore.sh: no media archive $ARCHIVE" >&2; exit 2; }
  mkdir -p "$MEDIA_DIR"
  [ -z "$(ls -A "$MEDIA_DIR")" ] || { echo "restore.sh: $MEDIA_DIR is not empty" >&2; exit 2; }
  tar -C "$MEDIA_DIR" -xzf "$ARCHIVE"
fi
echo "restored $DUMP into $DBNAME"
