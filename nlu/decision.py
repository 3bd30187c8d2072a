"""From an NLU result to what the bot does: answer, clarify, escalate or smalltalk."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

SMALLTALK = frozenset({"greet", "goodbye", "thanks", "bot_challenge"})
ASK_HUMAN = "ask_human"
OUT_OF_SCOPE = "out_of_scope"


class Action(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
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


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where answer, clarify and escalate meet; the values come from Settings."""

    answer: float
    """The top article is answered at this confidence or above ..."""
    margin: float
    """... when it leads the runner-up article by at least this much."""
    clarify: float
    """Articles at this confidence or above are offered as clarify candidates."""
    max_candidates: int = 3


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    intent: str | None
    confidence: float
    article: str | None = None
    candidates: tuple[Candidate, ...] = field(default=())
    reason: str | None = None
    """For escalate: out_of_scope, ask_human or low_confidence."""


def decide(result: NluResult, articles: Collection[str], thresholds: Thresholds) -> Decision:
    """Decide what to do with one free-text message given the NLU result.

    Args:
        result: intent and ranking from the NLU server.
        articles: the article ids that have content (the other intents are dialogue intents).
        thresholds: where answer, clarify and escalate meet; tuned by `make eval`.
    """
    intent, confidence = result.intent, result.confidence
    if intent in SMALLTALK and confidence >= thresholds.answer:
        return Decision(Action.SMALLTALK, intent, confidence)
    if intent == ASK_HUMAN and confidence >= thresholds.answer:
        return Decision(Action.ESCALATE, intent, confidence, reason="ask_human")
    ranked = _article_candidates(result.ranking, articles)
    if intent == OUT_OF_SCOPE and confidence >= thresholds.answer:
        return Decision(Action.ESCALATE, intent, confidence, reason="out_of_scope")
    if ranked:
        top = ranked[0]
        runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
        if (
            top.intent == intent
            and top.confidence >= thresholds.answer
            and top.confidence - runner_up >= thresholds.margin
        ):
            return Decision(Action.ANSWER, intent, confidence, article=top.intent)
        close = tuple(c for c in ranked if c.confidence >= thresholds.clarify)
        if close:
            return Decision(
                Action.CLARIFY,
                intent,
                confidence,
                candidates=close[: thresholds.max_candidates],
            )
    reason = "out_of_scope" if intent == OUT_OF_SCOPE else "low_confidence"
    return Decision(Action.ESCALATE, intent, confidence, reason=reason)


def _article_candidates(
    ranking: Sequence[Candidate], articles: Collection[str]
) -> list[Candidate]:
    return sorted(
        (c for c in ranking if c.intent in articles), key=lambda c: c.confidence, reverse=True
    )
