"""Which articles the words of the training data belong to: how specific a short message is.

"pasaport" appears in the examples of one article, "documente" or "work" in those of many: the
classifier may still be sure of one article for either, so a short message is answered only
when one of its words points to that article. Words are compared by their first letters (so
"pasaportul" and "паспорта" still match) and Georgian and Cyrillic words are also indexed
romanised, as people type them in Latin letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping

from nlu.latin import SCHEMES, romanise

STEM = 5
"""Words are compared by this many first letters (a cheap stemmer for inflected languages)."""
MIN_LENGTH = 3
"""Shorter words ("de", "и", "da") are everywhere and say nothing about the article."""
SPELLINGS = 3
"""Romanised spellings indexed per sentence of another script (the standard one and phone
spellings)."""

_WORD = re.compile(r"\w+")
_COMBINING = re.compile(r"[\u0300-\u036f]+")


def keys(text: str) -> set[str]:
    """The stems of a text's words: lower case, diacritics dropped, digits-only words ignored."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))
    return {
        word[:STEM]
        for word in _WORD.findall(folded)
        if len(word) >= MIN_LENGTH and not word.isdigit()
    }


class Vocabulary:
    """For each word stem, which training examples of each intent contain it."""

    def __init__(
        self, index: Mapping[str, Mapping[str, frozenset[int]]], sizes: Mapping[str, int]
    ) -> None:
        self._index = index
        self._sizes = sizes

    @classmethod
    def from_examples(cls, examples: Mapping[str, Mapping[str, list[str]]]) -> Vocabulary:
        """Index training examples given per language, per intent."""
        index: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        sizes: Counter[str] = Counter()
        number = 0
        for language, intents in examples.items():
            for intent, texts in intents.items():
                for text in texts:
                    number += 1
                    sizes[intent] += 1
                    stems = keys(text)
                    if language in SCHEMES:
                        for variant in range(SPELLINGS):
                            stems |= keys(romanise(text, language, variant=variant))
                    for stem in stems:
                        index[stem][intent].add(number)
        frozen = {
            stem: {intent: frozenset(ids) for intent, ids in by_intent.items()}
            for stem, by_intent in index.items()
        }
        return cls(frozen, dict(sizes))

    def specificity(self, text: str, article: str) -> float | None:
        """How strongly the text's words point to `article`: the article's share of the use of
        its most telling word, or of all its known words together, over all intents (use being
        the share of an intent's examples containing them; 1.0: only that article uses them).

        None when no word of the text is in the training data (a typo, a rare word).
        """
        known = [self._index[stem] for stem in keys(text) if stem in self._index]
        if not known:
            return None
        shares = [self._share(by_intent, article) for by_intent in known]
        if len(known) > 1:
            together = {
                intent: frozenset.intersection(*(k.get(intent, frozenset()) for k in known))
                for intent in known[0]
            }
            if any(together.values()):
                shares.append(self._share(together, article))
        return max(shares)

    def _share(self, by_intent: Mapping[str, frozenset[int]], article: str) -> float:
        rates = {intent: len(ids) / self._sizes[intent] for intent, ids in by_intent.items()}
        total = sum(rates.values())
        return rates.get(article, 0.0) / total if total else 0.0
