#!/usr/bin/env bash
# The hostile-client suite of uaf-server (issue 13): builds the real server binary and runs
# every crates/uaf-server/tests/hostile*.rs test against it on loopback, including the
# #[ignore]d ones (a low `ulimit -n` for the server child, floods of hundreds of connections,
# a tmpfs, long waits), one test at a time. Each test prints a `MEASURED …` line: what it
# measured (docs/server.md, "Under attack").
#
#   scripts/hostile-test.sh                 # every hostile test
#   scripts/hostile-test.sh emfile          # extra arguments go to the test binaries (a filter)
#
# Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."

# The flood test holds ~500 client sockets plus the server's: make sure the test process
# may open them (the server child lowers its own limit where a test says so).
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
    ulimit -n 4096 2>/dev/null || echo "hostile-test: ulimit -n stays $(ulimit -n)" >&2
fi

tests=()
for f in crates/uaf-server/tests/hostile*.rs; do
    [ -e "$f" ] || continue
    tests+=(--test "$(basename "$f" .rs)")
done
if [ "${#tests[@]}" -eq 0 ]; then
    echo "hostile-test: no crates/uaf-server/tests/hostile*.rs" >&2
    exit 1
fi

# Build first (the binary the tests start is built with them: CARGO_BIN_EXE_uaf-server).
cargo test -p uaf-server --locked "${tests[@]}" --no-run
cargo test -p uaf-server --locked "${tests[@]}" -- --include-ignored --test-threads=1 --nocapture "$@"
