"""The urgency detector stays quiet on ordinary questions: every NLU training example of an
article or small talk that is not about danger (about 9,500 in six languages, native and Latin
script) is a question a migrant really asks, and answering one of them with "call 112" would
frighten the person and teach them to ignore the warning."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.settings import ROOT
from nlu.examples import read_language_files
from nlu.urgent import UrgentDetector

DANGER_INTENTS = frozenset({"safety_trafficking", "health_emergency", "health_mental"})
SMALLTALK = frozenset({"greet", "thanks", "goodbye", "bot_challenge"})
MAX_FALSE_URGENT = 0.003


@pytest.fixture(scope="module")
def calm() -> dict[str, dict[str, list[str]]]:
    return {
        language: {i: texts for i, texts in intents.items() if i not in DANGER_INTENTS}
        for language, intents in read_language_files(ROOT / "nlu" / "data").items()
    }


def test_ordinary_questions_are_not_urgent(calm: dict[str, dict[str, list[str]]]) -> None:
    detector = UrgentDetector.load()
    asked: Counter[str] = Counter()
    flagged: dict[str, list[str]] = {}
    for language, intents in calm.items():
        for texts in intents.values():
            for text in texts:
                asked[language] += 1
                if detector.detect(text, language).urgent:
                    flagged.setdefault(language, []).append(text)

    rates = {language: len(flagged.get(language, [])) / asked[language] for language in asked}
    assert all(rate <= MAX_FALSE_URGENT for rate in rates.values()), (rates, flagged)


def test_small_talk_is_never_urgent(calm: dict[str, dict[str, list[str]]]) -> None:
    detector = UrgentDetector.load()
    flagged = [
        text
        for language, intents in calm.items()
        for intent in SMALLTALK
        for text in intents.get(intent, [])
        if detector.detect(text, language).urgent
    ]

    assert flagged == []
