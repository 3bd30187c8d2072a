"""Logistic regression on TF-IDF-weighted count features, with configurable regularisation.

Rasa's own `LogisticRegressionClassifier` feeds raw n-gram counts to scikit-learn with `C=1.0`
fixed. On this project's held-out set, weighting each featurizer's counts by sublinear TF-IDF,
normalising each featurizer's block to unit length and fitting with `C=30` ranks the right intent
first more often (macro-F1 0.864 → 0.881) and answers wrongly less often
(docs/content-briefs/nlu-round3.md). Everything else (ranking output, persistence with skops) is
Rasa's.
"""

from __future__ import annotations

from typing import Any

import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

# What the persisted model may contain; anything else in the file refuses to load.
TRUSTED_TYPES = frozenset(
    {
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "scipy.sparse._csr.csr_matrix",
    }
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogisticRegressionClassifier(LogisticRegressionClassifier):  # type: ignore[misc]
    """Intent classifier: per-featurizer TF-IDF weighting, then logistic regression."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 30.0,
            "class_weight": "balanced",
            "sublinear_tf": True,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = LogisticRegression(
            C=float(self.config["C"]),
            class_weight=self.config["class_weight"],
            solver=self.config["solver"],
            max_iter=self.config["max_iter"],
            tol=self.config["tol"],
            random_state=self.config["random_state"],
        )
        self.tfidf: dict[str, TfidfTransformer] = {}
        """One fitted transformer per featurizer (keyed by the featurizer's node name)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfLogisticRegressionClassifier:
        return cls(config, execution_context.node_name, model_storage, resource)

    @staticmethod
    def _blocks(message: Message) -> dict[str, scipy.sparse.spmatrix]:
        """The sparse sentence features of the text, one block per featurizer."""
        return {
            str(f.origin): f.features
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()
        }

    def _create_X(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        rows = [self._blocks(m) for m in messages]
        columns = []
        for origin, transformer in sorted(self.tfidf.items()):
            width = transformer.idf_.shape[0]
            block = scipy.sparse.vstack(
                [row.get(origin, scipy.sparse.csr_matrix((1, width))) for row in rows]
            )
            columns.append(transformer.transform(block))
        return scipy.sparse.hstack(columns).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        rows = [self._blocks(e) for e in examples]
        origins = sorted({origin for row in rows for origin in row})
        self.tfidf = {}
        for origin in origins:
            width = next(row[origin].shape[1] for row in rows if origin in row)
            block = scipy.sparse.vstack(
                [row.get(origin, scipy.sparse.csr_matrix((1, width))) for row in rows]
            )
            self.tfidf[origin] = TfidfTransformer(sublinear_tf=self.config["sublinear_tf"]).fit(
                block
            )
        self.clf.fit(self._create_X(examples), [e.get(INTENT) for e in examples])
        self.persist()
        return self._resource

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump({"clf": self.clf, "tfidf": self.tfidf}, model_dir / "classifier.skops")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfLogisticRegressionClassifier:
        import skops.io as sio

        component = cls(config, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as model_dir:
            path = model_dir / "classifier.skops"
            untrusted = set(sio.get_untrusted_types(file=path))
            if not untrusted <= TRUSTED_TYPES:
                raise ValueError(f"{path} holds unexpected types: {untrusted - TRUSTED_TYPES}")
            state = sio.load(path, trusted=sorted(untrusted))
        component.clf, component.tfidf = state["clf"], state["tfidf"]
        return component
