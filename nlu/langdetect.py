"""Which of the served languages a message is written in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    language: str
    confidence: float
    confident: bool
    """True when the text alone decides the language (long enough and clear enough)."""


class LanguageDetector:
    """lingua restricted to the served languages, falling back to the user's language.

    Short or ambiguous messages ("ok", "salut", "112") say little about their language, so they
    are taken to be in the language the user chose.
    """

    def __init__(
        self, languages: Iterable[str], *, min_chars: int = 12, min_confidence: float = 0.7
    ) -> None:
        codes = [IsoCode639_1.from_str(code) for code in languages]
        self._detector = (
            LanguageDetectorBuilder.from_languages(
                *(Language.from_iso_code_639_1(code) for code in codes)
            )
            .with_preloaded_language_models()
            .build()
        )
        self._min_chars = min_chars
        self._min_confidence = min_confidence

    def detect(self, text: str, fallback: str) -> DetectedLanguage:
        """Return the message's language, or `fallback` when the text does not decide it."""
        letters = sum(ch.isalpha() for ch in text)
        values = self._detector.compute_language_confidence_values(text) if letters else []
        if not values:
            return DetectedLanguage(fallback, 0.0, False)
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        confident = letters >= self._min_chars and best.value >= self._min_confidence
        if not confident and code != fallback:
            fallback_value = next(
                (v.value for v in values if v.language.iso_code_639_1.name.lower() == fallback),
                0.0,
            )
            return DetectedLanguage(fallback, fallback_value, False)
        return DetectedLanguage(code, best.value, confident)
