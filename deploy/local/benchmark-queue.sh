#!/usr/bin/env bash
# Queue benchmark: builds AuditWorker in release mode, starts a throwaway PostgreSQL and Redis on free
# 127.0.0.1 ports (removed afterwards), and runs `AuditWorker benchmark` against them, with Celery from
# the test virtualenv for comparison. Extra arguments go to the benchmark (e.g. --concurrency 32).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source deploy/local/lib.sh

am_require_packages
work=$(mktemp -d /tmp/auditmate-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    am_stop_postgres "$work/postgres" immediate
    am_stop_redis "$work/redis"
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
am_init_postgres "$work/postgres" "$password"
pg_port=$(am_free_port)
am_start_postgres "$work/postgres" "$pg_port" -c fsync=off -c synchronous_commit=off || am_die "PostgreSQL did not start"
redis_port=$(am_free_port)
am_start_redis "$work/redis" "$redis_port" --requirepass "$password"

venv=$root/.build/python-celery
if [ ! -x "$venv/bin/celery" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'celery==5.*' redis packaging
fi

swift build -c release --product AuditWorker
export DATABASE_URL="postgres://auditmate:$password@127.0.0.1:$pg_port/postgres?sslmode=disable"
export REDIS_URL="redis://:$password@127.0.0.1:$redis_port/0"
export LOG_LEVEL=warning
"$(swift build -c release --show-bin-path)/AuditWorker" benchmark --count 100000 --celery-python "$venv/bin/python" "$@"
