#!/usr/bin/env bash
# Conformance gate (called from .ci/run): runs every vector, checks that the generated vectors
# are current (regenerated into a temporary folder and compared byte for byte), and that every
# step of docs/spec-steps.md has a positive and a negative vector, as the README's table says.
# Debug build: after `cargo test --workspace` it is already compiled; the whole gate takes
# seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p uaf-conformance --locked --quiet
bin=target/debug/uaf-conformance

echo "--- conformance: uaf-conformance vectors conformance-vectors/"
"$bin" vectors conformance-vectors/

echo "--- conformance: regenerate and compare with conformance-vectors/generated/"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" generate "$tmp/generated"
"$bin" generate "$tmp/again" >/dev/null
if ! diff -r "$tmp/generated" "$tmp/again" >/dev/null; then
    echo "conformance: generate is not deterministic (two runs differ)" >&2
    exit 1
fi
if ! diff -r "$tmp/generated" conformance-vectors/generated; then
    echo "conformance: conformance-vectors/generated/ is stale; run" >&2
    echo "  cargo run -p uaf-conformance -- generate conformance-vectors/generated" >&2
    echo "and commit the result (delete files of vectors that no longer exist)" >&2
    exit 1
fi
echo "generated vectors are current"

echo "--- conformance: step coverage (and the README's table)"
"$bin" coverage --check-readme conformance-vectors/README.md conformance-vectors/
