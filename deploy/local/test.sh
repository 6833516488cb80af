#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL and Redis on free 127.0.0.1 ports, and
# removes them afterwards, whether the tests pass or not. Extra arguments go to `swift test`
# (e.g. --filter MigratorTests).
#
# Installs and the build run first, with the machine's network. The servers and the tests then run
# in a network namespace of their own that has only loopback (when run as root): the security tests
# aim the product at private and metadata addresses to prove it refuses them, and they must not rely
# on the code under test to keep those packets home. There, a connect to 10.0.0.1 fails at once.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source deploy/local/lib.sh

# AUDITMATE_TEST_RELEASE=1 builds and runs everything optimized (benchmarks); `@testable import`
# then needs -enable-testing.
build_flags=()
if [ "${AUDITMATE_TEST_RELEASE:-}" = 1 ]; then
    build_flags=(-c release -Xswiftc -enable-testing)
fi

am_require_packages
if [ "${AM_TEST_PHASE:-}" != isolated ]; then
    # Python Celery for the interoperability tests.
    AUDITMATE_TEST_PYTHON=$(am_celery_python "$root")
    export AUDITMATE_TEST_PYTHON
    # Swagger UI, which the API serves itself at /api/docs/.
    AUDITMATE_TEST_SWAGGER_UI_DIR=$(am_swagger_ui "$root") || am_die "the tests need Swagger UI's files"
    export AUDITMATE_TEST_SWAGGER_UI_DIR
    swift build "${build_flags[@]}" --build-tests
    if [ "$(id -u)" -eq 0 ] && unshare --net --mount true 2>/dev/null; then
        export AM_TEST_PHASE=isolated
        # A private mount namespace lets the tests have host names of their own (resolving to
        # private and metadata addresses) without touching the machine's /etc/hosts.
        hosts=$root/.build/test-hosts
        cat >"$hosts" <<'HOSTS'
127.0.0.1 localhost
::1 ip6-localhost ip6-loopback
127.0.0.1 loopback.auditmate.test
10.0.0.1 private.auditmate.test
169.254.169.254 metadata.auditmate.test
HOSTS
        chmod 644 "$hosts"
        exec unshare --net --mount --propagation private bash -c '
            set -e
            ip link set lo up
            mount --bind "$1" /etc/hosts
            shift
            export AUDITMATE_TEST_ISOLATED=1
            exec bash "$0" "$@"' "${BASH_SOURCE[0]}" "$hosts" "$@"
    fi
    am_say "not root (or no network namespaces here): the tests run on the machine's network, and those that aim at non-loopback addresses are skipped"
fi

# Durability is irrelevant for throwaway data; speed is not. Every test opens its own pools and
# processes, all at once: the peak was seen near 270 connections, and a direct connection that finds
# the server full fails outright.
am_start_throwaway_servers test -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000

export AUDITMATE_TEST_DATABASE_URL="postgres://auditmate:$AM_PASSWORD@127.0.0.1:$AM_PG_PORT/postgres?sslmode=disable"
export AUDITMATE_TEST_REDIS_URL="redis://:$AM_PASSWORD@127.0.0.1:$AM_REDIS_PORT/0"
export AUDITMATE_TEST_WORK_DIR=$AM_WORK
AUDITMATE_TEST_BIN_DIR=$(swift build "${build_flags[@]}" --show-bin-path)
export AUDITMATE_TEST_BIN_DIR
am_say "PostgreSQL on 127.0.0.1:$AM_PG_PORT, Redis on 127.0.0.1:$AM_REDIS_PORT, scratch in $AM_WORK${AUDITMATE_TEST_ISOLATED:+, network namespace with only loopback}"

swift test "${build_flags[@]}" --skip-build "$@"
