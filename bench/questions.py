"""Questions for the benchmarks: the held-out set, all six languages, never trained on."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.settings import ROOT
from nlu.examples import read_language_files

HOLDOUT = ROOT / "nlu" / "tests" / "holdout"


@dataclass(frozen=True, slots=True)
class Question:
    language: str
    intent: str
    text: str


def holdout_questions() -> dict[str, list[Question]]:
    """Every held-out question, per language."""
    return {
        language: [
            Question(language, intent, text) for intent, texts in intents.items() for text in texts
        ]
        for language, intents in read_language_files(HOLDOUT).items()
    }


def sample(count: int, rng: random.Random) -> list[Question]:
    """`count` questions, the languages taking turns, each language's questions shuffled."""
    by_language = holdout_questions()
    pools = {language: rng.sample(qs, len(qs)) for language, qs in sorted(by_language.items())}
    languages = list(pools)
    picked: list[Question] = []
    cursor = dict.fromkeys(languages, 0)
    while len(picked) < count:
        language = languages[len(picked) % len(languages)]
        pool = pools[language]
        picked.append(pool[cursor[language] % len(pool)])
        cursor[language] += 1
    return picked
