#!/usr/bin/env bash
# Prints a PostgreSQL URL for the tests on stdout, starting a private server if needed:
#   1. $CXM_TEST_DATABASE_URL if set;
#   2. the server answering on 127.0.0.1:5432 (trust auth, database "test");
#   3. otherwise Debian's postgresql is installed and a private cluster is started on
#      127.0.0.1:$CXM_TEST_PG_PORT (default 54329) in a temporary directory; its directory
#      is written to .pytest-pg (scripts/stop-postgres.sh stops it).
#      CXM_TEST_PG_PRIVATE=1 skips step 2 (to test this path).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"

can_connect() {
  "$py" - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
psycopg.connect(url, connect_timeout=3).close()
PY
}

if [ -n "${CXM_TEST_DATABASE_URL:-}" ]; then echo "$CXM_TEST_DATABASE_URL"; exit 0; fi
local_url="postgresql+psycopg://postgres@127.0.0.1:5432/test"
if [ -z "${CXM_TEST_PG_PRIVATE:-}" ] && can_connect "$local_url"; then echo "$local_url"; exit 0; fi

port="${CXM_TEST_PG_PORT:-54329}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing Debian postgresql for the tests…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 && apt-get install -y -q postgresql >&2
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
dir="$(mktemp -d /tmp/cxm-pg.XXXXXX)"
chown postgres "$dir"
su postgres -c "$bin/initdb -D $dir/data -A trust -U postgres" >&2
su postgres -c "$bin/pg_ctl -D $dir/data -l $dir/log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1' start" >&2
su postgres -c "$bin/createdb -h 127.0.0.1 -p $port test" >&2
echo "$dir" > "$here/.pytest-pg"
echo "postgresql+psycopg://postgres@127.0.0.1:$port/test"
