"""Runs in the Rasa venv (``tests/nlu/test_sentence_encoder.py``): trains config.yml's sentence
encoder on a few sentences in a temporary model storage and embedding cache, and prints, as
JSON, what the classifier would see.

    PYTHONPATH=. .venv-rasa/bin/python tests/nlu/sentence_encoder_probe.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

CONFIG = Path("config.yml")  # rasa_probe runs in the repo root
TRAINING = [
    ("mijn gsm is gestolen", "replace_sim"),
    ("on m'a volé mon téléphone", "replace_sim"),
    ("show me my invoices", "show_invoices"),
    ("montre mes factures", "show_invoices"),
]
PROBES = {
    "paraphrase": "my phone got nicked yesterday",
    "gibberish": "wxcvbn poiuyt",
    # One typo in each word: a letter added, dropped, changed, two letters swapped.
    "typos": "gestoolen facturs",
    "typos_swapped": "fcatures",
}


def _messages(texts: list[str], tokenizer: WhitespaceTokenizer) -> list[Message]:
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    return messages


def _vector(message: Message) -> Any:
    dense = [f.features for f in message.features if f.is_dense() and f.type == "sentence"]
    return dense[0][0] if dense else None


def main() -> None:
    from bot.components.sentence_encoder import SentenceEncoderFeaturizer, cache_path

    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    names = [component["name"] for component in pipeline]
    options = next(c for c in pipeline if c["name"].endswith("SentenceEncoderFeaturizer"))
    config = {**SentenceEncoderFeaturizer.get_default_config(), **options}
    context = ExecutionContext(GraphSchema({}), "probe")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BMA_CACHE_DIR"] = str(Path(tmp) / "cache")
        (Path(tmp) / "model").mkdir()
        storage = LocalModelStorage(Path(tmp) / "model")
        resource = Resource("encoder")
        tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        data = TrainingData(
            [Message(data={TEXT: text, "intent": intent}) for text, intent in TRAINING]
        )
        tokenizer.process_training_data(data)
        trained = SentenceEncoderFeaturizer.create(config, storage, resource, context)
        trained.train(data)
        loaded = SentenceEncoderFeaturizer.load(config, storage, resource, context)
        loaded.process_training_data(data)
        with np.load(cache_path()) as stored:
            cached = len(stored["keys"])

        # A second train reads every training sentence from the cache: no encoding at all.
        def no_encoding(texts: list[str]) -> Any:
            raise AssertionError(f"encoded again: {texts}")

        again = TrainingData(
            [Message(data={TEXT: text, "intent": intent}) for text, intent in TRAINING]
        )
        tokenizer.process_training_data(again)
        retrained = SentenceEncoderFeaturizer.load(config, storage, resource, context)
        retrained._encode = no_encoding  # type: ignore[method-assign]
        retrained.process_training_data(again)
        from_cache = all(
            np.array_equal(_vector(a), _vector(b))
            for a, b in zip(data.training_examples, again.training_examples, strict=True)
        )

        probes = _messages(list(PROBES.values()), tokenizer)
        loaded.process(probes)
        vectors = dict(zip(PROBES, (_vector(m) for m in probes), strict=True))
        train_vectors = [_vector(m) for m in data.training_examples]

    def cosine(a: Any, b: Any) -> float:
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    paraphrase = vectors["paraphrase"]
    print(
        json.dumps(
            {
                "pipeline": names,
                "scale": config["scale"],
                "dimensions": [int(v.shape[0]) for v in train_vectors],
                "train_norms": [float(np.linalg.norm(v)) for v in train_vectors],
                "cached": cached,
                "second_train_from_cache": from_cache,
                "gibberish_norm": float(np.linalg.norm(vectors["gibberish"])),
                "typo_norms": [
                    float(np.linalg.norm(vectors[k])) for k in ("typos", "typos_swapped")
                ],
                "paraphrase_vs_stolen": [cosine(paraphrase, v) for v in train_vectors[:2]],
                "paraphrase_vs_invoices": [cosine(paraphrase, v) for v in train_vectors[2:]],
            }
        )
    )


if __name__ == "__main__":
    main()
