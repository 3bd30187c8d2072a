"""Which of the served languages a message is written in, in its own script or in Latin letters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from nlu.latin import SCHEMES, LatinDetector, latin_letters

TRAINING_DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    language: str
    confidence: float
    confident: bool
    """True when the text alone decides the language (long enough and clear enough)."""
    romanised: bool = False
    """True when a language of another script was recognised in Latin letters."""


class LanguageDetector:
    """lingua restricted to the served languages, falling back to the user's language.

    Short or ambiguous messages ("ok", "salut", "112") say little about their language, so they
    are taken to be in the language the user chose. lingua knows Georgian and the Cyrillic
    languages only in their own scripts; a message written mostly in Latin letters is first
    given to `LatinDetector`, and when that finds a romanised language ("ra sabutebi
    mchirdeba") it decides; when it finds Romanian or English, lingua decides as before.
    """

    def __init__(
        self,
        languages: Iterable[str],
        *,
        min_chars: int = 12,
        min_confidence: float = 0.7,
        latin_confidence: float = 0.8,
        training_data: Path | None = TRAINING_DATA,
    ) -> None:
        """
        Args:
            languages: ISO 639-1 codes of the served languages.
            min_chars: shorter messages (in letters) never decide their language.
            min_confidence: lingua's confidence needed to decide.
            latin_confidence: the Latin-script model's probability needed to decide for a
                romanised language.
            training_data: folder of `<language>.yml` NLU files the Latin-script model is
                trained on at start-up; None: no romanised languages are recognised.
        """
        self._languages = tuple(languages)
        codes = [IsoCode639_1.from_str(code) for code in self._languages]
        self._detector = (
            LanguageDetectorBuilder.from_languages(
                *(Language.from_iso_code_639_1(code) for code in codes)
            )
            .with_preloaded_language_models()
            .build()
        )
        self._min_chars = min_chars
        self._min_confidence = min_confidence
        self._latin_confidence = latin_confidence
        self.latin = (
            LatinDetector.from_training_data(training_data, self._languages)
            if training_data is not None
            else None
        )

    def detect(self, text: str, fallback: str) -> DetectedLanguage:
        """Return the message's language, or `fallback` when the text does not decide it."""
        letters = sum(ch.isalpha() for ch in text)
        if not letters:
            return DetectedLanguage(fallback, 0.0, False)
        if self.latin is not None and 2 * latin_letters(text) > letters:
            romanised = self._detect_romanised(text, letters, fallback)
            if romanised is not None:
                return romanised
        values = self._detector.compute_language_confidence_values(text)
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

    def _detect_romanised(self, text: str, letters: int, fallback: str) -> DetectedLanguage | None:
        """The Latin-script model's verdict when it is a romanised language, else None."""
        assert self.latin is not None
        probabilities = self.latin.probabilities(text)
        if not probabilities:
            return None
        code, value = next(iter(probabilities.items()))
        if code not in SCHEMES:
            return None  # Romanian or English: lingua knows them better
        if letters >= self._min_chars and value >= self._latin_confidence:
            return DetectedLanguage(code, value, True, romanised=True)
        return DetectedLanguage(
            fallback, probabilities.get(fallback, 0.0), False, romanised=fallback in SCHEMES
        )
