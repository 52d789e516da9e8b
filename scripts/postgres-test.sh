#!/usr/bin/env bash
# The PostgreSQL backend of uaf-server against a real, throw-away PostgreSQL 15 cluster:
# crates/uaf-server/tests/postgres.rs (store contract tests, two server nodes on one database).
#
# As root: installs `postgresql` with apt-get when /usr/lib/postgresql/15 is missing
# (non-interactive), `initdb`s a cluster in a temporary directory as the `postgres` user
# (trust authentication), starts it on 127.0.0.1 and a free port with its socket in that
# directory, runs the ignored tests with UAF_TEST_POSTGRES_URL set, and always stops the
# cluster and deletes the directory on exit (also on failure or Ctrl-C).
#
#   scripts/postgres-test.sh                  # all the PostgreSQL tests
#   scripts/postgres-test.sh two_nodes        # extra arguments go to the test binary
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

if [ "$(id -u)" -ne 0 ]; then
    echo "postgres-test: run as root (initdb runs as the postgres user through runuser)" >&2
    exit 1
fi

if [ ! -x "$PG_BIN/initdb" ]; then
    echo "postgres-test: installing postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends postgresql
fi
if [ ! -x "$PG_BIN/initdb" ]; then
    echo "postgres-test: no PostgreSQL 15 at $PG_BIN (set PG_BIN)" >&2
    exit 1
fi

# Build first, so the cluster lives only as long as the tests run.
cargo test -p uaf-server --test postgres --no-run

dir="$(mktemp -d /tmp/uaf-postgres-test.XXXXXX)"
chown postgres: "$dir"
chmod 700 "$dir"
started=0
cleanup() {
    status=$?
    if [ "$started" -eq 1 ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port: bind port 0, read it back, release it.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
started=1
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" start \
    >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export UAF_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "postgres-test: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $UAF_TEST_POSTGRES_URL" >&2
cargo test -p uaf-server --test postgres -- --ignored "$@"
