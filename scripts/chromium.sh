#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests. Playwright drives
# this distribution browser (executable_path); it never downloads one of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "== /usr/bin/chromium missing: installing Debian's chromium package" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium
