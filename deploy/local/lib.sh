# Shared by run.sh and test.sh: system packages, and PostgreSQL / Redis servers on 127.0.0.1 in a
# folder of our own. Source it; every function prefixes its messages with "auditmate:".

AM_DEBIAN_PACKAGES=(postgresql redis-server redis-tools libhiredis-dev libcurl4-openssl-dev pkg-config python3 python3-venv python3-cryptography
    libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-wqy-microhei poppler-utils iproute2 util-linux)

am_say() { printf 'auditmate: %s\n' "$*" >&2; }
am_die() { am_say "$*"; exit 1; }

# Installs the Debian packages the build and the servers need, when any is missing. As root it runs
# apt-get itself; otherwise it prints the exact line to run and stops.
am_require_packages() {
    local missing=()
    local package
    for package in "${AM_DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" -eq 0 ]; then
            am_say "installing ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q >/dev/null
            apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
        else
            am_die "missing Debian packages; run: sudo apt-get install -y ${missing[*]}"
        fi
    fi
    command -v swift >/dev/null || am_die "swift is not on PATH; install Swift 6.3 from https://www.swift.org/install/linux/ and retry"
    AM_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$AM_PG_BIN/pg_ctl" ] || am_die "PostgreSQL server binaries not found under /usr/lib/postgresql"
}

# PostgreSQL refuses to run as root: as root, its commands run as the system 'postgres' user.
am_as_db_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# True when something accepts connections on 127.0.0.1:$1.
am_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

am_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Creates the PostgreSQL cluster in $1 (once) with superuser 'auditmate' / password $2.
am_init_postgres() {
    local dir=$1 password=$2
    [ -f "$dir/PG_VERSION" ] && return 0
    mkdir -p "$dir"
    chmod 700 "$dir"
    local pwfile
    pwfile=$(mktemp)
    printf '%s\n' "$password" >"$pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir" "$pwfile"; fi
    am_as_db_user "$AM_PG_BIN/initdb" -D "$dir" --username=auditmate --pwfile="$pwfile" \
        --auth-host=scram-sha-256 --auth-local=peer --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
        || { rm -f "$pwfile"; am_die "initdb failed for $dir"; }
    rm -f "$pwfile"
}

# Starts PostgreSQL from $1 on 127.0.0.1:$2 (TCP only); extra server options follow. Returns 1,
# after showing the end of the server log, when it does not come up.
am_start_postgres() {
    local dir=$1 port=$2
    shift 2
    am_as_db_user "$AM_PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' $*" start >/dev/null \
        || { tail -n 20 "$dir/server.log" >&2; return 1; }
}

am_postgres_running() { am_as_db_user "$AM_PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

am_stop_postgres() {
    local dir=$1 mode=${2:-fast}
    am_postgres_running "$dir" && am_as_db_user "$AM_PG_BIN/pg_ctl" -D "$dir" -m "$mode" -w stop >/dev/null
    return 0
}

# Creates database $4 unless it exists (server on port $1, user $2, password $3).
am_create_database() {
    local port=$1 user=$2 password=$3 database=$4
    local exists
    exists=$(PGPASSWORD=$password psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'")
    [ "$exists" = 1 ] || PGPASSWORD=$password psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qc \
        "CREATE DATABASE \"$database\"" >/dev/null
}

# Starts Redis in $1 on 127.0.0.1:$2 with AOF (appendfsync everysec); extra options follow. A
# password in AM_REDIS_PASSWORD reaches the server on standard input, never on its command line,
# where every user of the machine could read it. Standard output, which only announces that, is
# dropped; errors still reach standard error and the log.
am_start_redis() {
    local dir=$1 port=$2
    shift 2
    mkdir -p "$dir"
    if [ -n "${AM_REDIS_PASSWORD:-}" ]; then printf 'requirepass %s\n' "$AM_REDIS_PASSWORD"; fi \
        | redis-server - --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --appendonly yes --appendfsync everysec --save "" "$@" >/dev/null \
        || am_die "redis-server did not start (log: $dir/redis.log)"
    local tries=0
    until [ -s "$dir/redis.pid" ] && am_port_in_use "$port"; do
        tries=$((tries + 1))
        [ $tries -le 100 ] || { tail -n 20 "$dir/redis.log" >&2; am_die "Redis did not start (log: $dir/redis.log)"; }
        sleep 0.1
    done
}

am_redis_running() { [ -s "$1/redis.pid" ] && kill -0 "$(cat "$1/redis.pid")" 2>/dev/null; }

# Stops the Redis started from $1, by its pid file.
am_stop_redis() {
    local dir=$1
    am_redis_running "$dir" || return 0
    local pid
    pid=$(cat "$dir/redis.pid")
    kill -TERM "$pid" 2>/dev/null || true
    local tries=0
    while kill -0 "$pid" 2>/dev/null && [ $tries -lt 100 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    return 0
}

# Waits until $1 answers 200 (up to $2 seconds).
am_wait_http_ok() {
    local url=$1 seconds=${2:-60}
    python3 - "$url" "$seconds" <<'PY'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.25)
sys.exit(1)
PY
}

# Registers an account through the API at $1 (e-mail $2, password $3, name $4, organization $5);
# an address that is already registered is left as it is.
am_register() {
    python3 - "$@" <<'PY'
import json, sys, urllib.error, urllib.request
base, email, password, name, organization = sys.argv[1:6]
body = json.dumps({"email": email, "password": password, "full_name": name, "organization_name": organization}).encode()
request = urllib.request.Request(base + "/api/v1/auth/register/", data=body, headers={"Content-Type": "application/json"})
try:
    urllib.request.urlopen(request, timeout=30)
except urllib.error.HTTPError as error:
    if error.code != 400:
        sys.exit(f"auditmate: registering the demo account failed: {error.code} {error.read().decode()}")
PY
}

# Starts a throwaway PostgreSQL and Redis on free 127.0.0.1 ports, with one random password, in a new
# folder /tmp/auditmate-$1.XXXXXX; arguments after $1 are PostgreSQL options. When the script exits,
# however it exits, the processes listed in AM_EXIT_PIDS get SIGTERM, Redis servers that tests
# started under servers/ are killed, the commands in AM_EXIT_HOOKS run, and both servers and the
# folder are removed. Sets AM_WORK,
# AM_PASSWORD, AM_PG_PORT and AM_REDIS_PORT.
am_start_throwaway_servers() {
    local name=$1
    shift
    AM_WORK=$(mktemp -d "/tmp/auditmate-$name.XXXXXX")
    chmod 755 "$AM_WORK"
    AM_EXIT_PIDS=()
    AM_EXIT_HOOKS=()
    trap am_remove_throwaway_servers EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    AM_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    am_init_postgres "$AM_WORK/postgres" "$AM_PASSWORD"
    local attempt
    for attempt in 1 2 3; do
        # A free port can be taken between the probe and the server's bind: try another.
        AM_PG_PORT=$(am_free_port)
        am_start_postgres "$AM_WORK/postgres" "$AM_PG_PORT" "$@" 2>/dev/null && break
        if [ "$attempt" -eq 3 ]; then
            tail -n 20 "$AM_WORK/postgres/server.log" >&2
            am_die "PostgreSQL did not start"
        fi
    done
    AM_REDIS_PORT=$(am_free_port)
    AM_REDIS_PASSWORD=$AM_PASSWORD am_start_redis "$AM_WORK/redis" "$AM_REDIS_PORT"
}

am_remove_throwaway_servers() {
    local status=$?
    trap - EXIT INT TERM
    set +e  # tear everything down even if one step fails
    local pid pidfile hook
    # Commands that stop what a script started through another tool's own scripts (the Django reference).
    for hook in "${AM_EXIT_HOOKS[@]}"; do
        eval "$hook" >/dev/null 2>&1
    done
    for pid in "${AM_EXIT_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    for pidfile in "$AM_WORK"/servers/*/redis.pid; do
        [ -s "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null
    done
    am_stop_postgres "$AM_WORK/postgres" immediate
    am_stop_redis "$AM_WORK/redis"
    rm -rf "$AM_WORK"
    exit $status
}

# The virtualenv with Python Celery (interoperability tests, queue benchmark), kept under .build/
# (git-ignored) so later runs reuse it; prints its python. kombu's Redis transport imports
# `packaging` without declaring it.
am_celery_python() {
    local venv=$1/.build/python-celery
    if [ ! -x "$venv/bin/celery" ]; then
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check 'celery==5.*' redis packaging >&2
    fi
    printf '%s\n' "$venv/bin/python"
}

# Swagger UI's distribution (swagger-ui-dist, as drf-spectacular-sidecar ships it) under .build/
# (git-ignored), for the API's /api/docs/ page: installed, never copied into the repository.
# Prints the folder for SWAGGER_UI_DIR; returns 1 when PyPI cannot be reached.
AM_SWAGGER_UI_PACKAGE='drf-spectacular-sidecar==2026.10.1'
am_swagger_ui() {
    local target=$1/.build/swagger-ui
    local dist=$target/drf_spectacular_sidecar/static/drf_spectacular_sidecar/swagger-ui-dist
    if [ ! -f "$dist/swagger-ui-bundle.js" ]; then
        rm -rf "$target"
        # A virtualenv's pip: Debian's own python3 refuses pip installs (PEP 668).
        python3 -m venv "$target/venv" >&2 \
            && "$target/venv/bin/pip" install -q --disable-pip-version-check --no-deps --target "$target" "$AM_SWAGGER_UI_PACKAGE" >&2 \
            || { am_say "could not install $AM_SWAGGER_UI_PACKAGE from PyPI (Swagger UI for /api/docs/)"; return 1; }
    fi
    printf '%s\n' "$dist"
}
