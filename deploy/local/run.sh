#!/usr/bin/env bash
# Starts AuditMate locally: PostgreSQL and Redis on 127.0.0.1 with data in .data/, migrations, then
# AuditAPI and AuditWorker in the foreground. Ctrl-C stops everything this script started.
#
# Ports: AUDITMATE_PG_PORT (55432), AUDITMATE_REDIS_PORT (56379), PORT (8000).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source deploy/local/lib.sh

am_require_packages

data=$root/.data
mkdir -p "$data"
chmod 755 "$data"

# One run per checkout: a second one would fight the first over ports and data.
exec 9>"$data/run.lock"
flock -n 9 || am_die "AuditMate is already running from this folder (pid $(cat "$data/run.pid" 2>/dev/null || echo '?')); stop it with Ctrl-C first"
echo $$ >"$data/run.pid"

pg_port=${AUDITMATE_PG_PORT:-55432}
redis_port=${AUDITMATE_REDIS_PORT:-56379}
api_port=${PORT:-8000}
password=auditmate
am_port_in_use "$api_port" && am_die "port $api_port (API) is already in use by another program; free it or set PORT"

# PostgreSQL runs as the 'postgres' user when we are root, and that user must be able to reach the
# data folder. If the checkout sits somewhere it cannot enter (e.g. under /root), the cluster lives in
# /var/tmp and .data/postgres points at it.
pg_dir=$data/postgres
if [ "$(id -u)" -eq 0 ] && [ ! -e "$pg_dir" ] && ! runuser -u postgres -- test -x "$data"; then
    outside=/var/tmp/auditmate-$(printf '%s' "$root" | sha256sum | cut -c1-12)/postgres
    mkdir -p "$(dirname "$outside")"
    chmod 755 "$(dirname "$outside")"
    ln -s "$outside" "$pg_dir"
    am_say "the postgres user cannot enter $root; the database cluster lives in $outside"
fi
pg_dir=$(readlink -f "$pg_dir")
redis_dir=$data/redis

api_pid='' worker_pid='' started_pg='' started_redis=''
cleanup() {
    trap - EXIT INT TERM
    set +e  # tear everything down even if one step fails
    for pid in $api_pid $worker_pid; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $api_pid $worker_pid; do wait "$pid" 2>/dev/null || true; done
    [ -n "$started_redis" ] && am_stop_redis "$redis_dir"
    [ -n "$started_pg" ] && am_stop_postgres "$pg_dir"
    rm -f "$data/run.pid"
    am_say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL: reuse ours if an earlier run left it up; never start on a port someone else holds.
am_init_postgres "$pg_dir" "$password"
if am_postgres_running "$pg_dir"; then
    am_say "PostgreSQL already running from $pg_dir; reusing it"
else
    am_port_in_use "$pg_port" && am_die "port $pg_port (PostgreSQL) is already in use by another program; free it or set AUDITMATE_PG_PORT"
    am_start_postgres "$pg_dir" "$pg_port" || am_die "PostgreSQL did not start (log: $pg_dir/server.log)"
fi
started_pg=1
am_create_database "$pg_port" auditmate "$password" auditmate

if am_redis_running "$redis_dir"; then
    am_say "Redis already running from $redis_dir; reusing it"
else
    am_port_in_use "$redis_port" && am_die "port $redis_port (Redis) is already in use by another program; free it or set AUDITMATE_REDIS_PORT"
    am_start_redis "$redis_dir" "$redis_port"
fi
started_redis=1


am_say "building (the first build takes several minutes)"
swift build --product AuditAPI
swift build --product AuditWorker
bin=$(swift build --show-bin-path)

export AUDITMATE_ENV=${AUDITMATE_ENV:-development}
export DATABASE_URL="postgres://auditmate:$password@127.0.0.1:$pg_port/auditmate?sslmode=disable"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export PORT=$api_port
export EMAIL_FILE_DIR=${EMAIL_FILE_DIR:-$data/mail}  # without SMTP_URL, mail lands here as .eml files
# /api/docs/ serves Swagger UI from this folder; without it, a plain list of the operations.
if swagger_ui=$(am_swagger_ui "$root"); then export SWAGGER_UI_DIR=$swagger_ui; fi

"$bin/AuditAPI" migrate

"$bin/AuditAPI" > >(trap '' INT; exec sed -u 's/^/api    | /') 2>&1 &
api_pid=$!
"$bin/AuditWorker" worker --queues scans,reports,emails,health --beat > >(trap '' INT; exec sed -u 's/^/worker | /') 2>&1 &
worker_pid=$!

demo_email=demo@auditmate.dev
demo_password=staple-battery-horse
if am_wait_http_ok "http://127.0.0.1:$api_port/readyz" 60; then
    # The demo account is registered through the API like any other; on later runs it exists already.
    am_register "http://127.0.0.1:$api_port" "$demo_email" "$demo_password" "Demo Admin" "Demo Organization"
    cat >&2 <<EOF

  AuditMate is running.
    API docs:   http://127.0.0.1:$api_port/api/docs/
    Schema:     http://127.0.0.1:$api_port/api/schema/
    Health:     http://127.0.0.1:$api_port/healthz  (liveness)
                http://127.0.0.1:$api_port/readyz   (PostgreSQL + Redis)
    Metrics:    http://127.0.0.1:$api_port/metrics  (production: only on METRICS_PORT, 9100)
    Demo login: $demo_email / $demo_password  (ADMIN of "Demo Organization";
                POST /api/v1/auth/token/ for a token pair, or log in from /api/docs/)
    PostgreSQL: $DATABASE_URL
    Redis:      $REDIS_URL
  Press Ctrl-C to stop.

EOF
else
    am_die "the API did not become ready on port $api_port; see its output above"
fi

# Stay up while both processes run; if one dies, stop the rest.
wait -n "$api_pid" "$worker_pid" || true
am_say "a process exited; shutting down"
