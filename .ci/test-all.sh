#!/usr/bin/env bash
# The whole suite on SQLite (with the browser journeys) and on a real PostgreSQL server, at the same
# time: each run is one process, so on two cores they take about as long as the longer one alone.
# Each run writes its own log; both are printed when both have finished.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d /tmp/eduplatform-test-logs.XXXXXX)
started=$(date +%s)
echo "=== pytest on SQLite and on PostgreSQL, in parallel (logs in $logs) ==="
.venv/bin/pytest -q -p no:cacheprovider >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
bash .ci/with-postgres.sh .venv/bin/pytest -q -p no:cacheprovider -m "not browser" >"$logs/postgresql.log" 2>&1 &
postgres_pid=$!
wait $sqlite_pid; sqlite_status=$?
echo "SQLite run finished after $(( $(date +%s) - started )) s (exit $sqlite_status)"
wait $postgres_pid; postgres_status=$?
echo "PostgreSQL run finished after $(( $(date +%s) - started )) s (exit $postgres_status)"
echo "=== pytest on SQLite ==="
cat "$logs/sqlite.log"
echo "=== pytest on PostgreSQL ==="
cat "$logs/postgresql.log"
[ $sqlite_status -eq 0 ] && [ $postgres_status -eq 0 ]
