"""Logistic regression intent classifier whose regularisation can be set in `config.yml`.

Rasa's own `LogisticRegressionClassifier` fixes `C=1.0` and `class_weight="balanced"`; this
subclass reads both from the pipeline config and is otherwise identical (features, ranking,
persistence with skops).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier as RasaLogisticRegressionClassifier,
)
from sklearn.linear_model import LogisticRegression


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionClassifier(RasaLogisticRegressionClassifier):  # type: ignore[misc]
    """Rasa's logistic regression classifier with `C` and `class_weight` configurable."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **RasaLogisticRegressionClassifier.get_default_config(),
            "C": 1.0,
            "class_weight": "balanced",
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

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LogisticRegressionClassifier:
        return cls(config, execution_context.node_name, model_storage, resource)
