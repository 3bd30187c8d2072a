"""Latin-typed Georgian, Bulgarian, Russian and Ukrainian, spelt back in their own scripts.

Why: on a phone without the keyboard, people write "pasporti minda" for "პასპორტი მინდა",
"kak da si izvadq lichna karta" (Bulgarian "shlyokavitsa", with q for я and 4 for ч) or
"kak poluchit pasport". The NLU learnt these languages in their own scripts, so the Latin
spelling shares almost no character n-grams with what it knows and is escalated as out of
scope. Spelling it back restores them (`nlu/components/transliterator.py` shows the featurizers
both spellings).

The habits are ambiguous: "k" is კ or ქ, "t" თ or ტ, "ch" ჩ or ჭ; Bulgarian "a" may be ъ ("sam"
for "съм"), Russian "y" ы or й. Each rule lists its readings, the first being the usual one.
Without a model every ambiguity takes its first reading; with a `CharModel` (character
trigrams and the words of native-script text, learnt from the training data) a small beam
search keeps the spelling that looks most like the language, so "pasporti" becomes "პასპორტი"
rather than "ფასფორთი".

Pure Python and no dependencies: the Rasa components (`.venv-nlu`, Python 3.10) and the
application's tests (`.venv`, Python 3.11) both import it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

TARGETS = ("ka", "bg", "ru", "uk")
"""The languages a Latin message may be spelt back into."""

SCRIPT = {"ka": "georgian", "bg": "cyrillic", "ru": "cyrillic", "uk": "cyrillic"}
"""The script of each target; a `CharModel` is learnt per script."""

_Rules = Mapping[str, tuple[str, ...]]


def _rules(pairs: str) -> dict[str, tuple[str, ...]]:
    """Parse "latin=reading|reading latin=reading ..." into a rule table."""
    table: dict[str, tuple[str, ...]] = {}
    for pair in pairs.split():
        latin, readings = pair.split("=")
        table[latin] = tuple(readings.split("|"))
    return table


# Georgian: the apostrophe marks an ejective (t' ტ, p' პ, k' კ, ch' ჭ, ts' წ, q' ყ); phone habits
# drop it, so the plain letters are ambiguous. q is ყ in the national romanisation but ქ on the
# Georgian keyboard (its Q key): both are readings. x, w, c and j follow that keyboard too.
GEORGIAN = _rules(
    "ch'=ჭ ts'=წ tz'=წ dz'=წ t'=ტ p'=პ k'=კ q'=ყ "
    "sh=შ ch=ჩ|ჭ zh=ჟ kh=ხ gh=ღ dz=ძ ts=ც|წ tz=ც th=თ ph=ფ dj=ჯ "
    "a=ა b=ბ g=გ d=დ e=ე v=ვ z=ზ t=თ|ტ i=ი k=ქ|კ l=ლ m=მ n=ნ o=ო p=ფ|პ r=რ s=ს u=უ "
    "f=ფ q=ყ|ქ y=ყ x=ხ c=ც|ჩ j=ჯ|ჟ h=ჰ w=წ|ვ"
)

# Bulgarian shlyokavitsa: q or ya for я, 4 for ч, 6 for ш, sht or 6t for щ, j for ж, y (or a, u)
# for ъ.
BULGARIAN = _rules(
    "sht=щ 6t=щ sh=ш ch=ч zh=ж ts=ц tz=ц dj=дж dz=дз kh=х "
    "yu=ю iu=ю|иу ju=ю ya=я ia=ия|я ja=я yo=йо "
    "a=а|ъ b=б v=в g=г d=д e=е z=з i=и j=ж|й y=ъ|й|и k=к l=л m=м n=н o=о p=п r=р s=с t=т "
    "u=у|ъ f=ф h=х c=ц w=в x=х|кс q=я 4=ч 6=ш"
)

RUSSIAN = _rules(
    "shch=щ sch=щ shh=щ sh=ш ch=ч zh=ж kh=х ts=ц tc=ц tz=ц "
    "yu=ю ju=ю iu=ю ya=я ja=я ia=я|ия yo=ё jo=ё ye=е je=е iy=ий|ы yy=ый "
    "a=а b=б v=в g=г d=д e=е|э z=з i=и j=й|ж y=ы|й|и k=к l=л m=м n=н o=о p=п r=р s=с t=т "
    "u=у f=ф h=х x=х|кс c=ц|к w=в|ш q=к|я '=ь 4=ч 6=ш"
)

# Ukrainian: h is г (and g ґ) in the official romanisation, but phones also type g for г.
UKRAINIAN = _rules(
    "shch=щ sch=щ sh=ш ch=ч zh=ж kh=х ts=ц tz=ц "
    "yu=ю ju=ю iu=ю ya=я ja=я ia=я|ія ye=є je=є ie=є|іе yi=ї ji=ї yo=йо "
    "a=а b=б v=в h=г|х g=г|ґ d=д e=е|є z=з y=и|й|і i=і|и|ї j=й|ж k=к l=л m=м n=н o=о p=п "
    "r=р s=с t=т u=у f=ф x=х c=ц w=в q=к '=ь 4=ч 6=ш"
)

TABLES: dict[str, _Rules] = {"ka": GEORGIAN, "bg": BULGARIAN, "ru": RUSSIAN, "uk": UKRAINIAN}

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'"})
_LATIN_RUN = re.compile(r"[a-z0-9'`]+")
_BEAM = 8
_ORDER = 3


def latin_share(text: str) -> float:
    """The share of the letters in `text` that are Latin (0.0 when it has no letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters)


def script_of(text: str) -> str | None:
    """The script of most letters ("georgian", "cyrillic" or "latin"), None without letters."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name.startswith("GEORGIAN"):
                counts["georgian"] += 1
            elif name.startswith("CYRILLIC"):
                counts["cyrillic"] += 1
            elif "LATIN" in name:
                counts["latin"] += 1
    return counts.most_common(1)[0][0] if counts else None


class CharModel:
    """Character trigrams and words of one script: how much a spelling looks like the language.

    Learnt from native-script text (`fit`), kept as plain dicts so that it persists as JSON.
    """

    def __init__(self, ngrams: Mapping[str, int], words: Iterable[str]) -> None:
        self.ngrams = dict(ngrams)
        """Counts of 1- to 3-grams over "^^word$", and of their contexts under a "|" prefix."""
        self.words = frozenset(words)
        self._unigrams = sum(v for k, v in self.ngrams.items() if len(k) == 1)
        self._cache: dict[tuple[str, str], str] = {}

    @classmethod
    def fit(cls, texts: Iterable[str]) -> CharModel:
        """Learn from texts in one script (other characters are ignored)."""
        ngrams: Counter[str] = Counter()
        words: Counter[str] = Counter()
        for text in texts:
            for word in re.findall(r"[^\W\d_]+", text.lower()):
                words[word] += 1
                padded = "^" * (_ORDER - 1) + word + "$"
                for i in range(_ORDER - 1, len(padded)):
                    for n in range(1, _ORDER + 1):
                        ngrams[padded[i - n + 1 : i + 1]] += 1
                        if n > 1:
                            ngrams["|" + padded[i - n + 1 : i]] += 1
        return cls(ngrams, words)

    def to_json(self) -> dict[str, Any]:
        return {"ngrams": self.ngrams, "words": sorted(self.words)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CharModel:
        return cls(data["ngrams"], data["words"])

    def known_share(self, text: str) -> float:
        """The share of the words of `text` (of 3 letters or more) seen in the learnt text.

        Tells a transliteration that reads as the language (most words known) from English or
        Romanian spelt out letter by letter (almost none).
        """
        words = [w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) >= 3]
        return sum(w in self.words for w in words) / len(words) if words else 0.0

    def logp(self, history: str, char: str) -> float:
        """Log-probability of `char` after `history` (interpolated 1-, 2- and 3-grams)."""
        p = 0.1 * (self.ngrams.get(char, 0) + 0.1) / (self._unigrams + 10.0)
        weight = 0.1
        for n, lam in ((2, 0.3), (3, 0.6)):
            context = history[-(n - 1) :]
            seen = self.ngrams.get("|" + context, 0)
            if seen:
                p += lam * self.ngrams.get(context + char, 0) / seen
                weight += lam
        return math.log(p / weight)

    def spell(self, word: str, target: str) -> str:
        """The most plausible spelling of one Latin word in `target` (cached)."""
        key = (target, word)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > 50_000:
                self._cache.clear()
            cached = self._cache[key] = self._search(_segments(word, TABLES[target]))
        return cached

    def _search(self, segments: list[tuple[str, ...]]) -> str:
        start = "^" * (_ORDER - 1)
        beam: list[tuple[float, str]] = [(0.0, start)]
        for readings in segments:
            best: dict[str, tuple[float, str]] = {}
            for score, spelt in beam:
                for reading in readings:
                    total, history = score, spelt
                    for ch in reading:
                        total += self.logp(history, ch)
                        history += ch
                    state = history[-(_ORDER - 1) :]
                    if state not in best or best[state][0] < total:
                        best[state] = (total, history)
            beam = sorted(best.values(), reverse=True)[:_BEAM]
        finals = []
        for score, spelt in beam:
            word = spelt[_ORDER - 1 :]
            bonus = 5.0 if word in self.words else 0.0
            finals.append((score + self.logp(spelt, "$") + bonus, word))
        return max(finals)[1]


def _segments(word: str, table: _Rules) -> list[tuple[str, ...]]:
    """Split a Latin word into the longest rules that match; unknown characters stay as is."""
    longest = max(len(k) for k in table)
    segments: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        for size in range(min(longest, len(word) - i), 0, -1):
            readings = table.get(word[i : i + size])
            if readings is not None:
                segments.append(readings)
                i += size
                break
        else:
            segments.append((word[i],))
            i += 1
    return segments


def transliterate(text: str, target: str, model: CharModel | None = None) -> str:
    """Spell the Latin words of `text` in `target`'s script ("ka", "bg", "ru" or "uk").

    Lowercases; words in other scripts, digits on their own and punctuation stay as they are.
    Without `model` every ambiguous letter takes its usual reading.
    """
    table = TABLES[target]
    folded = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))

    def spell(match: re.Match[str]) -> str:
        run = match.group(0)
        core = run.strip("'")
        if not core or not any(ch.isalpha() for ch in core):
            return run  # a number, or a quote mark on its own
        # An apostrophe after the word is Georgian ejective marking ("k'"); before it, a quote.
        if target == "ka" and run.endswith("'") and core[-1:] in "tpkqhsz":
            core += "'"
        if model is not None:
            spelt = model.spell(core, target)
        else:
            spelt = "".join(readings[0] for readings in _segments(core, table))
        return spelt.replace("'", "")

    return _LATIN_RUN.sub(spell, folded)
