#!/usr/bin/env bash
# Prints the path of a trained model for the current data/domain/config, training only when no
# model for exactly this content exists yet. Models are cached outside the clone, keyed by a hash
# of everything that goes into training, so CI on a fresh clone reuses an identical model.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cache=${BMA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/business-mobile-assistant}
key=$(
  {
    sha256sum requirements/rasa.txt config.yml domain.yml
    # Custom NLU components (bot/components) are part of the model when they exist.
    find data $([ -d bot/components ] && echo bot/components) -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' \) -print0 \
      | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)
model="$cache/models/model-$key.tar.gz"
if [ ! -f "$model" ]; then
  mkdir -p "$cache/models" var/log
  echo "Training the Rasa model (content changed; log in var/log/train.log)…" >&2
  start=$(date +%s)
  RASA_TELEMETRY_ENABLED=false PYTHONPATH="$here" .venv-rasa/bin/rasa train \
    --config config.yml --domain domain.yml --data data \
    --out "$cache/models" --fixed-model-name "partial-model-$key" > var/log/train.log 2>&1 \
    || { tail -n 30 var/log/train.log >&2; exit 1; }
  mv "$cache/models/partial-model-$key.tar.gz" "$model"
  echo "Trained in $(( $(date +%s) - start )) s." >&2
fi
echo "$model"
