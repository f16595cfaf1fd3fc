#!/usr/bin/env bash
# Prints the path of a trained model for the current data/domain/config, training only when no
# model for exactly this content exists yet. Models are cached outside the clone, keyed by a hash
# of everything that goes into training, so CI on a fresh clone reuses an identical model.
# CONFIG=path/to/config.yml (relative to the repo root) trains another pipeline on the same
# data/domain (benchmark baselines); the default config.yml keeps its key and log file.
# --path prints where the model for this content is (or goes) without training.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
config=${CONFIG:-config.yml}
log=var/log/train.log
[ "$config" = config.yml ] || log="var/log/train-$(basename "$config" .yml).log"
cache=${BMA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/business-mobile-assistant}
key=$(
  {
    sha256sum requirements/rasa.txt "$config" domain.yml
    # Custom NLU components (bot/components) are part of the model when they exist.
    find data $([ -d bot/components ] && echo bot/components) -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' \) -print0 \
      | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)
model="$cache/models/model-$key.tar.gz"
if [ "${1:-}" = "--path" ]; then echo "$model"; exit 0; fi
if [ ! -f "$model" ]; then
  mkdir -p "$cache/models" var/log
  echo "Training the Rasa model with $config (content changed; log in $log)…" >&2
  start=$(date +%s)
  RASA_TELEMETRY_ENABLED=false PYTHONPATH="$here" .venv-rasa/bin/rasa train \
    --config "$config" --domain domain.yml --data data \
    --out "$cache/models" --fixed-model-name "partial-model-$key-$$" > "$log" 2>&1 \
    || { tail -n 30 "$log" >&2; exit 1; }
  mv "$cache/models/partial-model-$key-$$.tar.gz" "$model"
  echo "Trained in $(( $(date +%s) - start )) s." >&2
fi
echo "$model"
