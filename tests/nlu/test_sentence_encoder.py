"""config.yml's sentence encoder (``bot/components/sentence_encoder.py``), checked in the Rasa
venv: what it adds to each message, the cache that keeps retrains cheap, and the gate that
keeps gibberish falling back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stack_fixtures import rasa_probe

PROBE = Path(__file__).with_name("sentence_encoder_probe.py")


@pytest.fixture(scope="module")
def probe() -> dict:
    return rasa_probe(PROBE.read_text(encoding="utf-8"))


def test_it_sits_before_the_classifier_in_config(probe: dict) -> None:
    names = probe["pipeline"]
    encoder = names.index("bot.components.sentence_encoder.SentenceEncoderFeaturizer")
    classifier = names.index(
        "bot.components.logistic_regression.StackedLogisticRegressionClassifier"
    )
    assert names.index("WhitespaceTokenizer") < encoder < classifier


def test_each_training_sentence_gets_a_scaled_512_dimension_vector(probe: dict) -> None:
    assert probe["dimensions"] == [512] * 4
    assert probe["train_norms"] == pytest.approx([probe["scale"]] * 4, rel=1e-3)


def test_a_retrain_reads_the_embeddings_from_the_cache(probe: dict) -> None:
    assert probe["cached"] == 4
    assert probe["second_train_from_cache"] is True


def test_a_message_without_a_known_word_gets_no_semantic_vector(probe: dict) -> None:
    assert probe["gibberish_norm"] == 0.0


def test_a_word_one_typo_away_from_a_known_word_counts_as_known(probe: dict) -> None:
    # "gestoolen" (gestolen + o), "facturs" (factures - e), "fcatures" (two letters swapped).
    assert probe["typo_norms"] == pytest.approx([probe["scale"]] * 2, rel=1e-3)


def test_a_paraphrase_in_another_language_is_nearer_to_its_meaning(probe: dict) -> None:
    # "my phone got nicked" shares no word with "mijn gsm is gestolen" / "on m'a volé mon
    # téléphone", yet is nearer to both than to the invoice requests.
    assert min(probe["paraphrase_vs_stolen"]) > max(probe["paraphrase_vs_invoices"])
