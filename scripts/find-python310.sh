#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 and rasa-sdk 3.6 need 3.8–3.10).
# `python3` is often 3.11+ here, so look for 3.10 explicitly instead of assuming.
set -euo pipefail
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
candidates+=("$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10)
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for py in "${candidates[@]}"; do
  if [ -x "$py" ] && "$py" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$py"
    exit 0
  fi
done
echo "No Python 3.10 found. Install one (e.g. pyenv install 3.10.13) or set PYTHON310=/path/to/python3.10." >&2
exit 1
