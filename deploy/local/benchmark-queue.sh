#!/usr/bin/env bash
# Queue benchmark: builds AuditWorker and the AuditBenchmark tool in release mode, starts a throwaway
# PostgreSQL and Redis on free 127.0.0.1 ports (removed afterwards), and runs `AuditBenchmark`
# against them, with Celery from the test virtualenv for comparison. Extra arguments go to the
# benchmark (e.g. --concurrency 32). Secrets reach the programs through the environment only.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source deploy/local/lib.sh

am_require_packages
am_start_throwaway_servers bench -c fsync=off -c synchronous_commit=off
python=$(am_celery_python "$root")

swift build -c release --product AuditWorker
swift build -c release --product AuditBenchmark
bin=$(swift build -c release --show-bin-path)
export DATABASE_URL="postgres://auditmate:$AM_PASSWORD@127.0.0.1:$AM_PG_PORT/postgres?sslmode=disable"
export REDIS_URL="redis://:$AM_PASSWORD@127.0.0.1:$AM_REDIS_PORT/0"
export LOG_LEVEL=warning
"$bin/AuditBenchmark" --worker "$bin/AuditWorker" --count 100000 --celery-python "$python" "$@"
