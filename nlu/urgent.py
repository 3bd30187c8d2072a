"""Does a message describe immediate danger now? A lexicon detector, one YAML file per language.

Why rules and not the intent model: an urgent message must reach a person even when it is
misspelt, typed in Latin letters on a phone without the right keyboard, or in another language
than the chat's, and a miss costs far more than a slow answer. A few hundred word stems grouped
into concepts are readable and correctable by native speakers, and run in about a
millisecond, so every message can be checked before anything else.

How a message is read, for each language in `nlu/urgent/`:

1. Spelling skeleton. The text and every pattern are brought to one lossy Latin form: native
   letters romanised (`nlu/romanisation/`, or a file's own `letters`), diacritics dropped
   (Romanian with or without them reads the same), apostrophes removed (Georgian ejectives
   "ts'", Russian "b'yut"), everything else a word break, then the language's `spelling`
   table folds the ways one sound is typed into one ("kh"/"x"/"h", "ts"/"tz"/"c"/"w", Bulgarian
   "q"/"ya", "4"/"ch") and doubled letters collapse ("ar mindaa"). Patterns are written in the
   native script or in Latin and go through the same function, so a stem written once in
   Cyrillic also matches its transliterations. The skeleton is per language because the same
   Latin letter means different things ("q" is ყ/ქ in Georgian and я in Bulgarian).
2. Concepts. Each file lists concepts (TOOK, PASSPORT, NOT_LET, ...) as word stems: a word
   matches by prefix, `*word` anywhere inside a word (Georgian verbs take prefixes), `word$`
   as a whole word, `...` skips up to three words, `re:` starts a raw regex on the skeleton
   (matched from a word start, like every entry).
3. Rules. `nlu/urgent/_rules.yml` says which concepts together make which kind urgent, the same
   for every language (documents_taken = TOOK + PASSPORT + coercion); all of a rule's concepts
   must fall within a window of words, and none of its `unless` concepts may appear anywhere.
   So adding a language is adding one file of concepts.
4. Vetoes. A past marker ("years ago", "in 2019") cancels unless a strong present marker
   ("still", "right now") is there; a hypothetical or informational frame ("what should someone
   do if") cancels unless the message also says now / to me; a question asked in advance ("what
   if they don't let me leave? I want to know beforehand": both `what_if` and `advance`) cancels
   whatever else it says. Idioms ("this queue is killing
   me") are blanked before matching. Vetoes from every language count: people mix languages.

The chat's language only breaks ties: every lexicon is checked, because people often write in
another language than the one they picked.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.latin import script_letters

FOLDER = Path(__file__).with_name("urgent")
"""Where the lexicons live: `<language>.yml` each, `_rules.yml` shared."""

KINDS = (
    "child",
    "self_harm",
    "medical",
    "trafficking",
    "documents_taken",
    "violence",
    "confinement",
)
"""The kinds of urgency, most specific first: when several fire, the first one is reported
(a passport taken with threats of a beating is documents_taken, the beating alone violence).
trafficking is forced labour or sexual exploitation under coercion (a debt for the trip or the
room, no pay, not let go, made to sleep with clients); its labour rules stand aside when a
passport is named, so that a taken passport stays documents_taken."""

GAP_WORDS = 3
"""How many words `...` in a pattern may skip."""

_APOSTROPHES = re.compile(r"['’‘ʼ`´]")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1+")
_WORD_START = re.compile(r"\S+")
_MAX_CHARS = 4000
"""Longer texts are cut: danger is told in the first lines, and the cost must stay bounded."""


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    kind: str | None
    """One of `KINDS` when urgent."""
    cue: str | None
    """"language:kind:CONCEPTS" of the rule that fired, for logs; never the user's text."""


NOT_URGENT = Urgency(False, None, None)


class Spelling:
    """One language's way from any text to its Latin skeleton."""

    def __init__(self, letters: Mapping[str, str], folds: Mapping[str, str]) -> None:
        self._letters = {ord(k): v for k, v in letters.items()}
        self._folds = dict(folds)
        keys = sorted(self._folds, key=len, reverse=True)
        self._fold_re = re.compile("|".join(map(re.escape, keys))) if keys else None

    def skeleton(self, text: str) -> str:
        """`text` as space-separated words of the skeleton alphabet, with a space at each end."""
        text = unicodedata.normalize("NFKC", text).lower().translate(self._letters)
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text)))
        text = _NOT_WORD.sub(" ", text)
        if self._fold_re is not None:
            text = self._fold_re.sub(lambda m: self._folds[m.group(0)], text)
        return " " + _REPEATS.sub(r"\1", text).strip() + " "


def pattern_regex(entry: str, spelling: Spelling) -> str:
    """The regex (on skeletons) of one lexicon entry; see the module docstring for its syntax."""
    if entry.startswith("re:"):
        return entry[3:].strip()
    parts: list[str] = []
    for token in entry.split():
        if token == "...":
            parts.append(f"(?:\\S+ ){{0,{GAP_WORDS}}}")
            continue
        inside, whole = token.startswith("*"), token.endswith("$")
        words = spelling.skeleton(token.strip("*$")).split()
        for i, word in enumerate(words):
            head = "[a-z0-9]*" if inside and i == 0 else ""
            tail = "(?![a-z0-9])" if whole or i < len(words) - 1 else "[a-z0-9]*"
            parts.append(f"{head}{re.escape(word)}{tail} ")
    return "".join(parts).rstrip(" ")


def _compile(entries: Iterable[str], spelling: Spelling) -> re.Pattern[str] | None:
    """One regex for a list of entries, each matched from a word start. The boundary is tested
    once, outside the alternation, so that the regex engine can skip alternatives on their
    first letter: this keeps a message at about a millisecond for eight languages."""
    # an entry in letters the skeleton does not read would be empty and match every message
    alternatives = [a for e in entries if (a := pattern_regex(str(e), spelling))]
    if not alternatives:
        return None
    return re.compile("(?<![a-z0-9])(?:" + "|".join(alternatives) + ")")


@dataclass(frozen=True)
class Rule:
    kind: str
    slots: tuple[tuple[str, ...], ...]
    """Each slot is filled by any one of its concepts."""
    window: int
    unless: tuple[str, ...] = ()
    """Concepts that, anywhere in the message, stop the rule (a passport named: not this rule)."""


class Lexicon:
    """One language: its spelling, concepts and vetoes, compiled."""

    def __init__(self, language: str, data: Mapping[str, Any], rules: Iterable[Rule]) -> None:
        self.language = language
        # the letters of its script (its neighbours' too: a Russian word in a Ukrainian chat);
        # other scripts stay unread and become word breaks
        letters = script_letters(language)
        letters.update(data.get("letters") or {})
        self.spelling = Spelling(letters, data.get("spelling") or {})
        concepts: Mapping[str, list[str]] = data.get("concepts") or {}
        self.concepts = {
            name: regex
            for name, entries in concepts.items()
            if (regex := _compile(entries, self.spelling)) is not None
        }
        self.rules = tuple(
            r for r in rules if all(any(c in self.concepts for c in slot) for slot in r.slots)
        )
        self.vetoes = {
            name: _compile(data.get(name) or [], self.spelling)
            for name in ("past", "hypothetical", "present", "now", "what_if", "advance")
        }
        self.idioms = _compile(data.get("idioms") or [], self.spelling)

    def read(self, text: str) -> tuple[str, set[str]]:
        """The skeleton of `text` with idioms blanked, and which vetoes it shows."""
        skeleton = self.spelling.skeleton(text)
        if self.idioms is not None:
            skeleton = self.idioms.sub(lambda m: " " * len(m.group(0)), skeleton)
        marks = {n for n, regex in self.vetoes.items() if regex and regex.search(skeleton)}
        if {"what_if", "advance"} <= marks:
            marks.add("in_advance")  # both in one language: "tu" alone is Romanian "you"
        return skeleton, marks

    def fire(self, skeleton: str) -> tuple[str, str] | None:
        """The kind and cue of the first rule (in `KINDS` order) whose concepts all appear
        close together; the cue names the concepts that matched."""
        starts = [m.start() for m in _WORD_START.finditer(skeleton)]
        found: dict[str, list[int]] = {}

        def positions(concept: str) -> list[int]:
            if concept not in found:
                regex = self.concepts.get(concept)
                found[concept] = (
                    [bisect_right(starts, m.start()) for m in regex.finditer(skeleton)]
                    if regex
                    else []
                )
            return found[concept]

        for rule in self.rules:
            if any(positions(c) for c in rule.unless):
                continue
            slots: list[list[int]] = []
            names: list[str] = []
            for slot in rule.slots:
                matched = [c for c in slot if positions(c)]
                if not matched:
                    break
                slots.append([p for c in matched for p in found[c]])
                names.append("|".join(matched))
            else:
                if _close(slots, rule.window):
                    return rule.kind, "+".join(names)
        return None


def _close(slots: list[list[int]], window: int) -> bool:
    """Whether one position from each slot fits within `window` words (a sliding window over
    the merged positions, linear in their number)."""
    if len(slots) == 1:
        return True
    merged = sorted((pos, i) for i, positions in enumerate(slots) for pos in positions)
    counts = [0] * len(slots)
    covered, left = 0, 0
    for pos, slot in merged:
        counts[slot] += 1
        covered += counts[slot] == 1
        while covered == len(slots):
            if pos - merged[left][0] <= window:
                return True
            gone = merged[left][1]
            counts[gone] -= 1
            covered -= counts[gone] == 0
            left += 1
    return False


class UrgentDetector:
    """Checks a message against every language's lexicon; see the module docstring."""

    def __init__(self, lexicons: Iterable[Lexicon]) -> None:
        self._lexicons = tuple(lexicons)

    @classmethod
    def load(cls, folder: Path | None = None) -> UrgentDetector:
        """The detector of `folder` (default `nlu/urgent/`), read once per folder."""
        return _load((folder or FOLDER).resolve())

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lexicon.language for lexicon in self._lexicons)

    def detect(self, text: str, language: str | None = None) -> Urgency:
        """Whether `text` tells of danger now; `language` (the chat's) only breaks ties."""
        text = text[:_MAX_CHARS]
        if not any(ch.isalpha() for ch in text):
            return NOT_URGENT
        marks: set[str] = set()
        hits: list[tuple[int, int, str, str]] = []
        for lexicon in self._lexicons:
            skeleton, found = lexicon.read(text)
            marks |= found
            fired = lexicon.fire(skeleton)
            if fired is not None:
                kind, concepts = fired
                tie = 0 if lexicon.language == language else 1
                hits.append(
                    (KINDS.index(kind), tie, kind, f"{lexicon.language}:{kind}:{concepts}")
                )
        if not hits or _vetoed(marks):
            return NOT_URGENT
        _, _, kind, cue = min(hits)
        return Urgency(True, kind, cue)


def _vetoed(marks: set[str]) -> bool:
    """A told past or a hypothetical question, not outweighed by a present marker; a question
    asked in advance ("what if ..., I want to know beforehand") whatever else it says."""
    if "in_advance" in marks:
        return True
    if "present" in marks:
        return False
    return "past" in marks or ("hypothetical" in marks and "now" not in marks)


def _read_rules(path: Path) -> list[Rule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    window = int(data.get("window", 12))
    rules: list[Rule] = []
    for kind in KINDS:
        for spec in data.get("rules", {}).get(kind, []):
            slots = spec["all"] if isinstance(spec, dict) else spec
            rules.append(
                Rule(
                    kind=kind,
                    slots=tuple(tuple(str(slot).split("|")) for slot in slots),
                    window=int(spec.get("window", window)) if isinstance(spec, dict) else window,
                    unless=tuple(str(c) for c in spec.get("unless", []))
                    if isinstance(spec, dict)
                    else (),
                )
            )
    unknown = set(data.get("rules", {})) - set(KINDS)
    if unknown:
        raise ValueError(f"{path}: unknown kinds {sorted(unknown)}")
    return rules


@lru_cache(maxsize=4)
def _load(folder: Path) -> UrgentDetector:
    rules = _read_rules(folder / "_rules.yml")
    lexicons = []
    for path in sorted(folder.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        lexicons.append(Lexicon(path.stem, data, rules))
    return UrgentDetector(lexicons)
