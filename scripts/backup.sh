#!/usr/bin/env bash
# Backs up the portal: the PostgreSQL database (pg_dump custom format) and the uploaded evidence
# files (a tarball of CARE_MEDIA_ROOT), with a SHA-256 checksum file.
#
#   DATABASE_URL=postgres://… CARE_MEDIA_ROOT=/var/lib/care/media scripts/backup.sh [DEST_DIR]
#
# Writes DEST_DIR/care-<UTC timestamp>.dump, …-media.tar.gz and …-SHA256SUMS, and prints the
# path of the dump. DEST_DIR defaults to ./backups.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL must be a PostgreSQL URL (postgres://…)" >&2; exit 2 ;;
esac
media_root="${CARE_MEDIA_ROOT:-var/media}"
dest="${1:-backups}"
mkdir -p "$dest"
umask 077  # backups hold every establishment's weaknesses

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
base="$dest/care-$stamp"

# Custom format: compressed, restorable table by table, consistent (one snapshot transaction).
pg_dump --dbname="$DATABASE_URL" --format=custom --no-owner --no-acl --file="$base.dump.partial"
mv "$base.dump.partial" "$base.dump"

if [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$base-media.tar.gz.partial" .
else
  # No evidence uploaded yet: an empty archive keeps restore uniform.
  tar -czf "$base-media.tar.gz.partial" --files-from /dev/null
fi
mv "$base-media.tar.gz.partial" "$base-media.tar.gz"

(cd "$dest" && sha256sum "care-$stamp.dump" "care-$stamp-media.tar.gz" >"care-$stamp-SHA256SUMS")
echo "$base.dump"
