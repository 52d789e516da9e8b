#!/usr/bin/env bash
# The verifier's overhead as a ratio of executed instructions, measured with
# `valgrind --tool=callgrind`: repeatable to the instruction whatever else the machine does,
# unlike wall-clock ratios on a shared 2-core machine. Complements `cargo bench -p uaf-rp`
# (time) and scripts/bench-ratios.sh.
#
#   scripts/bench-instructions.sh [N]      # N operations per case (default 200)
#
# For each backend compiled in (RustCrypto, ring, AWS-LC) it counts the instructions of one
# bare P-256 verification (key decoded once), of decode + verify, and of one whole
# finish_authentication with the decoded-key cache on (the default) and off, as
# (count(N) - count(0)) / N, and prints finish_authentication / bare.
#
# Valgrind executes its own model of the CPU: it does not offer every instruction-set extension
# of the host (ADX, for one), so AWS-LC and ring may take a different assembly path than
# natively; the counts compare code paths, the criterion figures give the speed.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }

bin=$(cargo bench -p uaf-rp --features ring,aws-lc-rs --bench instructions --no-run \
  --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "could not build the instructions bench" >&2; exit 1; }

count() { # case runs -> instructions of the whole process
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

printf '%-42s %14s\n' case instructions/op
declare -A per
for backend in rustcrypto ring aws-lc-rs; do
  for op in bare decode+bare finish_authentication finish_authentication_cold; do
    c="$op/$backend"
    zero=$(count "$c" 0)
    many=$(count "$c" "$n")
    per[$c]=$(( (many - zero) / n ))
    printf '%-42s %14d\n' "$c" "${per[$c]}"
  done
done
echo
for backend in rustcrypto ring aws-lc-rs; do
  b=${per[bare/$backend]}
  awk -v f="${per[finish_authentication/$backend]}" -v c="${per[finish_authentication_cold/$backend]}" \
      -v d="${per[decode+bare/$backend]}" -v b="$b" -v name="$backend" 'BEGIN {
    printf "%-11s finish_authentication / bare = %.3fx (cache off: %.3fx; decode + bare: %.3fx)\n",
      name, f / b, c / b, d / b }'
done
