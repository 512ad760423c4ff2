#!/usr/bin/env bash
# Stops the private PostgreSQL cluster that ensure-postgres.sh started, if any.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$here/.pytest-pg" ] || exit 0
dir="$(cat "$here/.pytest-pg")"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
su postgres -c "$bin/pg_ctl -D $dir/data -m fast stop" >&2 || true
rm -rf "$dir" "$here/.pytest-pg"
