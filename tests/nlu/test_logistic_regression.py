"""``StackedLogisticRegressionClassifier`` (config.yml) builds the same matrix as Rasa's
``LogisticRegressionClassifier`` and so fits the same model: checked in the Rasa venv on two of
the product's NLU files, featurized as config.yml does, with a dense feature added; with the
configured ``normalise`` option, the n-gram blocks have the configured length and nothing else
changes."""

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


def test_configured_blocks_have_the_configured_length() -> None:
    result = rasa_probe(PROBE.read_text(encoding="utf-8"), "data/nlu/billing.yml")
    # config.yml normalises both n-gram blocks: each message's block has the configured length,
    # or none at all when none of its n-grams is in the vocabulary (a block of zeros stays zero).
    assert result["normalise"] == ["word_ngrams", "char_ngrams"]
    length = result["normalised_length"]
    for origin in result["normalise"]:
        assert length in result["block_lengths"][origin]
        assert set(result["block_lengths"][origin]) <= {0.0, length}
    # The regex block and the dense columns are exactly Rasa's.
    assert len(result["block_lengths"]) == 3
    assert result["untouched_max_abs_diff"] == 0.0
