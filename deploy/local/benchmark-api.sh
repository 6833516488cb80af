#!/usr/bin/env bash
# API benchmark. It builds AuditAPI in release mode and starts a throwaway PostgreSQL and Redis on
# free 127.0.0.1 ports, which are removed afterwards. It seeds 2 organizations, each with 32 members
# and 200 finished audits of 5 evidence rows. Then it runs wrk at 32 connections against
# GET /healthz (the framework's ceiling), GET /api/v1/audits/ (page 1), GET /api/v1/audits/{id}/
# and POST /api/v1/audits/start/ (202; no worker runs, so the queue only grows). It prints
# requests/s, p50/p99 latency and the API's resident memory, then the same for the Django reference
# (../shared/peer-django, or AUDITMATE_PEER_DJANGO) in the same run, and AuditMate / reference.
# Figures go in BENCHMARKS.md.
#   AUDITMATE_BENCH_SECONDS=20 AUDITMATE_BENCH_CONNECTIONS=32 bash deploy/local/benchmark-api.sh
# While working on one endpoint: AUDITMATE_BENCH_MODES="healthz list" measures only those, and
# AUDITMATE_PEER_DJANGO=none skips the reference. AUDITMATE_BENCH_PROFILE=1 records the whole
# machine with `perf record -a -g` during each measured run and writes .build/perf-<mode>.txt: the
# CPU by process, then the API's hottest symbols (.build/perf-<mode>.data has the call graphs).
#
# The API runs as in production except that its secrets are development ones: access log on (JSON
# lines at info, to a file), per-user throttling on. Requests rotate over 64 users, because one user
# may make 1000 requests per THROTTLE_WINDOW_SECONDS and the window is set to 1 second here.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source deploy/local/lib.sh

seconds=${AUDITMATE_BENCH_SECONDS:-20}
connections=${AUDITMATE_BENCH_CONNECTIONS:-32}
AM_DEBIAN_PACKAGES+=(wrk)
am_require_packages
am_start_throwaway_servers bench

swift build -c release --product AuditAPI
api_port=$(am_free_port)
export DATABASE_URL="postgres://auditmate:$AM_PASSWORD@127.0.0.1:$AM_PG_PORT/postgres?sslmode=disable"
export REDIS_URL="redis://:$AM_PASSWORD@127.0.0.1:$AM_REDIS_PORT/0"
export PORT=$api_port LOG_LEVEL=info LOG_FORMAT=json
export THROTTLE_WINDOW_SECONDS=1 ACCESS_TOKEN_LIFETIME_SECONDS=3600 BCRYPT_COST=4
# No worker runs, so every audit started stays PENDING: the quota of waiting audits per organization
# is raised to its maximum, or `POST audits/start/` would measure 429 answers after the fifth audit.
export ORG_MAX_ACTIVE_AUDITS=1000000
"$(swift build -c release --show-bin-path)/AuditAPI" 2>"$AM_WORK/api.log" &
api_pid=$!
AM_EXIT_PIDS+=("$api_pid")
base="http://127.0.0.1:$api_port"
am_wait_http_ok "$base/readyz" 120 || { tail -n 20 "$AM_WORK/api.log" >&2; am_die "AuditAPI did not become ready"; }

am_say "seeding 2 organizations x 200 audits x 5 evidence rows, 64 users"
for org in 1 2; do
    am_register "$base" "owner$org@bench.test" "bench-password-$org" "Owner $org" "Bench $org"
done
PGPASSWORD=$AM_PASSWORD psql -h 127.0.0.1 -p "$AM_PG_PORT" -U auditmate -d postgres -qv ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TEMP TABLE owners AS
    SELECT m.organization_id, u.id AS user_id, u.password_hash, substring(u.email FROM 'owner(\d)') AS n
    FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email LIKE 'owner_@bench.test';
-- 31 more members per organization, with the owner's password.
INSERT INTO users (email, full_name, password_hash)
    SELECT 'member' || i || '-' || o.n || '@bench.test', 'Member ' || i, o.password_hash
    FROM owners o, generate_series(1, 31) i;
INSERT INTO memberships (organization_id, user_id, role)
    SELECT o.organization_id, u.id, 'MEMBER'
    FROM owners o JOIN users u ON u.email LIKE 'member%-' || o.n || '@bench.test';
-- Never decrypted: no worker runs, and POST audits/start/ only needs the row.
INSERT INTO integrations (organization_id, account, account_type, base_url, token_type, token_ciphertext, created_by)
    SELECT organization_id, 'bench-' || n, 'Organization', 'https://api.github.com', 'token', 'unused', user_id FROM owners;
INSERT INTO audits (organization_id, integration_id, trigger, status, requested_by, created_at, started_at, finished_at,
                    score, passed, failed, progress_done, progress_total, evidence_digest)
    SELECT o.organization_id, i.id, 'manual', CASE WHEN k % 3 = 0 THEN 'FAIL' ELSE 'PASS' END, o.user_id,
           now() - k * interval '1 hour', now() - k * interval '1 hour', now() - k * interval '1 hour' + interval '40 seconds',
           CASE WHEN k % 3 = 0 THEN 60 ELSE 100 END, CASE WHEN k % 3 = 0 THEN 3 ELSE 5 END, CASE WHEN k % 3 = 0 THEN 2 ELSE 0 END,
           5, 5, md5(o.n || k)
    FROM owners o JOIN integrations i ON i.organization_id = o.organization_id, generate_series(1, 200) k;
INSERT INTO evidence (audit_id, check_id, resource, status, severity, soc2, iso27001, sentence, responses, collected_at, sha256)
    SELECT a.id, 'check-' || c, 'bench/repository-' || c, 'PASS', 'MEDIUM', ARRAY['CC6.1'], ARRAY['A.8.2'],
           'The repository is configured as the control requires.',
           jsonb_build_object('request', 'GET /repos/bench/repository-' || c, 'status', 200,
                              'body', jsonb_build_object('full_name', 'bench/repository-' || c, 'private', true,
                                                         'default_branch', 'main', 'padding', repeat('x', 400))),
           a.finished_at, md5(a.id::text || c) || md5(c || a.id::text)
    FROM audits a, generate_series(1, 5) c;
ANALYZE;
SQL

# Logs every user in (honouring the authentication throttle) and writes "token<TAB>audit" lines.
python3 - "$base" "$AM_PG_PORT" "$AM_PASSWORD" "$AM_WORK/tokens.tsv" <<'PY'
import json, os, subprocess, sys, time, urllib.error, urllib.request
base, pg_port, password, out = sys.argv[1:5]
rows = subprocess.run(
    ["psql", "-h", "127.0.0.1", "-p", pg_port, "-U", "auditmate", "-d", "postgres", "-tA", "-F", "\t", "-c",
     "SELECT u.email, substring(u.email FROM '(\\d)@') AS n, "
     "(SELECT string_agg(a.id::text, ',') FROM (SELECT id FROM audits WHERE organization_id = m.organization_id "
     " ORDER BY random() LIMIT 10) a) FROM users u JOIN memberships m ON m.user_id = u.id ORDER BY u.email"],
    env={**os.environ, "PGPASSWORD": password}, check=True, capture_output=True, text=True).stdout.split("\n")
lines = []
for row in filter(None, rows):
    email, n, audits = row.split("\t")
    body = json.dumps({"email": email, "password": f"bench-password-{n}"}).encode()
    while True:
        request = urllib.request.Request(base + "/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"})
        try:
            token = json.load(urllib.request.urlopen(request, timeout=30))["access"]
            break
        except urllib.error.HTTPError as error:
            if error.code != 429:
                sys.exit(f"auditmate: logging {email} in failed: {error.code} {error.read().decode()}")
            time.sleep(float(error.headers.get("Retry-After", "1")))
    lines += [f"{token}\t{audit}" for audit in audits.split(",")]
with open(out, "w") as file:
    file.write("\n".join(lines) + "\n")
print(f"auditmate: {len(set(l.split(chr(9))[0] for l in lines))} users logged in", file=sys.stderr)
PY

memory() { awk -v key="$1:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$api_pid/status"; }
export AUDITMATE_BENCH_TOKENS=$AM_WORK/tokens.tsv
rss_idle=$(memory VmRSS)
results=()
modes=${AUDITMATE_BENCH_MODES:-healthz list detail start}
profile=${AUDITMATE_BENCH_PROFILE:-}
[ -z "$profile" ] || command -v perf >/dev/null || am_die "AUDITMATE_BENCH_PROFILE needs perf (apt-get install linux-perf)"
for mode in $modes; do
    export AUDITMATE_BENCH_MODE=$mode
    wrk -t 2 -c "$connections" -d 3s -s deploy/local/benchmark-api.lua "$base" >/dev/null  # warm-up
    if [ -n "$profile" ]; then
        perf record -q -a -g -F 999 -o "$root/.build/perf-$mode.data" -- sleep "$seconds" 2>/dev/null &
        perf_pid=$!
    fi
    wrk -t 2 -c "$connections" -d "${seconds}s" --latency -s deploy/local/benchmark-api.lua "$base" >"$AM_WORK/$mode.txt"
    if [ -n "$profile" ]; then
        wait "$perf_pid" || true
        {
            echo "# the machine's CPU by process (wrk, PostgreSQL, Redis and the API share 2 cores)"
            perf report -i "$root/.build/perf-$mode.data" --sort comm --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 15
            echo "# the API's hottest symbols"
            perf report -i "$root/.build/perf-$mode.data" --pid "$api_pid" --no-children --percent-limit 0.7 --stdio -g none 2>/dev/null \
                | grep -v '^#' | grep -v '^$' | head -n 50
        } >"$root/.build/perf-$mode.txt"
        am_say "profile of $mode: .build/perf-$mode.txt"
    fi
    grep -q "Non-2xx" "$AM_WORK/$mode.txt" && { cat "$AM_WORK/$mode.txt" >&2; am_die "$mode: some answers were not 2xx"; }
    results+=("$mode" "$(memory VmRSS)" "$AM_WORK/$mode.txt")
done
api_peak=$(memory VmHWM)
kill -TERM "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null  # the reference gets the cores to itself

# The Django reference (../shared/peer-django, or AUDITMATE_PEER_DJANGO), measured in the same run
# with the same wrk settings: its own PostgreSQL, Redis and gunicorn on free ports, its virtualenv
# from PyPI under .build/, and its down.sh run on exit however this script ends. Its Celery worker is
# stopped before the load, so its starts, like AuditMate's, only queue their scans.
peer_dir=${AUDITMATE_PEER_DJANGO:-$root/../shared/peer-django}
peer_results=()
if [ "$peer_dir" = none ]; then
    am_say "AUDITMATE_PEER_DJANGO=none: the reference is not measured"
elif [ -f "$peer_dir/up.sh" ]; then
    export PEER_DATA_DIR=$AM_WORK/peer PEER_VENV=$root/.build/peer-django-venv
    PEER_PG_PORT=$(am_free_port) PEER_REDIS_PORT=$(am_free_port) PEER_HTTP_PORT=$(am_free_port)
    export PEER_PG_PORT PEER_REDIS_PORT PEER_HTTP_PORT
    AM_EXIT_HOOKS+=("bash '$peer_dir/down.sh'")
    am_say "starting the Django reference"
    bash "$peer_dir/up.sh" >"$AM_WORK/peer-up.log" 2>&1 || { tail -n 20 "$AM_WORK/peer-up.log" >&2; am_die "the reference did not start"; }
    kill -TERM "$(cat "$PEER_DATA_DIR/pids/celery.pid")" 2>/dev/null || true
    peer_base="http://127.0.0.1:$PEER_HTTP_PORT"
    python3 - "$peer_base" "$AM_WORK/peer-tokens.tsv" <<'PY'
import json, sys, urllib.request
base, out = sys.argv[1:3]
lines = []
for user in ("acme-admin", "acme-member", "globex-admin", "globex-member"):
    body = json.dumps({"username": user, "password": "peer-pass-123"}).encode()
    request = urllib.request.Request(base + "/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"})
    token = json.load(urllib.request.urlopen(request, timeout=30))["access"]
    page = urllib.request.Request(base + "/api/v1/audits/", headers={"Authorization": "Bearer " + token})
    audits = [str(audit["id"]) for audit in json.load(urllib.request.urlopen(page, timeout=30))["results"][:10]]
    lines += [f"{token}\t{audit}" for audit in audits]
with open(out, "w") as file:
    file.write("\n".join(lines) + "\n")
PY
    export AUDITMATE_BENCH_TOKENS=$AM_WORK/peer-tokens.tsv AUDITMATE_BENCH_START_BODY='{"repository": "acme/api"}'
    for mode in $modes; do
        [ "$mode" = healthz ] && continue
        export AUDITMATE_BENCH_MODE=$mode
        wrk -t 2 -c "$connections" -d 3s -s deploy/local/benchmark-api.lua "$peer_base" >/dev/null
        wrk -t 2 -c "$connections" -d "${seconds}s" --latency -s deploy/local/benchmark-api.lua "$peer_base" >"$AM_WORK/peer-$mode.txt"
        grep -q "Non-2xx" "$AM_WORK/peer-$mode.txt" && { cat "$AM_WORK/peer-$mode.txt" >&2; am_die "reference $mode: some answers were not 2xx"; }
        peer_results+=("$mode" "$AM_WORK/peer-$mode.txt")
    done
else
    am_say "no Django reference at $peer_dir (set AUDITMATE_PEER_DJANGO): AuditMate's figures only"
fi

queued=$(redis-cli -h 127.0.0.1 -p "$AM_REDIS_PORT" -a "$AM_PASSWORD" --no-auth-warning llen scans)

python3 - "$connections" "$seconds" "$rss_idle" "$api_peak" "$queued" "${results[@]}" -- "${peer_results[@]}" <<'PY'
import re, sys
connections, seconds, rss_idle, rss_peak, queued = sys.argv[1:6]
names = {"healthz": "GET /healthz", "list": "GET /api/v1/audits/", "detail": "GET /api/v1/audits/{id}/",
         "start": "POST /api/v1/audits/start/"}
def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
def figures(path):
    text = open(path).read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    # The latency distribution's own lines: "+/- Stdev" columns elsewhere also end in "%".
    p50 = ms(re.search(r"^\s+50%\s+(\S+)$", text, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)$", text, re.M).group(1))
    return rate, p50, p99
separator = sys.argv.index("--")
ours, theirs = sys.argv[6:separator], sys.argv[separator + 1:]
rates = {}
print(f"wrk, {connections} connections, {seconds} s per endpoint, 2 threads")
print(f"{'AuditMate':28} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'API RSS MB':>11}")
for i in range(0, len(ours), 3):
    mode, rss, path = ours[i:i + 3]
    rate, p50, p99 = figures(path)
    rates[mode] = (rate, p99)
    print(f"{names[mode]:28} {rate:11.0f} {p50:8.2f} {p99:8.2f} {rss:>11}")
print(f"API resident memory: {rss_idle} MB before load, {rss_peak} MB peak")
print(f"scans queued by POST audits/start/: {queued}")
if theirs:
    print(f"{'Django reference':28} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'AuditMate / reference':>22}")
    for i in range(0, len(theirs), 2):
        mode, path = theirs[i:i + 2]
        rate, p50, p99 = figures(path)
        print(f"{names[mode]:28} {rate:11.0f} {p50:8.2f} {p99:8.2f} {rates[mode][0] / rate:21.1f}x")
for mode in ("list", "detail"):
    if mode in rates and "healthz" in rates:
        share = rates[mode][0] / rates["healthz"][0]
        print(f"{mode} / healthz rate: {share:.2f} (goal >= 0.5); {mode} p99 {rates[mode][1]:.2f} ms (goal < 15)")
PY
