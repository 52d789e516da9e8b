#!/usr/bin/env bash
# Prints the ratios the performance targets are stated in, from criterion's estimates of the
# last `cargo bench -p uaf-rp --bench verify` (and `-p uaf-crypto --bench verify`) run:
# finish_authentication / bare verify, per backend, and assertions per second per core.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import json, glob, os
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
print(f"{'benchmark':45} {'mean µs':>10} {'per s':>10}")
for name in sorted(rows):
    ns = rows[name]
    print(f"{name:45} {ns/1000:10.1f} {1e9/ns:10.0f}")
print()
for name in sorted(rows):
    if name.startswith("finish_authentication_"):
        backend = name[len("finish_authentication_"):]
        bare = rows.get(f"bare_{backend}")
        if bare:
            print(f"finish_authentication / bare verify ({backend}): {rows[name]/bare:.3f}x")
PY
