#!/usr/bin/env bash
# The phone sign-in page in a real headless Chromium (through chromedriver / WebDriver):
# crates/uaf-server/tests/browser/ (one module per part of the page; screenshots of every
# screen go to target/screenshots/). Installs chromium and chromium-driver with apt-get when
# they are missing (as root, non-interactive), then runs the ignored browser tests.
#
#   scripts/browser-test.sh            # install if needed, run
#   CHROME_BIN=/path/chrome CHROMEDRIVER=/path/chromedriver scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }

chrome="${CHROME_BIN:-}"
driver="${CHROMEDRIVER:-}"
if [ -z "$chrome" ]; then
    for c in chromium chromium-browser google-chrome; do
        if have "$c"; then chrome="$(command -v "$c")"; break; fi
    done
fi
if [ -z "$driver" ] && have chromedriver; then driver="$(command -v chromedriver)"; fi

if [ -z "$chrome" ] || [ -z "$driver" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "browser-test: chromium and chromedriver are missing; install them (as root:" \
             "apt-get install chromium chromium-driver) or set CHROME_BIN and CHROMEDRIVER" >&2
        exit 1
    fi
    echo "browser-test: installing chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium chromium-driver
    chrome="$(command -v chromium)"
    driver="$(command -v chromedriver)"
fi

echo "browser-test: $("$chrome" --version 2>/dev/null || echo "$chrome"), $("$driver" --version 2>/dev/null | head -n1)" >&2
export CHROME_BIN="$chrome" CHROMEDRIVER="$driver"
exec cargo test -p uaf-server --test browser -- --ignored --test-threads=1 "$@"
