#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the other, and prints
# a table: target, executions, executions per second, crashes.
#
#   fuzz/run.sh SECONDS [TARGET...]     # e.g. fuzz/run.sh 60, fuzz/run.sh 600 tlv json
#   fuzz/run.sh --cmin [TARGET...]      # minimise the committed corpus (cargo fuzz cmin)
#
# Needs the nightly toolchain; installs cargo-fuzz if it is missing. New inputs go to
# fuzz/run/corpus/<target>/ and crashes to fuzz/run/artifacts/<target>/ (both ignored by git):
# the committed seed corpus fuzz/corpus/<target>/ is only read. Set MERGE=1 to merge inputs
# that add coverage into the committed corpus after each run (keep it small: a few hundred KB).
# A crash stops its target's run; the table counts it and the script exits 1. Fix the crash
# in the library, then copy the input into fuzz/artifacts/<target>/ so that
# `cargo test -p uaf-fuzz-harness` replays it from then on.
# Set RUNS=N to also stop a target after N executions (libFuzzer -runs), e.g. the long run of
# docs/fuzzing.md: RUNS=10000000 fuzz/run.sh 600 (ten minutes or ten million, whichever first).
set -euo pipefail
cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
  cargo install cargo-fuzz --locked
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "the nightly toolchain is needed: rustup toolchain install nightly" >&2
  exit 2
fi

mode=run
if [ "${1:-}" = "--cmin" ]; then
  mode=cmin
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
else
  echo "usage: fuzz/run.sh SECONDS [TARGET...] | fuzz/run.sh --cmin [TARGET...]" >&2
  exit 2
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

echo "building ${#targets[@]} fuzz targets (cargo +nightly fuzz build)"
cargo +nightly fuzz build >/dev/null

mkdir -p run/logs
if [ "$mode" = cmin ]; then
  for t in "${targets[@]}"; do
    before=$(find "corpus/$t" -type f | wc -l)
    cargo +nightly fuzz cmin "$t" "corpus/$t" >"run/logs/cmin-$t.log" 2>&1 || { cat "run/logs/cmin-$t.log"; exit 1; }
    echo "$t: $before -> $(find "corpus/$t" -type f | wc -l) files"
  done
  exit 0
fi

failed=0
rows=()
for t in "${targets[@]}"; do
  mkdir -p "run/corpus/$t" "run/artifacts/$t" "corpus/$t"
  log="run/logs/$t.log"
  before=$(find "run/artifacts/$t" -type f | wc -l)
  start=$(date +%s.%N)
  status=0
  runs=()
  if [ -n "${RUNS:-}" ]; then
    runs=(-runs="$RUNS")
  fi
  cargo +nightly fuzz run "$t" "run/corpus/$t" "corpus/$t" -- \
    -max_total_time="$seconds" "${runs[@]}" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048 \
    -artifact_prefix="run/artifacts/$t/" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-0}
  # libFuzzer's own average; the wall clock (with start-up) as a fallback.
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rate=${rate:-$(awk -v n="$execs" -v a="$start" -v b="$end" 'BEGIN { printf "%d", n / (b - a) }')}
  crashes=$(( $(find "run/artifacts/$t" -type f | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes="error($status)"
  fi
  if [ "$crashes" != 0 ]; then
    failed=1
    echo "!! $t: see $log and fuzz/run/artifacts/$t/" >&2
  fi
  if [ "${MERGE:-0}" = 1 ]; then
    cargo +nightly fuzz run "$t" "corpus/$t" "run/corpus/$t" -- -merge=1 >"run/logs/$t.merge.log" 2>&1 || true
  fi
  rows+=("$(printf '%-28s %12s %10s %8s' "$t" "$execs" "$rate" "$crashes")")
  echo "${rows[-1]}"
done

echo
echo "run: ${seconds}s${RUNS:+ or $RUNS executions} per target, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
printf '%-28s %12s %10s %8s\n' target execs execs/s crashes
printf '%s\n' "${rows[@]}"
exit "$failed"
