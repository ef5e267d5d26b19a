#!/usr/bin/env bash
# Proves that backups restore: backs up the database at DATABASE_URL and the files in
# CARE_MEDIA_ROOT, restores them into a fresh database (created on the same server, then
# dropped) and a scratch directory, and compares the row count of every table and the checksum
# of every file. Exits non-zero on any difference.
#
#   DATABASE_URL=postgres://care@127.0.0.1:5432/care CARE_MEDIA_ROOT=/var/lib/care/media \
#     scripts/check_backup.sh
#
# The database role needs the CREATEDB privilege.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to check}"
media_root="${CARE_MEDIA_ROOT:-var/media}"
work="$(mktemp -d)"
check_db="care_restore_check_$$"

# The URL of the scratch database: same server and credentials, another database name.
url_no_query="${DATABASE_URL%%\?*}"
query="${DATABASE_URL#"$url_no_query"}"
restore_url="${url_no_query%/*}/$check_db$query"

psql_at() { psql --dbname="$1" --no-psqlrc -v ON_ERROR_STOP=1 -At -c "$2"; }
cleanup() {
  psql_at "$DATABASE_URL" "drop database if exists $check_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

row_counts() {
  psql_at "$1" "
    select table_name || ' ' || (xpath('/row/c/text()', query_to_xml(
      format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text
    from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name"
}
file_sums() { if [ -d "$1" ]; then (cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum); fi; }

echo "== backup"
dump="$(scripts/backup.sh "$work/backups")"
ls -l "$work/backups"

echo "== restore into a fresh database ($check_db)"
psql_at "$DATABASE_URL" "create database $check_db" >/dev/null
DATABASE_URL="$restore_url" CARE_MEDIA_ROOT="$work/media" scripts/restore.sh "$dump"

echo "== compare"
row_counts "$DATABASE_URL" >"$work/source-rows"
row_counts "$restore_url" >"$work/restored-rows"
file_sums "$media_root" >"$work/source-files"
file_sums "$work/media" >"$work/restored-files"
status=0
diff -u "$work/source-rows" "$work/restored-rows" || status=1
diff -u "$work/source-files" "$work/restored-files" || status=1
tables=$(wc -l <"$work/source-rows")
rows=$(awk '{ total += $2 } END { print total + 0 }' "$work/source-rows")
files=$(wc -l <"$work/source-files")
if [ "$status" -eq 0 ]; then
  echo "backup verified: $tables tables, $rows rows and $files files restored identically"
else
  echo "backup check FAILED: the restored copy differs (see above)" >&2
fi
exit "$status"
