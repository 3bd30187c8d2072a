"""Shows the featurizers a Latin-typed message also spelt in Georgian and Cyrillic script.

Why: "pasporti minda" and "პასპორტი მინდა" share no character n-gram, so Georgian, Bulgarian,
Russian and Ukrainian typed on a Latin keyboard were escalated as out of scope. For a message
whose letters are mostly Latin, this component spells every word in each target language
(`nlu/translit.py`) and appends the spelling that reads most like its language (the largest
share of words known from the training examples) to the message's tokens, which the
CountVectorsFeaturizers after it count as they count the original words. When that share is
high enough, the spelling is also the message's reading, which the sentence encoder embeds beside
the original. The text itself is unchanged (the parse output's `text_tokens` lists the added
tokens with the offsets of the words they spell). Training examples pass through the same code,
so training and serving see the same features.

Trainable only to learn how each script looks (character trigrams and the words of the
native-script training examples): the transliteration then picks, among the readings of an
ambiguous Latin spelling, the one that looks most like the language ("pasporti" → "პასპორტი",
not "ფასფორთი").
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu import translit
from nlu.components import source_digest

READING = "latin_reading"
"""Message attribute (not in the parse output): the spelling whose words the training examples
of its script know best, when it knows enough of them; the sentence encoder embeds it too."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LatinTransliterator(GraphComponent):  # type: ignore[misc]
    """Appends the Georgian and Cyrillic spellings of a Latin-script message to its tokens."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "targets": list(translit.TARGETS),
            # A message is Latin-typed when at least this share of its letters is Latin.
            "min_latin_share": 0.5,
            # Only the first tokens of a long message are spelt out (latency).
            "max_tokens": 60,
            # "best": append the tokens of the spelling whose words the training examples know
            # best; "all": of every target's spelling (as accurate, 23 % more n-gram features).
            "spellings": "best",
            # A spelling is the message's reading when this share of its words (3 letters or
            # more) occurs in the training examples of its script; English and Romanian spelt
            # out letter by letter rarely reach it.
            "min_known_share": 0.5,
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa's cache key holds this class's source; the rules live in nlu/translit.py."""
        return source_digest(translit)

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        models: dict[str, translit.CharModel] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._models = models or {}
        """A CharModel per script ("georgian", "cyrillic")."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LatinTransliterator:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts: dict[str, list[str]] = {}
        for example in training_data.training_examples:
            text = example.get(TEXT)
            script = translit.script_of(text) if text else None
            if script in ("georgian", "cyrillic"):
                texts.setdefault(script, []).append(text)
        self._models = {script: translit.CharModel.fit(lines) for script, lines in texts.items()}
        with self._model_storage.write_to(self._resource) as folder:
            data = {script: model.to_json() for script, model in self._models.items()}
            (folder / "char_models.json").write_text(json.dumps(data), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LatinTransliterator:
        try:
            with model_storage.read_from(resource) as folder:
                data = json.loads((folder / "char_models.json").read_text(encoding="utf-8"))
        except ValueError:  # not trained (no native-script examples): default readings
            data = {}
        models = {script: translit.CharModel.from_json(value) for script, value in data.items()}
        return cls(config, model_storage, resource, models)

    def _spellings(self, tokens: list[Token]) -> list[tuple[float, str, list[Token]]]:
        """Each target's spelling of the tokens: (share of its words known, text, tokens)."""
        spellings = []
        for target in self._config["targets"]:
            model = self._models.get(translit.SCRIPT[target])
            spelt = [
                Token(translit.transliterate(t.text, target, model), t.start, t.end)
                for t in tokens
            ]
            text = " ".join(t.text for t in spelt)
            spellings.append((model.known_share(text) if model else 0.0, text, spelt))
        return spellings

    def _add_tokens(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens: list[Token] | None = message.get(TOKENS_NAMES[TEXT])
        if not text or not tokens or translit.latin_share(text) < self._config["min_latin_share"]:
            return
        spellings = self._spellings(tokens[: int(self._config["max_tokens"])])
        best = max(spellings, key=lambda s: (s[0], s[1]))
        chosen = [best] if self._config["spellings"] == "best" else spellings
        originals = {t.text.lower() for t in tokens}
        added = [t for _, _, spelt in chosen for t in spelt if t.text not in originals]
        message.set(TOKENS_NAMES[TEXT], [*tokens, *added])
        if best[0] >= float(self._config["min_known_share"]):
            message.set(READING, best[1])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._add_tokens(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._add_tokens(message)
        return messages
