#!/usr/bin/env bash
# uaf-load against uaf-server on PostgreSQL: one node, then two nodes on one database, with
# the CPU each process used per authentication (docs/server.md, "Performance").
#
# As root (like scripts/postgres-test.sh): installs `postgresql` with apt-get when
# /usr/lib/postgresql/15 is missing, `initdb`s a throw-away cluster in a temporary directory
# (fsync and synchronous_commit left on: commits are durable, as in production), starts it on
# 127.0.0.1 and a free port, builds the release binaries with the *ring* backend (skip with
# UAF_LOAD_NO_BUILD=1), and runs, for each phase (`respond`: conformance authentications,
# `signin`: full phone sign-ins):
#   1 node:  one uaf-server, one uaf-load with CLIENTS clients;
#   2 nodes: two uaf-servers on the same database, one uaf-load per node with CLIENTS/2
#            clients each, at the same time (the rates add up).
# Before and after every run it reads the CPU time of each node and of all PostgreSQL
# processes, and prints CPU milliseconds per completed operation. Everything is stopped and
# deleted on exit. No timing is asserted: this measures.
#
#   scripts/postgres-load.sh                # 20 clients, 20 s per run
#   CLIENTS=40 SECONDS_PER_RUN=30 scripts/postgres-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
CLIENTS="${CLIENTS:-20}"
SECS="${SECONDS_PER_RUN:-20}"
POOL="${POOL_SIZE:-16}"

if [ "$(id -u)" -ne 0 ]; then
    echo "postgres-load: run as root (initdb runs as the postgres user through runuser)" >&2
    exit 1
fi
if [ ! -x "$PG_BIN/initdb" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends postgresql
fi

if [ -z "${UAF_LOAD_NO_BUILD:-}" ]; then
    cargo build --release --locked -p uaf-server -p uaf-load -p uaf-phone \
        --features uaf-server/ring,uaf-load/ring
fi
bin="${CARGO_TARGET_DIR:-target}/release"

dir="$(mktemp -d /tmp/uaf-postgres-load.XXXXXX)"
chown postgres: "$dir"
chmod 700 "$dir"
started=0
pids=()
cleanup() {
    status=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if [ "$started" -eq 1 ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port="$(free_port)"
runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
started=1
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300" start >/dev/null \
    || { cat "$dir/pg.log" >&2; exit 1; }
url="postgres://postgres@127.0.0.1:$port/postgres"
echo "postgres-load: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $url, $(nproc) cores" >&2

"$bin/uaf-phone" metadata "$dir/metadata" >/dev/null
token="load-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
chmod -R a+rX "$dir"

# CPU seconds (user + system) of a process, and of every PostgreSQL process.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
cpu_pg() {
    for p in $(pgrep -u postgres); do cat "/proc/$p/stat" 2>/dev/null || true; done |
        awk -v hz="$(getconf CLK_TCK)" '{s += $14 + $15} END {print s / hz}'
}

node() { # node NAME → starts a server, sets $node_pid and $node_url
    "$bin/uaf-server" --listen 127.0.0.1:0 --database "$url" --pool-size "$POOL" \
        --metadata "$dir/metadata" --conformance-api --conformance-api-token "$token" \
        --signin-limit-per-address off --signin-limit-per-user off \
        --enroll-limit-per-address off --enroll-limit-per-account off \
        >"$dir/$1.log" 2>&1 &
    node_pid=$!
    pids+=("$node_pid")
    node_url=""
    for _ in $(seq 1 100); do
        node_url="$(grep -o 'listening on http://[0-9.:]*' "$dir/$1.log" | head -n 1 | sed 's/^listening on //')" || true
        [ -n "$node_url" ] && return 0
        sleep 0.1
    done
    echo "postgres-load: node $1 did not start" >&2
    cat "$dir/$1.log" >&2
    exit 1
}

load() { # load URL CLIENTS PHASE OUT
    "$bin/uaf-load" --server "$1" --database "$url" -c "$2" --phones "$2" -d "$SECS" \
        --phases "$3" --in-process 0 --json -q --token "$token" >"$4"
}

node a; a_pid=$node_pid; a_url=$node_url
node b; b_pid=$node_pid; b_url=$node_url
half=$((CLIENTS / 2))

for phase in respond signin; do
    kind=auth; [ "$phase" = signin ] && kind=signin
    # One node (b idles).
    a0=$(cpu_of "$a_pid"); p0=$(cpu_pg)
    load "$a_url" "$CLIENTS" "$phase" "$dir/one-$phase.json"
    a1=$(cpu_of "$a_pid"); p1=$(cpu_pg)
    # Two nodes at once.
    a2=$(cpu_of "$a_pid"); b2=$(cpu_of "$b_pid"); p2=$(cpu_pg)
    load "$a_url" "$half" "$phase" "$dir/two-a-$phase.json" &
    la=$!
    load "$b_url" "$half" "$phase" "$dir/two-b-$phase.json" &
    lb=$!
    wait "$la"; wait "$lb"
    a3=$(cpu_of "$a_pid"); b3=$(cpu_of "$b_pid"); p3=$(cpu_pg)
    python3 - "$phase" "$kind" "$dir" "$a0" "$a1" "$p0" "$p1" "$a2" "$a3" "$b2" "$b3" "$p2" "$p3" <<'PY'
import json, sys
phase, kind, d = sys.argv[1:4]
a0, a1, p0, p1, a2, a3, b2, b3, p2, p3 = map(float, sys.argv[4:])
def stats(path):
    r = json.load(open(path))
    s = r[phase]
    c = next(c for c in s["calls"] if c["kind"] == kind)
    return c, sum(s["errors"].values())
one, e1 = stats(f"{d}/one-{phase}.json")
ta, ea = stats(f"{d}/two-a-{phase}.json")
tb, eb = stats(f"{d}/two-b-{phase}.json")
n1 = one["count"]; n2 = ta["count"] + tb["count"]
r1 = one["per_sec"]; r2 = ta["per_sec"] + tb["per_sec"]
print(f"{phase}: 1 node {r1:.0f}/s (p50 {one['p50_ms']:.1f} ms, p99 {one['p99_ms']:.1f} ms), "
      f"node CPU {1000*(a1-a0)/max(n1,1):.2f} ms/op, PostgreSQL CPU {1000*(p1-p0)/max(n1,1):.2f} ms/op, errors {e1}")
print(f"{phase}: 2 nodes {r2:.0f}/s (a {ta['per_sec']:.0f}/s p99 {ta['p99_ms']:.1f} ms, "
      f"b {tb['per_sec']:.0f}/s p99 {tb['p99_ms']:.1f} ms), node CPU {1000*((a3-a2)+(b3-b2))/max(n2,1):.2f} ms/op, "
      f"PostgreSQL CPU {1000*(p3-p2)/max(n2,1):.2f} ms/op, errors {ea + eb}")
print(f"{phase}: 2 nodes / 1 node = {r2 / r1:.2f}")
PY
done
