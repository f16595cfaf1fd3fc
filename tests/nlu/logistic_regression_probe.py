"""Runs in the Rasa venv (``tests/nlu/test_logistic_regression.py``): featurizes part of the
product's NLU data with the product's featurizers, adds a dense sentence feature so both
branches of the matrix are exercised, and prints, as JSON, how Rasa's
``LogisticRegressionClassifier`` and ``StackedLogisticRegressionClassifier`` differ.

    PYTHONPATH=. .venv-rasa/bin/python tests/nlu/logistic_regression_probe.py data/nlu/billing.yml …
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.logistic_regression import StackedLogisticRegressionClassifier


def _create(cls: Any, config: dict[str, Any], storage: LocalModelStorage, name: str) -> Any:
    context = ExecutionContext(GraphSchema({}), "probe")
    return cls.create({**cls.get_default_config(), **config}, storage, Resource(name), context)


def main(paths: list[str]) -> None:
    data = TrainingData().merge(*(load_data(path) for path in paths))
    with tempfile.TemporaryDirectory() as tmp:
        storage = LocalModelStorage(Path(tmp))
        _create(WhitespaceTokenizer, {}, storage, "tok").process_training_data(data)
        featurizers = [
            (RegexFeaturizer, {"case_sensitive": False, "use_word_boundaries": False}),
            (CountVectorsFeaturizer, {"min_ngram": 1, "max_ngram": 2, "min_df": 2}),
            (CountVectorsFeaturizer, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5}),
        ]
        for index, (cls, config) in enumerate(featurizers):
            featurizer = _create(cls, config, storage, f"f{index}")
            featurizer.train(data)
            featurizer.process_training_data(data)
        for message in data.intent_examples:
            dense = np.array([[len(message.get(TEXT)), 1.0, -2.5]])
            message.add_features(Features(dense, FEATURE_TYPE_SENTENCE, TEXT, "dense"))

        rasa = _create(LogisticRegressionClassifier, {"solver": "liblinear"}, storage, "rasa")
        ours = _create(
            StackedLogisticRegressionClassifier, {"solver": "liblinear"}, storage, "ours"
        )
        messages = data.intent_examples
        x_rasa, x_ours = rasa._create_X(messages), ours._create_X(messages)
        rasa.train(data)
        ours.train(data)
        p_rasa, p_ours = rasa.clf.predict_proba(x_rasa), ours.clf.predict_proba(x_ours)
    print(
        json.dumps(
            {
                "examples": len(messages),
                "shape_rasa": list(x_rasa.shape),
                "shape_ours": list(x_ours.shape),
                "x_max_abs_diff": float(abs(x_rasa.tocsr() - x_ours).max()),
                "x_nnz": int(x_ours.nnz),
                "classes_equal": list(rasa.clf.classes_) == list(ours.clf.classes_),
                "proba_max_abs_diff": float(np.abs(p_rasa - p_ours).max()),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
