#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on a local port, run the given command with
# EDU_TEST_DATABASE_URL pointing at it, then stop and remove the cluster.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL is not installed (run: bash .ci/system-deps.sh)"; exit 1; }
PGPORT=${EDU_TEST_PG_PORT:-54329}
while (exec 3<>/dev/tcp/127.0.0.1/$PGPORT) 2>/dev/null; do PGPORT=$((PGPORT + 1)); done
PGDIR=$(mktemp -d /tmp/eduplatform-pg.XXXXXX)
as_pg() {
  # initdb refuses to run as root: run the server as the postgres user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -eq 0 ] && chown postgres "$PGDIR"
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -l "$PGDIR/server.log" \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "CREATE ROLE edu LOGIN PASSWORD 'edu'" \
  -c "CREATE DATABASE edu_test OWNER edu ENCODING 'UTF8' TEMPLATE template0"
export EDU_TEST_DATABASE_URL="postgresql+psycopg://edu:edu@127.0.0.1:$PGPORT/edu_test"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
"$@"
