#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL and Redis on free 127.0.0.1 ports, and
# removes them afterwards, whether the tests pass or not. Extra arguments go to `swift test`
# (e.g. --filter MigratorTests).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source deploy/local/lib.sh

am_require_packages

work=$(mktemp -d /tmp/auditmate-test.XXXXXX)
chmod 755 "$work"
pg_dir=$work/postgres
redis_dir=$work/redis

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e  # tear everything down even if one step fails
    # Redis servers the tests started for restart scenarios leave their pid files here.
    for pidfile in "$work"/redis*/redis.pid "$work"/servers/*/redis.pid; do
        [ -s "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    done
    am_stop_postgres "$pg_dir" immediate
    am_stop_redis "$redis_dir"
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
am_init_postgres "$pg_dir" "$password"
for attempt in 1 2 3; do
    pg_port=$(am_free_port)
    # Durability is irrelevant for throwaway data; speed is not. Every test opens its own pools and
    # processes, all at once: the peak was seen near 270 connections, and a direct connection that
    # finds the server full fails outright.
    if am_start_postgres "$pg_dir" "$pg_port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=1000 2>/dev/null; then
        break
    fi
    [ $attempt -lt 3 ] || am_die "PostgreSQL did not start"
done
redis_port=$(am_free_port)
am_start_redis "$redis_dir" "$redis_port" --requirepass "$password"

export AUDITMATE_TEST_DATABASE_URL="postgres://auditmate:$password@127.0.0.1:$pg_port/postgres?sslmode=disable"
export AUDITMATE_TEST_REDIS_URL="redis://:$password@127.0.0.1:$redis_port/0"
export AUDITMATE_TEST_WORK_DIR=$work
# AUDITMATE_TEST_RELEASE=1 builds and runs everything optimized (benchmarks); `@testable import`
# then needs -enable-testing.
build_flags=()
if [ "${AUDITMATE_TEST_RELEASE:-}" = 1 ]; then
    build_flags=(-c release -Xswiftc -enable-testing)
fi
export AUDITMATE_TEST_BIN_DIR=$(swift build "${build_flags[@]}" --show-bin-path)

# Python Celery for the interoperability tests, in a throwaway virtualenv kept under .build/ (git-ignored)
# so later runs reuse it. kombu's Redis transport imports `packaging` without declaring it.
venv=$root/.build/python-celery
if [ ! -x "$venv/bin/celery" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'celery==5.*' redis packaging
fi
export AUDITMATE_TEST_PYTHON=$venv/bin/python
am_say "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port, scratch in $work"

swift build "${build_flags[@]}" --build-tests
swift test "${build_flags[@]}" --skip-build "$@"
