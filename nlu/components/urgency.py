"""A second opinion on immediate danger, by meaning: a classifier on the sentence embedding.

The lexicon (`nlu/urgent.py`) runs in the bot before anything else and needs no server, but it
only knows the words it lists; "on the bridge rn, tell my mum sorry" or "the little one drank
the cleaning liquid" share none of them. This classifier reads the multilingual sentence
embedding (`encoder.py`) that the intent classifier uses too, so paraphrases in any of the
languages land near the examples: the bot treats a message as urgent when either says so.

Two components, because the examples must pass through the same tokenizer, transliterator and
encoder as everything else (Latin-typed Georgian is embedded together with its Georgian
reading):

- `UrgencyExamples`, first in the pipeline, adds `nlu/urgency_examples.yml` (urgent messages and
  near misses) to the training data as messages without an intent: the intent classifier never
  sees them, the featurizers embed them.
- `UrgencyClassifier`, after the encoder, learns urgent (those examples marked urgent) against
  calm (the near misses and every NLU training question of an intent that is not about danger),
  and adds `urgency: {"score": p}` to the parse output.

Logistic regression with balanced classes on the unit-length embedding; the bot decides with
`URGENT_THRESHOLD` (bot/settings.py). Persistence is skops, as in Rasa.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu.components.encoders import normalised

EXAMPLES = Path(__file__).resolve().parent.parent / "urgency_examples.yml"
LABEL = "urgency_label"
"""Attribute of an injected example: 1 urgent, 0 a near miss (never in the parse output)."""
OUTPUT = "urgency"
DANGER_INTENTS = ("safety_trafficking", "health_emergency", "health_mental")
"""Intents whose training questions may describe danger: neither urgent nor calm examples."""
TRUSTED_TYPES = frozenset(
    {"sklearn.linear_model._logistic.LogisticRegression", "numpy.float16", "numpy.int64"}
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class UrgencyExamples(GraphComponent):  # type: ignore[misc]
    """Adds the urgency examples to the training data (nothing at serving time)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"examples": None}

    def __init__(self, config: dict[str, Any]) -> None:
        self._path = Path(config.get("examples") or EXAMPLES)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UrgencyExamples:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        rows = yaml.safe_load(self._path.read_text(encoding="utf-8")) or []
        known = {m.get(TEXT) for m in training_data.training_examples}
        added = [
            Message(data={TEXT: str(row["text"]), LABEL: int(bool(row["urgent"]))})
            for row in rows
            if row.get("text") and str(row["text"]) not in known
        ]
        training_data.training_examples.extend(added)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UrgencyClassifier(GraphComponent):  # type: ignore[misc]
    """Scores each message for immediate danger from its sentence embedding."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 4.0, "max_iter": 300, "random_state": 42}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        clf: LogisticRegression | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.clf = clf

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UrgencyClassifier:
        return cls(config, model_storage, resource)

    @staticmethod
    def _embedding(message: Message) -> np.ndarray | None:
        blocks = [
            np.asarray(f.features).reshape(-1)
            for f in message.features
            if isinstance(f, Features)
            and f.attribute == TEXT
            and f.type == FEATURE_TYPE_SENTENCE
            and not f.is_sparse()
        ]
        return np.concatenate(blocks) if blocks else None

    def train(self, training_data: TrainingData) -> Resource:
        vectors, labels = [], []
        for message in training_data.training_examples:
            label = message.get(LABEL)
            if label is None:
                intent = message.get(INTENT)
                if not intent or intent in DANGER_INTENTS:
                    continue
                label = 0
            vector = self._embedding(message)
            if vector is not None:
                vectors.append(vector)
                labels.append(int(label))
        if len(set(labels)) < 2:
            return self._resource
        self.clf = LogisticRegression(
            C=float(self._config["C"]),
            class_weight="balanced",
            max_iter=int(self._config["max_iter"]),
            random_state=int(self._config["random_state"]),
        ).fit(normalised(np.vstack(vectors)), labels)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.clf is None:
            return messages
        for message in messages:
            vector = self._embedding(message)
            if vector is None:
                continue
            score = float(self.clf.predict_proba(normalised(vector[np.newaxis, :]))[0, 1])
            message.set(OUTPUT, {"score": round(score, 4)}, add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._storage.write_to(self._resource) as model_dir:
            sio.dump({"clf": self.clf}, model_dir / "urgency.skops")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UrgencyClassifier:
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / "urgency.skops"
                untrusted = set(sio.get_untrusted_types(file=path))
                if not untrusted <= TRUSTED_TYPES:
                    raise ValueError(f"{path} holds unexpected types: {untrusted - TRUSTED_TYPES}")
                state = sio.load(path, trusted=sorted(untrusted))
        except ValueError:
            raise
        except Exception:  # not trained (no examples): the component scores nothing
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, clf=state["clf"])
