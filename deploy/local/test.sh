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

# Durability is irrelevant for throwaway data; speed is not. Every test opens its own pools and
# processes, all at once: the peak was seen near 270 connections, and a direct connection that finds
# the server full fails outright.
am_start_throwaway_servers test -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000

export AUDITMATE_TEST_DATABASE_URL="postgres://auditmate:$AM_PASSWORD@127.0.0.1:$AM_PG_PORT/postgres?sslmode=disable"
export AUDITMATE_TEST_REDIS_URL="redis://:$AM_PASSWORD@127.0.0.1:$AM_REDIS_PORT/0"
export AUDITMATE_TEST_WORK_DIR=$AM_WORK
# AUDITMATE_TEST_RELEASE=1 builds and runs everything optimized (benchmarks); `@testable import`
# then needs -enable-testing.
build_flags=()
if [ "${AUDITMATE_TEST_RELEASE:-}" = 1 ]; then
    build_flags=(-c release -Xswiftc -enable-testing)
fi
export AUDITMATE_TEST_BIN_DIR=$(swift build "${build_flags[@]}" --show-bin-path)

# Python Celery for the interoperability tests.
AUDITMATE_TEST_PYTHON=$(am_celery_python "$root")
export AUDITMATE_TEST_PYTHON
am_say "PostgreSQL on 127.0.0.1:$AM_PG_PORT, Redis on 127.0.0.1:$AM_REDIS_PORT, scratch in $AM_WORK"

swift build "${build_flags[@]}" --build-tests
swift test "${build_flags[@]}" --skip-build "$@"
