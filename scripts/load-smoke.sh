#!/usr/bin/env bash
# A short smoke run of the load generator (crates/uaf-load) against a real uaf-server on
# loopback: builds both (debug; UAF_LOAD_PROFILE=release for a release build), writes the
# phone model's metadata, starts the server on a free port with a temporary SQLite database
# and the conformance API, runs `uaf-load` for a few seconds at low concurrency (enrolment,
# phone sign-ins, conformance authentications, the in-process comparison) and fails unless
# it exits 0 with no errors; then a second short run as an open loop (`--rate`). Both read
# the server's CPU time (`--server-pid`), and the first pins the in-process threads to the
# first CPU this script may use (`--in-process-cpus`). No timing is asserted: the CPU figures
# and the open loop's counts must only be there. The server and the temporary directory are
# removed on exit (also on failure or Ctrl-C).
#
#   scripts/load-smoke.sh                 # 4 clients, 3 s per phase
#   scripts/load-smoke.sh -c 8 -d 5       # extra arguments go to uaf-load
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${UAF_LOAD_PROFILE:-debug}"
flags=()
[ "$profile" = release ] && flags=(--release)
cargo build "${flags[@]}" --locked -p uaf-server -p uaf-load -p uaf-phone
bin="${CARGO_TARGET_DIR:-target}/$profile"

dir="$(mktemp -d /tmp/uaf-load-smoke.XXXXXX)"
server_pid=""
cleanup() {
    status=$?
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$dir/server.log" ]; then
        echo "load-smoke: the server's log:" >&2
        tail -n 30 "$dir/server.log" >&2 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT INT TERM

"$bin/uaf-phone" metadata "$dir/metadata" >/dev/null

server_args=(--listen 127.0.0.1:0 --database "$dir/server.db" --metadata "$dir/metadata"
    --conformance-api)
load_args=()
# The conformance API takes a token on servers that have the flag.
if "$bin/uaf-server" --help | grep -q -- '--conformance-api-token'; then
    token="smoke-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    server_args+=(--conformance-api-token "$token")
    load_args+=(--token "$token")
fi

# A load test from one address is what the sign-in rate limits refuse: off here.
if "$bin/uaf-server" --help | grep -q -- '--signin-limit-per-address'; then
    server_args+=(--signin-limit-per-address off --signin-limit-per-user off
        --enroll-limit-per-address off --enroll-limit-per-account off)
fi

RUST_LOG="${RUST_LOG:-uaf_server=info}" "$bin/uaf-server" "${server_args[@]}" \
    >"$dir/server.log" 2>&1 &
server_pid=$!

url=""
for _ in $(seq 1 100); do
    url="$(grep -o 'listening on http://[0-9.:]*' "$dir/server.log" | head -n 1 | sed 's/^listening on //')" || true
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "load-smoke: the server exited" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "load-smoke: the server did not say where it listens" >&2; exit 1; }
echo "load-smoke: server at $url"

# CPU figures and pinning where there is /proc (Linux); elsewhere the report says they are
# unavailable.
linux=0
if [ -r /proc/self/stat ]; then
    linux=1
    load_args+=(--server-pid "$server_pid")
    first_cpu="$(awk '/^Cpus_allowed_list:/ { split($2, a, /[-,]/); print a[1] }' /proc/self/status)"
    pin_args=(--in-process-cpus "${first_cpu:-0}")
else
    pin_args=()
fi

"$bin/uaf-load" --server "$url" --database "$dir/server.db" --concurrency 4 --phones 8 \
    --duration 3 --in-process 200 --in-process-threads 2 --json "${load_args[@]}" \
    "${pin_args[@]}" "$@" >"$dir/result.json"
cat "$dir/result.json"
# The open loop: 20 operations/s offered over 4 clients for 2 s per phase.
"$bin/uaf-load" --server "$url" --database "$dir/server.db" --concurrency 4 --phones 4 \
    --duration 2 --rate 20 --in-process 0 --json "${load_args[@]}" "$@" >"$dir/open.json"
cat "$dir/open.json"
python3 - "$dir/result.json" "$dir/open.json" "$linux" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
o = json.load(open(sys.argv[2]))
linux = sys.argv[3] == "1"
for run in (r, o):
    assert run["errors"] == 0, f"errors: {run['errors']}"
    for phase, kind in (("signin", "signin"), ("respond", "auth")):
        done = [c["count"] for c in run[phase]["calls"] if c["kind"] == kind]
        assert done and done[0] > 0, f"no {kind} completed"
        cpu = run[phase]["cpu"]
        if linux:
            assert cpu and cpu["server_ms"] is not None and cpu["load_ms_per_op"] is not None, \
                f"no CPU figures for {phase}: {cpu} ({run['cpu']})"
        else:
            assert run["cpu"]["unavailable"], "no CPU figures, and no reason given"
assert r["in_process"] and r["ratio"] is not None, "no in-process comparison"
assert r["respond"]["open_loop"] is None, "a closed loop reported as open"
if linux:
    assert r["cpu_ratio"] is not None, f"no CPU ratio ({r['cpu']})"
    assert r["cpus"]["in_process"] is not None, "the in-process threads were not pinned"
for phase in ("signin", "respond"):
    ol = o[phase]["open_loop"]
    assert ol and ol["offered_per_sec"] == 20 and ol["started"] > 0, f"no open loop in {phase}"
    assert ol["due"] == ol["started"] + ol["not_started"], f"open-loop counts disagree: {ol}"
cpu = r["cpu_ratio"]
print(f"load-smoke: ok ({r['phones']} phones, ratio {r['ratio']:.3f}, CPU ratio "
      f"{'unavailable' if cpu is None else f'{cpu:.3f}'}; open loop {o['respond']['open_loop']['started']} "
      f"starts; timings not asserted)")
PY
