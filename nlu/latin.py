"""Which language a message typed in Latin letters is in, romanised Georgian and Cyrillic included.

Many migrants type Georgian, Russian, Ukrainian or Bulgarian with a Latin keyboard
("ra sabutebi mchirdeba", "kak poluchit pasport"). lingua only knows those languages in their
own scripts, so on Latin letters it can only answer Romanian or English. This module is a small
naive Bayes over character n-grams, trained at start-up (well under a second, nothing
downloaded) on the repository's own training sentences: Romanian and English as written, the
other languages romanised by a deterministic native → Latin scheme (`nlu/romanisation/`) that
also produces the common phone spellings (x for ხ, w for წ, h for х, ya/ia/ja for я, ...).
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import KnowledgeError

ROMANISATION = Path(__file__).with_name("romanisation")
"""`<language>.yml` per language written in another script than Latin: its `script` (a Unicode
script name) and, for each letter, how people type it in Latin letters (the standard spelling
first, then what people also type). Adding such a language is adding its file."""


@dataclass(frozen=True, slots=True)
class Scheme:
    script: str
    letters: Mapping[str, tuple[str, ...]]


def load_schemes(folder: Path = ROMANISATION) -> dict[str, Scheme]:
    """Every `<language>.yml` of folder, by language.

    Raises:
        KnowledgeError: a file is not valid YAML or lacks `script` or `letters`.
    """
    schemes: dict[str, Scheme] = {}
    for path in sorted(folder.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise KnowledgeError([f"{path}: not valid YAML ({exc})"]) from exc
        letters = data.get("letters") if isinstance(data, dict) else None
        if not isinstance(letters, dict) or not data.get("script"):
            raise KnowledgeError([f"{path}: needs `script` and `letters` (letter: [spellings])"])
        spellings = {
            str(k): tuple(str(o) for o in (v if isinstance(v, list) else [v]))
            for k, v in letters.items()
        }
        schemes[path.stem] = Scheme(str(data["script"]), spellings)
    return schemes


_SCHEMES = load_schemes()
SCHEMES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    language: scheme.letters for language, scheme in _SCHEMES.items()
}
"""Languages written in another script, with how each of their letters is typed in Latin."""


def script_letters(language: str) -> dict[str, str]:
    """Standard Latin spelling of every letter of `language`'s script, its own letters winning
    over its neighbours' (a Russian word in a Ukrainian chat still reads); empty for Latin."""
    own = _SCHEMES.get(language)
    if own is None:
        return {}
    letters = {
        letter: options[0]
        for other, scheme in _SCHEMES.items()
        if scheme.script == own.script and other != language
        for letter, options in scheme.letters.items()
    }
    letters.update({letter: options[0] for letter, options in own.letters.items()})
    return letters


NGRAMS = (2, 3, 4)
"""Character n-gram lengths inside words (with a space marking each word's start and end), on
top of single letters and of whole words longer than four letters."""
SMOOTHING = 0.5
TEMPERATURE = 2.0
LENGTH_POWER = 0.5
"""Scores are total log-likelihoods divided by (n-grams ** LENGTH_POWER * TEMPERATURE): naive
Bayes alone is certain of everything past a few words, and longer texts should still count
for more than short ones."""
NATIVE_LATIN_PRIOR = 1.0
"""Log-odds bonus of the languages written in Latin (ro, en): most Latin-typed messages are in
them, and Romanian typed without diacritics must stay Romanian."""
SPELLINGS = 8
"""Phone spelling sets per language; variant v of a sentence uses one of them."""

_COMBINING = re.compile(r"[\u0300-\u036f]+")
_NOT_LATIN = re.compile(r"[^a-z0-9]+")


def _spelling_tables(scheme: Mapping[str, tuple[str, ...]], seed: str) -> list[dict[int, str]]:
    standard = {ord(letter): options[0] for letter, options in scheme.items()}
    rng = random.Random(seed)
    tables = [standard]
    for _ in range(SPELLINGS):
        tables.append({ord(letter): rng.choice(options) for letter, options in scheme.items()})
    return tables


_TABLES = {language: _spelling_tables(scheme, language) for language, scheme in SCHEMES.items()}


def romanise(text: str, language: str, *, variant: int = 0) -> str:
    """`text` lower-cased with the letters of `language`'s script typed in Latin.

    Variant 0 is the standard spelling; any other variant is one of `SPELLINGS` consistent sets
    of common alternatives (ხ always as "kh", "x" or "h" within one text), picked from the text
    and the variant number, so the result is the same on every run.
    """
    tables = _TABLES.get(language)
    if tables is None:
        return text.lower()
    index = 0 if not variant else 1 + (zlib.crc32(text.encode()) + variant) % SPELLINGS
    return text.lower().translate(tables[index])


def fold(text: str) -> str:
    """Lower-case words of a-z and digits only: diacritics dropped, everything else a word break.

    Digits stay because phone spellings use them for letters ("4" for ч, "6" for ш).
    """
    decomposed = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))
    return _NOT_LATIN.sub(" ", decomposed).strip()


def latin_letters(text: str) -> int:
    """How many of the text's letters are Latin (with or without diacritics)."""
    return sum(1 for ch in text if ch.isalpha() and "LATIN" in unicodedata.name(ch, ""))


def features(folded: str) -> list[str]:
    """Letters, word-bounded character n-grams and long words of a `fold`ed text."""
    grams: list[str] = []
    for word in folded.split():
        grams += _word_features(word)
    return grams


def _word_features(word: str) -> list[str]:
    padded = f" {word} "
    grams = list(word)
    for n in NGRAMS:
        grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    if len(word) > 4:
        grams.append(padded)
    return grams


class LatinDetector:
    """Naive Bayes over character n-grams of Latin-typed text, one class per language."""

    def __init__(self, counts: Mapping[str, Counter[str]]) -> None:
        vocabulary = set().union(*counts.values()) if counts else set()
        size = len(vocabulary) + 1
        self._log_probs: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for language, grams in counts.items():
            total = sum(grams.values()) + SMOOTHING * size
            self._log_probs[language] = {
                g: math.log((c + SMOOTHING) / total) for g, c in grams.items()
            }
            self._unseen[language] = math.log(SMOOTHING / total)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._log_probs)

    @classmethod
    def train(cls, sentences: Mapping[str, Iterable[str]], *, variants: int = 2) -> LatinDetector:
        """Count features per language; sentences of a language in `SCHEMES` are romanised
        `variants` times (the standard spelling and `variants - 1` phone spellings)."""
        counts: dict[str, Counter[str]] = {}
        for language, texts in sentences.items():
            spelled = (
                [romanise(t, language, variant=v) for t in texts for v in range(variants)]
                if language in SCHEMES
                else list(texts)
            )
            grams: Counter[str] = Counter()
            for word, count in Counter(fold(" ".join(spelled)).split()).items():
                for gram in _word_features(word):
                    grams[gram] += count
            counts[language] = grams
        return cls(counts)

    @classmethod
    def from_training_data(cls, folder: Path, languages: Iterable[str]) -> LatinDetector:
        """Train on every example of `<folder>/<language>.yml` (Rasa NLU YAML)."""
        from nlu.examples import read_examples

        sentences = {
            language: [t for texts in read_examples(path).values() for t in texts]
            for language in languages
            if (path := folder / f"{language}.yml").exists()
        }
        return cls.train(sentences)

    def probabilities(self, text: str) -> dict[str, float]:
        """Each language's probability for the Latin letters of `text`, best first; empty when
        it has none."""
        grams = features(fold(text))
        if not grams or not self._log_probs:
            return {}
        scale = len(grams) ** LENGTH_POWER * TEMPERATURE
        scores = {}
        for language, table in self._log_probs.items():
            unseen = self._unseen[language]
            scores[language] = sum(table.get(g, unseen) for g in grams) / scale
            if language not in SCHEMES:
                scores[language] += NATIVE_LATIN_PRIOR
        top = max(scores.values())
        weights = {language: math.exp(score - top) for language, score in scores.items()}
        norm = sum(weights.values())
        return {
            language: weight / norm
            for language, weight in sorted(weights.items(), key=lambda item: -item[1])
        }
