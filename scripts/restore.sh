#!/usr/bin/env bash
# Restores a backup made by backup.sh into a fresh, empty PostgreSQL database and an empty media
# directory. It refuses to write over a database that already has tables.
#
#   DATABASE_URL=postgres://…/care_new CARE_MEDIA_ROOT=/var/lib/care/media \
#     scripts/restore.sh backups/care-20250101T020000Z.dump
#
# The media tarball and checksum file are found next to the dump. Create the database first
# (createdb care_new), then point the portal at it once the restore has succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

dump="${1:?usage: restore.sh BACKUP.dump}"
: "${DATABASE_URL:?set DATABASE_URL to the fresh PostgreSQL database to restore into}"
media_root="${CARE_MEDIA_ROOT:-var/media}"
base="${dump%.dump}"
media="$base-media.tar.gz"
sums="$base-SHA256SUMS"

[ -f "$dump" ] || { echo "restore.sh: no dump at $dump" >&2; exit 2; }
[ -f "$media" ] || { echo "restore.sh: no media archive at $media" >&2; exit 2; }
if [ -f "$sums" ]; then
  (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$sums")") ||
    { echo "restore.sh: checksums do not match: the backup is damaged" >&2; exit 3; }
fi

tables="$(psql --dbname="$DATABASE_URL" --no-psqlrc -At -c \
  "select count(*) from pg_tables where schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database already has $tables tables; restore into a fresh one" >&2
  exit 4
fi
if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ]; then
  echo "restore.sh: $media_root is not empty; restore the files into an empty directory" >&2
  exit 4
fi

# One transaction: a failed restore leaves the database empty, not half-filled.
pg_restore --dbname="$DATABASE_URL" --no-owner --no-acl --exit-on-error --single-transaction "$dump"

mkdir -p "$media_root"
tar -C "$media_root" -xzf "$media"
echo "restored $dump into the database and $media_root"
