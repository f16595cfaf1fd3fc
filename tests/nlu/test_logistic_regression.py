"""``StackedLogisticRegressionClassifier`` (config.yml) builds the same matrix as Rasa's
``LogisticRegressionClassifier`` and so fits the same model: checked in the Rasa venv on two of
the product's NLU files, featurized as config.yml does, with a dense feature added."""

from __future__ import annotations

from pathlib import Path

from tests.stack_fixtures import rasa_probe

PROBE = Path(__file__).with_name("logistic_regression_probe.py")


def test_same_matrix_and_probabilities_as_rasa() -> None:
    result = rasa_probe(
        PROBE.read_text(encoding="utf-8"),
        "data/nlu/billing.yml",
        "data/nlu/faq.yml",
    )
    assert "CountVectorsFeaturizer" in result["featurized_by"]
    assert result["examples"] > 500
    assert result["shape_ours"] == result["shape_rasa"]
    # regex + word + char n-grams + the 3 dense columns: thousands of columns, mostly non-zero rows
    assert result["shape_ours"][1] > 1000
    assert result["x_nnz"] > result["examples"] * 10
    assert result["x_max_abs_diff"] == 0.0
    assert result["classes_equal"]
    assert result["proba_max_abs_diff"] == 0.0
