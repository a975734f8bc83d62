#!/usr/bin/env bash
# The whole suite on SQLite (with the browser journeys), then again on a real PostgreSQL server.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "=== pytest on SQLite ==="
.venv/bin/pytest -q -p no:cacheprovider || status=1
echo "=== pytest on PostgreSQL ==="
bash .ci/with-postgres.sh .venv/bin/pytest -q -p no:cacheprovider -m "not browser" || status=1
exit $status
