#!/usr/bin/env bash
# Usage: scripts/venv.sh NAME REQUIREMENTS_FILE
# Makes ./.venv-NAME point at a virtual environment built from the pinned REQUIREMENTS_FILE.
# Environments live in a cache keyed by the file's content and the interpreter version, so a
# fresh clone (CI) reuses one built earlier on this machine and an unchanged file installs nothing.
set -euo pipefail
name=$1
reqs=$2
here=$(cd "$(dirname "$0")/.." && pwd)
py=$("$here/scripts/find-python310.sh")
cache=${BMA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/business-mobile-assistant}
key=$( { "$py" --version; cat "$here/$reqs"; } | sha256sum | cut -c1-16)
target="$cache/venvs/$name-$key"
mkdir -p "$cache/venvs"
# Two `make` runs at once (a test target and a bench, say) must not build the same environment
# together: the second would delete the first one's half-built venv. The lock serialises them.
exec 9>"$target.lock"
flock 9
if [ ! -f "$target/.complete" ]; then
  echo "Building the $name environment in $target (once per requirements change)…"
  rm -rf "$target"
  "$py" -m venv "$target"
  "$target/bin/python" -m pip install -qq --upgrade "pip==24.3.1" "wheel==0.45.1"
  "$target/bin/python" -m pip install -qq --no-deps -r "$here/$reqs"
  "$target/bin/python" -m pip check
  touch "$target/.complete"
fi
ln -sfn "$target" "$here/.venv-$name"
