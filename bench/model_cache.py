"""The benchmarks' way to the content-keyed model cache of ``scripts/train.sh`` (stdlib only:
imported from both virtual environments)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAIN_SH = ROOT / "scripts" / "train.sh"


def _train_sh(*argv: str, config: str | None) -> Path:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    if config:
        env["CONFIG"] = config
    out = subprocess.run(  # noqa: S603 - fixed argv: our own script
        [str(TRAIN_SH), *argv], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"scripts/train.sh printed no model: {out.stderr[-2000:]}")
    return Path(lines[-1])


def cached_model(config: str | None = None) -> Path:
    """The model for the current data/domain and ``config`` (default config.yml), trained by
    ``scripts/train.sh`` when the cache lacks it."""
    return _train_sh(config=config)


def cached_model_path(config: str | None = None) -> Path:
    """Where that model is, or goes, without training it."""
    return _train_sh("--path", config=config)
