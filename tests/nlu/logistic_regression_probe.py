"""Runs in the Rasa venv (``tests/nlu/test_logistic_regression.py``): featurizes part of the
product's NLU data with the components that precede the intent classifier in config.yml, adds
a dense sentence feature so both branches of the matrix are exercised, and prints, as JSON,
how Rasa's ``LogisticRegressionClassifier`` and config.yml's classifier differ: without
``normalise`` (the matrix must be Rasa's), and as configured (each normalised block's length).

    PYTHONPATH=. .venv-rasa/bin/python tests/nlu/logistic_regression_probe.py data/nlu/billing.yml …
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.logistic_regression import StackedLogisticRegressionClassifier

CONFIG = Path("config.yml")  # rasa_probe runs in the repo root


def _create(cls: Any, config: dict[str, Any], storage: LocalModelStorage, name: str) -> Any:
    context = ExecutionContext(GraphSchema({}), "probe")
    return cls.create({**cls.get_default_config(), **config}, storage, Resource(name), context)


def _options(component: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in component.items() if key != "name"}


def main(paths: list[str]) -> None:
    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    # Rasa's own lookup from a config.yml name (short or module path) to its class.
    classes = [DefaultV1Recipe._from_registry(c["name"]).clazz for c in pipeline]
    # ValueError here: config.yml's classifier is not the stacked one.
    position = classes.index(StackedLogisticRegressionClassifier)
    data = TrainingData().merge(*(load_data(path) for path in paths))
    with tempfile.TemporaryDirectory() as tmp:
        storage = LocalModelStorage(Path(tmp))
        for index in range(position):
            component = _create(classes[index], _options(pipeline[index]), storage, f"c{index}")
            if hasattr(component, "train"):  # featurizers; the tokenizer learns nothing
                component.train(data)
            component.process_training_data(data)
        for message in data.intent_examples:
            dense = np.array([[len(message.get(TEXT)), 1.0, -2.5]])
            message.add_features(Features(dense, FEATURE_TYPE_SENTENCE, TEXT, "dense"))

        options = _options(pipeline[position])
        plain = {**options, "normalise": []}
        rasa = _create(LogisticRegressionClassifier, plain, storage, "rasa")
        ours = _create(StackedLogisticRegressionClassifier, plain, storage, "ours")
        configured = _create(StackedLogisticRegressionClassifier, options, storage, "configured")
        messages = data.intent_examples
        x_rasa, x_ours = rasa._create_X(messages), ours._create_X(messages)
        x_configured = configured._create_X(messages)
        rasa.train(data)
        ours.train(data)
        p_rasa, p_ours = rasa.clf.predict_proba(x_rasa), ours.clf.predict_proba(x_ours)
        # Column ranges of each sparse featurizer's block, in matrix order.
        blocks: dict[str, tuple[int, int]] = {}
        start = 0
        for feature in messages[0].features:
            if feature.type == FEATURE_TYPE_SENTENCE and feature.is_sparse():
                blocks[feature.origin] = (start, start + feature.features.shape[1])
                start += feature.features.shape[1]
        lengths = {
            origin: sorted(
                {round(float(n), 6) for n in np.sqrt(x_configured[:, a:b].power(2).sum(axis=1)).A1}
            )
            for origin, (a, b) in blocks.items()
        }
        untouched = np.ones(x_ours.shape[1], dtype=bool)
        for origin in options.get("normalise", []):
            a, b = blocks[origin]
            untouched[a:b] = False
    print(
        json.dumps(
            {
                "featurized_by": [c["name"] for c in pipeline[:position]],
                "examples": len(messages),
                "shape_rasa": list(x_rasa.shape),
                "shape_ours": list(x_ours.shape),
                "x_max_abs_diff": float(abs(x_rasa.tocsr() - x_ours).max()),
                "x_nnz": int(x_ours.nnz),
                "classes_equal": list(rasa.clf.classes_) == list(ours.clf.classes_),
                "proba_max_abs_diff": float(np.abs(p_rasa - p_ours).max()),
                "normalise": options.get("normalise", []),
                "normalised_length": options.get("normalised_length"),
                "block_lengths": lengths,
                "untouched_max_abs_diff": float(
                    abs(x_configured[:, untouched] - x_ours[:, untouched]).max()
                ),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
