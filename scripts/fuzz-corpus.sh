#!/usr/bin/env bash
# Builds the seed corpus of the fuzz targets in fuzz/corpus/<target>/ (re-runnable).
#
# Sources: the harness's built-in seeds (the UAF specification's example messages, the
# simulated authenticator's registration and authentication, commands, keys, attestation
# chains, sealed serverData, structured-mutation starts) and every file of
# conformance-vectors/, examples/data/ and the uaf-metadata test statements, each routed to
# the targets that read it (uaf_fuzz_harness::seeds::classify).
#
# Files are named by content hash: re-running adds only what is new and never deletes inputs
# that fuzzing added. Then, when cargo-fuzz and the nightly toolchain are installed, every
# target's corpus is minimised (`fuzz/run.sh --cmin`: only inputs that add coverage stay), so
# the committed corpus stays small; pass --no-cmin to skip that step.
#
# Usage: scripts/fuzz-corpus.sh [--no-cmin] [EXTRA_INPUT_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
cmin=1
if [ "${1:-}" = "--no-cmin" ]; then
  cmin=0
  shift
fi
inputs=()
for d in conformance-vectors examples/data crates/uaf-metadata/tests/data "$@"; do
  [ -d "$d" ] && inputs+=("$d")
done
# With every optional algorithm, so key seeds cover RSA, P-384, Ed25519 and secp256k1 too.
cargo run --quiet --release -p uaf-fuzz-harness --features all-algorithms --bin fuzz-seeds -- \
  fuzz/corpus "${inputs[@]}"
if [ "$cmin" = 1 ] && cargo fuzz --version >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz/run.sh --cmin
elif [ "$cmin" = 1 ]; then
  echo "cargo-fuzz or nightly missing: corpus not minimised (fuzz/run.sh --cmin installs cargo-fuzz)"
fi
echo "corpus: $(find fuzz/corpus -type f | wc -l) files, $(du -sb fuzz/corpus | cut -f1) bytes"
