"""From an NLU result to what the bot does: answer, clarify, show a topic's menu, escalate or
smalltalk.

Short messages ("документи", "пари", "work", "doctor") name a topic more often than ask a
question, yet the classifier still ranks one article first, often with confidence. So a message
of at most `Thresholds.short_words` words is answered only when the classifier is very confident
and one of its words is used mostly by that article in the training data (`Vocabulary`);
otherwise the topic whose articles hold most of the classifier's confidence gets its menu. A
clarification always offers at least two articles: a lone close article is joined by the
runner-up, or else its topic's menu is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from nlu.vocabulary import Vocabulary

SMALLTALK = frozenset({"greet", "goodbye", "thanks", "bot_challenge"})
ASK_HUMAN = "ask_human"
OUT_OF_SCOPE = "out_of_scope"


class Action(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    MENU = "menu"
    """The articles of one topic as buttons: the message named a topic, not a question."""
    ESCALATE = "escalate"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class NluResult:
    intent: str | None
    confidence: float
    ranking: tuple[Candidate, ...] = ()
    urgency: float | None = None
    """The urgency classifier's score (nlu/components/urgency.py); None from an older model."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where answer, clarify, menu and escalate meet; the first three come from Settings."""

    answer: float
    """The top article is answered at this confidence or above ..."""
    margin: float
    """... when it leads the runner-up article by at least this much."""
    clarify: float
    """Articles at this confidence or above are offered as clarify candidates."""
    max_candidates: int = 3
    short_words: int = 2
    """Messages of at most this many words are short: they often name a topic, not a question."""
    short_answer: float = 0.7
    """A short message is answered only at this confidence or above ..."""
    specific_word: float = 0.85
    """... and when one of its words is used mostly by that article in the training data
    (`Vocabulary.specificity`), ..."""
    specific: float = 0.75
    """... or, when none of its words is known, when the top article holds at least this share
    of its topic's confidence."""
    menu_share: float = 0.5
    """A short message that is not answered gets the menu of the topic holding at least this
    share of the articles' confidence (a majority: else the articles span topics and are
    clarified) ..."""
    menu_mass: float = 0.3
    """... and at least this much confidence in all."""
    runner_up: float = 0.03
    """A lone clarify candidate is joined by the next article down to this confidence (of any
    topic: it is often the right one); else its topic's menu is shown."""


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    intent: str | None
    confidence: float
    article: str | None = None
    candidates: tuple[Candidate, ...] = field(default=())
    """For clarify: the articles offered (at least two); for menu: the topic's articles, best
    first."""
    reason: str | None = None
    """For escalate: out_of_scope, ask_human, low_confidence (or missing, set by the caller)."""
    topic: str | None = None
    """The topic of the answered article, of the menu, or shared by every clarify candidate."""


def word_count(text: str) -> int:
    """Words with at least one letter or digit ("112" is a word, "?" and "👍" are not)."""
    return sum(any(ch.isalnum() for ch in token) for token in text.split())


def decide(
    result: NluResult,
    articles: Mapping[str, str] | Collection[str],
    thresholds: Thresholds,
    *,
    text: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> Decision:
    """Decide what to do with one free-text message given the NLU result.

    Args:
        result: intent and ranking from the NLU server.
        articles: the article ids that have content (the other intents are dialogue intents),
            mapped to their topic; without topics there are no menus.
        thresholds: where answer, clarify, menu and escalate meet; tuned by `make eval`.
        text: the message; None: never treated as a short message.
        vocabulary: which articles the words of the training data belong to; without it a
            short message counts as specific when its top article stands out in its topic.
    """
    topics: Mapping[str, str | None] = (
        articles if isinstance(articles, Mapping) else dict.fromkeys(articles)
    )
    intent, confidence = result.intent, result.confidence
    if intent in SMALLTALK and confidence >= thresholds.answer:
        return Decision(Action.SMALLTALK, intent, confidence)
    if intent == ASK_HUMAN and confidence >= thresholds.answer:
        return Decision(Action.ESCALATE, intent, confidence, reason="ask_human")
    ranked = _article_candidates(result.ranking, topics)
    short = text is not None and word_count(text) <= thresholds.short_words
    reason = "out_of_scope" if intent == OUT_OF_SCOPE else "low_confidence"
    if intent == OUT_OF_SCOPE and confidence >= thresholds.answer:
        return Decision(Action.ESCALATE, intent, confidence, reason=reason)
    if not ranked:
        return Decision(Action.ESCALATE, intent, confidence, reason=reason)
    top = ranked[0]
    top_topic = topics[top.intent]
    mass = _topic_mass(ranked, topics)
    runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
    answerable = (
        top.intent == intent
        and top.confidence >= thresholds.answer
        and top.confidence - runner_up >= thresholds.margin
    )
    if short and answerable:
        word = vocabulary.specificity(text or "", top.intent) if vocabulary else None
        if word is not None:
            specific = word >= thresholds.specific_word
        else:
            specific = top_topic is None or top.confidence >= thresholds.specific * mass[top_topic]
        answerable = top.confidence >= thresholds.short_answer and specific
    if answerable:
        return Decision(Action.ANSWER, intent, confidence, article=top.intent, topic=top_topic)
    named = _ranked_topic(ranked, mass, thresholds) if short else None
    if named is not None:
        return _menu(intent, confidence, named, ranked, topics)
    close = [c for c in ranked if c.confidence >= thresholds.clarify]
    if not close:
        return Decision(Action.ESCALATE, intent, confidence, reason=reason)
    offered = close[: thresholds.max_candidates]
    if len(offered) < 2:
        offered += [c for c in ranked[1:2] if c.confidence >= thresholds.runner_up]
    if len(offered) < 2:
        if top_topic is None:
            return Decision(Action.ESCALATE, intent, confidence, reason=reason)
        return _menu(intent, confidence, top_topic, ranked, topics)
    shared = {topics[c.intent] for c in offered}
    return Decision(
        Action.CLARIFY,
        intent,
        confidence,
        candidates=tuple(offered),
        topic=shared.pop() if len(shared) == 1 else None,
    )


def _ranked_topic(
    ranked: Sequence[Candidate], mass: Mapping[str, float], thresholds: Thresholds
) -> str | None:
    """The topic whose articles hold most of the classifier's confidence, if they do."""
    if not mass:
        return None
    topic, topic_mass = max(mass.items(), key=lambda item: item[1])
    total = sum(c.confidence for c in ranked)
    if topic_mass >= thresholds.menu_mass and topic_mass >= thresholds.menu_share * total:
        return topic
    return None


def _menu(
    intent: str | None,
    confidence: float,
    topic: str,
    ranked: Sequence[Candidate],
    topics: Mapping[str, str | None],
) -> Decision:
    """The topic's articles: those the NLU ranked, best first, then the others."""
    ranked_in_topic = [c for c in ranked if topics[c.intent] == topic]
    seen = {c.intent for c in ranked_in_topic}
    rest = [Candidate(a, 0.0) for a, t in topics.items() if t == topic and a not in seen]
    return Decision(
        Action.MENU,
        intent,
        confidence,
        candidates=tuple(ranked_in_topic + rest),
        topic=topic,
    )


def _topic_mass(ranked: Sequence[Candidate], topics: Mapping[str, str | None]) -> dict[str, float]:
    mass: dict[str, float] = defaultdict(float)
    for c in ranked:
        topic = topics[c.intent]
        if topic is not None:
            mass[topic] += c.confidence
    return dict(mass)


def _article_candidates(
    ranking: Sequence[Candidate], articles: Collection[str]
) -> list[Candidate]:
    return sorted(
        (c for c in ranking if c.intent in articles), key=lambda c: c.confidence, reverse=True
    )
