#!/usr/bin/env bash
# no_std gate: proves that every no_std library crate builds without `std`.
#
# How: we make a sysroot that holds ONLY `core`, `alloc`, `compiler_builtins` and
# `rustc_std_workspace_core` (copied from the real sysroot), and build each crate ALONE
# (`-p CRATE`, so workspace feature unification cannot hide a dependency that enables `std`)
# with `--no-default-features` and with `--no-default-features --features alloc`, for the host
# target, with `--sysroot` pointing at that reduced sysroot. Any crate in the dependency graph
# that says `extern crate std` (or pulls a dependency that does) fails with "can't find crate
# for `std`". Proc-macro crates (serde_derive) are built for the host without RUSTFLAGS, since
# cargo only applies RUSTFLAGS to the target when `--target` is given.
#
# How we checked that the gate really fails on a std leak (run `scripts/check-no-std.sh
# --self-test`, which CI also runs): building `uaf-proto --features std` (which enables
# `serde/std`, `serde_json/std`, `base64/std` and `extern crate std`) against the reduced sysroot
# must FAIL; the self-test exits non-zero if it does not. By hand we also enabled
# `ciborium/std` in uaf-crypto's `alloc` feature and saw "error[E0463]: can't find crate for
# `std`" from ciborium-io.
set -euo pipefail
cd "$(dirname "$0")/.."

# Crates that must be no_std (core only) and no_std + alloc.
CRATES=(uaf-proto uaf-crypto uaf-metadata uaf-totp)
for extra in uaf-rp uaf-authenticator uaf-client; do
  [ -d "crates/$extra" ] && CRATES+=("$extra")
done

HOST=$(rustc -vV | sed -n 's/^host: //p')
REAL_SYSROOT=$(rustc --print sysroot)
ROOT=$(pwd)
SYSROOT="$ROOT/target/nostd-sysroot"
LIBDIR="$SYSROOT/lib/rustlib/$HOST/lib"
export CARGO_TARGET_DIR="$ROOT/target/nostd"

rm -rf "$SYSROOT"
mkdir -p "$LIBDIR"
for lib in core alloc compiler_builtins rustc_std_workspace_core; do
  found=0
  for f in "$REAL_SYSROOT/lib/rustlib/$HOST/lib/lib${lib}-"*.rlib "$REAL_SYSROOT/lib/rustlib/$HOST/lib/lib${lib}-"*.rmeta; do
    [ -e "$f" ] || continue
    cp "$f" "$LIBDIR/"
    found=1
  done
  if [ "$found" = 0 ]; then
    echo "no_std gate: cannot find lib$lib in $REAL_SYSROOT" >&2
    exit 2
  fi
done
echo "no_std gate: reduced sysroot at $SYSROOT holds: $(ls "$LIBDIR" | sed 's/-[0-9a-f]*\.r.*//' | sort -u | tr '\n' ' ')"

build() { # crate, features...
  local crate=$1; shift
  RUSTFLAGS="--sysroot $SYSROOT" cargo build --quiet --lib --target "$HOST" -p "$crate" "$@"
}

if [ "${1:-}" = "--self-test" ]; then
  echo "no_std gate self-test: uaf-proto with --features std must FAIL against the reduced sysroot"
  if build uaf-proto --no-default-features --features std 2>/tmp/nostd-selftest.log; then
    echo "no_std gate self-test FAILED: a std build succeeded without std in the sysroot" >&2
    exit 1
  fi
  if ! grep -q "can't find crate for \`std\`" /tmp/nostd-selftest.log; then
    echo "no_std gate self-test FAILED: the build failed for another reason:" >&2
    cat /tmp/nostd-selftest.log >&2
    exit 1
  fi
  echo "no_std gate self-test: ok (the std build failed with \"can't find crate for \`std\`\")"
  exit 0
fi

failed=0
for crate in "${CRATES[@]}"; do
  for feats in "--no-default-features" "--no-default-features --features alloc"; do
    # shellcheck disable=SC2086
    if build "$crate" $feats; then
      echo "no_std gate: ok    $crate $feats"
    else
      echo "no_std gate: FAIL  $crate $feats" >&2
      failed=1
    fi
  done
done
exit $failed
