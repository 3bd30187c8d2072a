"""Evaluate the NLU on the held-out sets through the bot's own decision logic (`make eval`).

Two sets: `nlu/tests/holdout/` (Rasa NLU YAML, written like the training data) and
`nlu/tests/holdout_real/` (messages as people type them, each with its styles: terse, long,
typo, ordinary, latin, near_domain, vague). Both are scored per language and per style.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from nlu.decision import ASK_HUMAN, OUT_OF_SCOPE, SMALLTALK, Action, Decision
from nlu.examples import HeldOutExample, read_held_out
from nlu.langdetect import DetectedLanguage


class Understood(Protocol):
    """What `Dialogue.understand` returns, as far as scoring needs it."""

    @property
    def language(self) -> DetectedLanguage: ...

    @property
    def decision(self) -> Decision | None: ...


class Understander(Protocol):
    async def understand(self, text: str, fallback_language: str, country: str) -> Understood: ...


@dataclass
class Score:
    """Counts for one group of examples (a language, a style, or all)."""

    in_scope: int = 0
    answered_right: int = 0
    answered_or_clarified_right: int = 0
    answered_wrong: int = 0
    escalated_in_scope: int = 0
    menu_in_scope: int = 0
    out_of_scope: int = 0
    out_of_scope_escalated: int = 0
    vague: int = 0
    vague_right: int = 0
    vague_answered: int = 0
    dialogue: int = 0
    dialogue_right: int = 0
    examples: int = 0
    detected_confidently: int = 0
    detected_wrong: int = 0

    def add(self, example: HeldOutExample, outcome: Outcome) -> None:
        self.examples += 1
        self.detected_confidently += outcome.detected_confidently
        self.detected_wrong += outcome.detected_wrong
        if outcome.kind == "in_scope":
            self.in_scope += 1
            self.answered_right += outcome.answered_right
            self.answered_or_clarified_right += outcome.answered_right or outcome.offered_right
            self.answered_wrong += outcome.answered and not outcome.answered_right
            self.escalated_in_scope += outcome.escalated
            self.menu_in_scope += outcome.menu
        elif outcome.kind == "out_of_scope":
            self.out_of_scope += 1
            self.out_of_scope_escalated += outcome.escalated
        elif outcome.kind == "vague":
            self.vague += 1
            self.vague_right += outcome.vague_right
            self.vague_answered += outcome.answered
        elif outcome.kind == "dialogue":
            self.dialogue += 1
            self.dialogue_right += outcome.dialogue_right

    def as_dict(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "examples": self.examples,
            "in_scope": self.in_scope,
            "answer_accuracy": share(self.answered_right, self.in_scope),
            "answer_or_clarify_accuracy": share(self.answered_or_clarified_right, self.in_scope),
            "wrong_answer_rate": share(self.answered_wrong, self.in_scope),
            "false_escalation_rate": share(self.escalated_in_scope, self.in_scope),
            "menu_rate": share(self.menu_in_scope, self.in_scope),
            "out_of_scope": self.out_of_scope,
            "out_of_scope_recall": share(self.out_of_scope_escalated, self.out_of_scope),
            "vague": self.vague,
            "vague_topic_rate": share(self.vague_right, self.vague),
            "vague_answered_rate": share(self.vague_answered, self.vague),
            "dialogue": self.dialogue,
            "dialogue_accuracy": share(self.dialogue_right, self.dialogue),
            "language_confident_wrong": self.detected_wrong,
            "language_confident_rate": share(self.detected_confidently, self.examples),
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the bot's decision for one example is judged."""

    kind: str
    """in_scope, out_of_scope, vague, dialogue or other."""
    predicted: str
    answered: bool = False
    answered_right: bool = False
    offered_right: bool = False
    """The right article among the clarify candidates or in the topic menu shown."""
    menu: bool = False
    escalated: bool = False
    vague_right: bool = False
    """A vague message got its topic's menu, or a clarification of at least two articles all
    of its topic."""
    dialogue_right: bool = False
    detected_confidently: bool = False
    detected_wrong: bool = False


def judge(
    example: HeldOutExample,
    decision: Decision | None,
    detected: DetectedLanguage,
    topics: Mapping[str, str],
) -> Outcome:
    """Judge one decision against the example's expected intent or topic.

    Args:
        topics: each article id (an intent with content) mapped to its topic.
    """
    action = decision.action if decision else Action.ESCALATE
    candidates = [c.intent for c in decision.candidates] if decision else []
    base = Outcome(
        "other",
        predicted=decision.intent if decision and decision.intent else "none",
        answered=action is Action.ANSWER,
        menu=action is Action.MENU,
        escalated=action is Action.ESCALATE,
        detected_confidently=detected.confident,
        detected_wrong=detected.confident and detected.language != example.language,
    )
    gold = example.intent
    if gold is None:
        shown_topic = decision.topic if decision else None
        in_topic = bool(candidates) and all(topics.get(c) == example.topic for c in candidates)
        right = (action is Action.MENU and shown_topic == example.topic) or (
            action is Action.CLARIFY and len(candidates) >= 2 and in_topic
        )
        return replace(base, kind="vague", vague_right=right)
    if gold in topics:
        article = decision.article if decision and action is Action.ANSWER else None
        offered = action in (Action.CLARIFY, Action.MENU) and gold in candidates
        return replace(
            base, kind="in_scope", answered_right=article == gold, offered_right=offered
        )
    if gold == OUT_OF_SCOPE:
        return replace(base, kind="out_of_scope")
    if gold in SMALLTALK or gold == ASK_HUMAN:
        return replace(base, kind="dialogue", dialogue_right=base.predicted == gold)
    return base


@dataclass
class SetEvaluation:
    """Scores of one held-out set."""

    name: str
    languages: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    styles: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    overall: Score = field(default_factory=Score)
    gold: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    wrong_languages: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, example: HeldOutExample, outcome: Outcome, detected: DetectedLanguage) -> None:
        self.overall.add(example, outcome)
        self.languages[example.language].add(example, outcome)
        for style in example.styles:
            self.styles[style].add(example, outcome)
        if outcome.detected_wrong:
            self.wrong_languages[(example.language, detected.language)] += 1
        if example.intent is not None:
            self.gold.append(example.intent)
            self.predicted.append(outcome.predicted)
            if outcome.predicted != example.intent:
                self.confusions[(example.intent, outcome.predicted)] += 1

    def macro_f1(self) -> float:
        labels = sorted(set(self.gold))
        pairs = list(zip(self.gold, self.predicted, strict=True))
        scores = []
        for label in labels:
            tp = sum(g == p == label for g, p in pairs)
            fp = sum(p == label != g for g, p in pairs)
            fn = sum(g == label != p for g, p in pairs)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
        return sum(scores) / len(scores) if scores else 0.0


async def evaluate(
    dialogue: Understander,
    examples: Iterable[HeldOutExample],
    topics: Mapping[str, str],
    *,
    name: str,
    country: str | Mapping[str, str] = "md",
) -> SetEvaluation:
    """Run every example through `understand` (the user's chosen language being the example's)
    and score the decisions.

    Args:
        country: the situation every example is asked in, or one per language.
    """
    result = SetEvaluation(name)
    for example in examples:
        situation = country if isinstance(country, str) else country[example.language]
        understanding = await dialogue.understand(example.text, example.language, situation)
        outcome = judge(example, understanding.decision, understanding.language, topics)
        result.add(example, outcome, understanding.language)
    return result


async def evaluate_folder(
    dialogue: Understander,
    folder: Path,
    topics: Mapping[str, str],
    *,
    country: str | Mapping[str, str] = "md",
) -> SetEvaluation:
    """`evaluate` on every `<lang>.yml` of folder (either held-out format), named after it."""
    examples = read_held_out(folder)
    return await evaluate(dialogue, examples, topics, name=folder.name, country=country)
