"""Evaluate the NLU on the held-out set through the bot's own decision logic (`make eval`)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.dialogue import Dialogue
from nlu.decision import ASK_HUMAN, OUT_OF_SCOPE, SMALLTALK, Action
from nlu.examples import read_language_files


@dataclass
class LanguageScore:
    in_scope: int = 0
    answered_right: int = 0
    answered_or_clarified_right: int = 0
    answered_wrong: int = 0
    escalated_in_scope: int = 0
    out_of_scope: int = 0
    out_of_scope_escalated: int = 0
    dialogue: int = 0
    dialogue_right: int = 0

    def as_dict(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "in_scope": self.in_scope,
            "answer_accuracy": share(self.answered_right, self.in_scope),
            "answer_or_clarify_accuracy": share(self.answered_or_clarified_right, self.in_scope),
            "wrong_answer_rate": share(self.answered_wrong, self.in_scope),
            "false_escalation_rate": share(self.escalated_in_scope, self.in_scope),
            "out_of_scope": self.out_of_scope,
            "out_of_scope_recall": share(self.out_of_scope_escalated, self.out_of_scope),
            "dialogue_accuracy": share(self.dialogue_right, self.dialogue),
        }


@dataclass
class Evaluation:
    languages: dict[str, LanguageScore] = field(default_factory=lambda: defaultdict(LanguageScore))
    gold: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    def macro_f1(self) -> float:
        labels = sorted(set(self.gold))
        scores = []
        for label in labels:
            tp = sum(g == p == label for g, p in zip(self.gold, self.predicted, strict=True))
            fp = sum(p == label != g for g, p in zip(self.gold, self.predicted, strict=True))
            fn = sum(g == label != p for g, p in zip(self.gold, self.predicted, strict=True))
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
        return sum(scores) / len(scores) if scores else 0.0


async def evaluate(dialogue: Dialogue, holdout_dir: Path, *, country: str = "md") -> Evaluation:
    """Run every held-out example through `Dialogue.understand` and score the decisions."""
    result = Evaluation()
    articles = dialogue.kb.articles
    for language, intents in read_language_files(holdout_dir).items():
        score = result.languages[language]
        for gold, examples in intents.items():
            for text in examples:
                understanding = await dialogue.understand(text, language, country)
                decision = understanding.decision
                predicted = decision.intent if decision and decision.intent else "none"
                action = decision.action if decision else Action.ESCALATE
                result.gold.append(gold)
                result.predicted.append(predicted)
                if predicted != gold:
                    result.confusions[(gold, predicted)] += 1
                if gold in articles:
                    score.in_scope += 1
                    right_answer = (
                        action is Action.ANSWER
                        and decision is not None
                        and (decision.article == gold)
                    )
                    in_candidates = (
                        action is Action.CLARIFY
                        and decision is not None
                        and any(c.intent == gold for c in decision.candidates)
                    )
                    score.answered_right += right_answer
                    score.answered_or_clarified_right += right_answer or in_candidates
                    score.answered_wrong += action is Action.ANSWER and not right_answer
                    score.escalated_in_scope += action is Action.ESCALATE
                elif gold == OUT_OF_SCOPE:
                    score.out_of_scope += 1
                    score.out_of_scope_escalated += action is Action.ESCALATE
                elif gold in SMALLTALK or gold == ASK_HUMAN:
                    score.dialogue += 1
                    score.dialogue_right += predicted == gold
    return result


def write_report(evaluation: Evaluation, target: Path, *, thresholds: dict[str, float]) -> None:
    """Write `<target>.md` (for people) and `<target>.json` (for tools)."""
    languages = {k: v.as_dict() for k, v in sorted(evaluation.languages.items())}
    worst = evaluation.confusions.most_common(15)
    data = {
        "date": datetime.now(UTC).date().isoformat(),
        "thresholds": thresholds,
        "macro_f1": round(evaluation.macro_f1(), 4),
        "languages": languages,
        "confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in worst],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# NLU evaluation on the held-out set",
        "",
        f"Date: {data['date']}. Thresholds: "
        + ", ".join(f"{k}={v}" for k, v in thresholds.items())
        + f". Macro-F1 over intents (top intent): {data['macro_f1']:.3f}.",
        "",
        "| language | in-scope | answered right | answered or clarified right | answered "
        "wrong | false escalation | out-of-scope | out-of-scope recall | dialogue intents right |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for language, row in languages.items():
        lines.append(
            f"| {language} | {row['in_scope']} | {_pct(row['answer_accuracy'])} | "
            f"{_pct(row['answer_or_clarify_accuracy'])} | {_pct(row['wrong_answer_rate'])} | "
            f"{_pct(row['false_escalation_rate'])} | "
            f"{row['out_of_scope']} | {_pct(row['out_of_scope_recall'])} | "
            f"{_pct(row['dialogue_accuracy'])} |"
        )
    lines += ["", "## Most frequent confusions (gold → predicted top intent)", ""]
    lines += [f"- {g} → {p}: {n}" for (g, p), n in worst]
    target.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
