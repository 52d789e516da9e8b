#!/usr/bin/env bash
# The API docs of the workspace's library crates: rustdoc warnings denied (broken and
# ambiguous intra-doc links, bad HTML, …), and no link left as literal text.
#
# rustdoc renders an intra-doc link that resolves to a crate it finds no docs for as the
# literal text "[`name`]" without a warning: the facade `uaf`, documented alone, showed
# "[proto]" for every re-exported crate. So the facade is first documented alone into an
# empty doc directory (as `cargo doc -p uaf --no-deps` and docs.rs do), then the whole
# workspace; after each, the facade's pages (which inline every library crate's pages) are
# searched for such literals.
#
#   scripts/check-docs.sh            # from the repository root or anywhere
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -D warnings"
doc="${CARGO_TARGET_DIR:-target}/doc"

literal_links() {
    # `[<code>name</code>]` in a rendered page: an unrendered [`name`] link.
    local hits
    hits=$(grep -rnoE '\[<code>[A-Za-z0-9_:]+(::[A-Za-z0-9_]+)*(\(\))?</code>\]' \
        --include='*.html' "$doc/uaf" 2>/dev/null | head -n 40 || true)
    if [ -n "$hits" ]; then
        echo "check-docs: intra-doc links rendered as literal text ($1):" >&2
        echo "$hits" >&2
        exit 1
    fi
}

rm -rf "$doc"
cargo doc -p uaf --no-deps --locked --quiet
literal_links "the facade documented alone"

cargo doc --workspace --no-deps --lib --locked --quiet
literal_links "the workspace"
echo "check-docs: ok (no rustdoc warning, no literal link)"
