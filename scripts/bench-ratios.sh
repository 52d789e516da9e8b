#!/usr/bin/env bash
# Prints the ratios the performance targets are stated in, from criterion's estimates of the
# last `cargo bench -p uaf-rp --bench verify` run: finish_authentication / bare verify, per
# backend, and assertions per second per core.
#
#   scripts/bench-ratios.sh          # read the last results
#   scripts/bench-ratios.sh --run    # run the bench first, between two `openssl speed` runs
#
# With --run, the machine's speed is also measured in the same run: OpenSSL's own P-256
# verification rate (`openssl speed ecdsap256`, before and after the bench, averaged). DESIGN.md
# states its targets on a machine where OpenSSL verified 11.9k/s, so the rates are also shown
# scaled to that machine (rate × 11.9k / OpenSSL's rate here): a shared machine's speed moves
# from hour to hour, and a rate alone cannot tell the code's speed from the machine's.
set -euo pipefail
cd "$(dirname "$0")/.."
ref_file=target/criterion/openssl-reference.txt
openssl_rate() {
  openssl speed -seconds "${OPENSSL_SECONDS:-5}" ecdsap256 2>/dev/null |
    awk '/nistp256/ { print $NF }'
}
if [ "${1:-}" = "--run" ]; then
  command -v openssl >/dev/null || { echo "openssl (the command) is needed for --run" >&2; exit 2; }
  before=$(openssl_rate)
  cargo bench -p uaf-rp --features ring,aws-lc-rs --bench verify
  after=$(openssl_rate)
  mkdir -p target/criterion
  echo "$before $after" >"$ref_file"
fi
python3 - "$ref_file" <<'PY'
import json, glob, os, sys
def mean(path):
    with open(path) as f:
        return json.load(f)["mean"]["point_estimate"]  # nanoseconds
base = "target/criterion/verifier"
rows = {}
for est in glob.glob(f"{base}/*/new/estimates.json"):
    name = os.path.basename(os.path.dirname(os.path.dirname(est)))
    rows[name] = mean(est)
if not rows:
    raise SystemExit("no criterion results: run cargo bench -p uaf-rp --bench verify first")
openssl = None
if os.path.exists(sys.argv[1]):
    vals = [float(v) for v in open(sys.argv[1]).read().split()]
    if vals:
        openssl = sum(vals) / len(vals)
DESIGN_OPENSSL = 11900.0
scale = DESIGN_OPENSSL / openssl if openssl else None
head = f"{'benchmark':45} {'mean µs':>10} {'per s':>10}"
if scale:
    head += f" {'per s at DESIGN speed':>22}"
print(head)
for name in sorted(rows):
    ns = rows[name]
    line = f"{name:45} {ns/1000:10.1f} {1e9/ns:10.0f}"
    if scale:
        line += f" {1e9/ns*scale:22.0f}"
    print(line)
print()
for name in sorted(rows):
    if name.startswith("finish_authentication_"):
        backend = name[len("finish_authentication_"):]
        bare = rows.get(f"bare_{backend}")
        if bare:
            print(f"finish_authentication / bare verify ({backend}): {rows[name]/bare:.3f}x")
if openssl:
    print()
    print(f"OpenSSL P-256 verify on this machine in this run: {openssl:.0f}/s "
          f"(DESIGN.md's machine: {DESIGN_OPENSSL:.0f}/s; scale {scale:.3f})")
    fa = rows.get("finish_authentication_aws-lc-rs")
    if fa:
        r = 1e9 / fa
        print(f"finish_authentication (AWS-LC): {r:.0f}/s = {r/openssl:.2f}x OpenSSL's bare verify; "
              f"{r*scale:.0f}/s at DESIGN's machine speed (target 15000/s = {15000/DESIGN_OPENSSL:.2f}x OpenSSL)")
PY
