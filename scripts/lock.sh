#!/usr/bin/env bash
# Re-pins requirements/NAME.txt from requirements/NAME.in by installing the .in into a fresh
# Python 3.10 venv and freezing it, so both environments stay fully pinned and `pip check` clean.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py=$("$here/scripts/find-python310.sh")
for name in app rasa; do
  tmp=$(mktemp -d)
  "$py" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install -qq --upgrade pip wheel
  "$tmp/venv/bin/python" -m pip install -qq -r "$here/requirements/$name.in"
  "$tmp/venv/bin/python" -m pip check
  {
    echo "# Pinned from requirements/$name.in (pip freeze in a fresh Python 3.10 venv); \`make lock\` regenerates."
    "$tmp/venv/bin/python" -m pip freeze --all | grep -v -E '^(pip|wheel)=='
  } > "$here/requirements/$name.txt"
  rm -rf "$tmp"
done
