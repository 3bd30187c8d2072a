"""Scoring urgent detection on the held-out urgent sets (`nlu/tests/urgent/` and
`nlu/tests/urgent_fresh/`), part of `make eval`: urgent recall ≥ 98 % and false urgent ≤ 3 % per
language. Scored twice: the lexicon alone (what the bot has when the NLU is down) and the lexicon
together with the NLU's urgency score (what the bot does).

The set was written without reading the lexicons; never copy its sentences into them (fix a miss
with a word family or a concept that people use, and add your own example to
`nlu/urgency_examples.yml`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import yaml

from nlu.urgent import Urgency

URGENT_SETS = ("urgent", "urgent_fresh")
"""Folders under nlu/tests/: the first held-out set (used since for error analysis by concept),
and a fresh one written later by someone who saw neither the lexicon nor the first set."""
RECALL_TARGET = 0.98
FALSE_URGENT_TARGET = 0.03


class Detector(Protocol):
    def detect(self, text: str, language: str | None = None) -> Urgency: ...


@dataclass
class LanguageScore:
    urgent: int = 0
    caught: int = 0
    calm: int = 0
    """Near misses: not urgent, but close (past events, unpaid wages, "passport urgently")."""
    false_urgent: int = 0
    missed_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def recall(self) -> float | None:
        return self.caught / self.urgent if self.urgent else None

    @property
    def false_rate(self) -> float | None:
        return self.false_urgent / self.calm if self.calm else None

    @property
    def met(self) -> bool:
        recall, false_rate = self.recall, self.false_rate
        return (recall is None or recall >= RECALL_TARGET) and (
            false_rate is None or false_rate <= FALSE_URGENT_TARGET
        )


Judge = Callable[[str, str], Awaitable[bool]]
"""Whether a text (in a language) is urgent."""


def lexicon_judge(detector: Detector) -> Judge:
    async def judge(text: str, language: str) -> bool:
        return detector.detect(text, language).urgent

    return judge


async def score(judge: Judge, folder: Path) -> dict[str, LanguageScore]:
    """Per language: how many urgent messages were caught, how many calm ones flagged."""
    scores: dict[str, LanguageScore] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data.get("language") or path.stem)
        row = scores.setdefault(language, LanguageScore())
        for example in data.get("examples") or []:
            found = await judge(str(example["text"]), language)
            if example["urgent"]:
                row.urgent += 1
                row.caught += found
                if not found:
                    kind = str(example.get("kind") or "?")
                    row.missed_kinds[kind] = row.missed_kinds.get(kind, 0) + 1
            else:
                row.calm += 1
                row.false_urgent += found
    return scores


Results = dict[str, dict[str, dict[str, LanguageScore]]]
"""How (lexicon, lexicon + NLU) → set → language → score."""


def write_report(results: Results, report: Path, *, today: date) -> str:
    """Write `<report>.md` and `<report>.json`; returns the Markdown."""
    lines = [
        "# Urgent detection on the held-out urgent sets",
        "",
        f"Scored {today.isoformat()} by `make eval` (nlu/urgent_eval.py). Targets per language: "
        f"urgent recall ≥ {RECALL_TARGET:.0%}, false urgent ≤ {FALSE_URGENT_TARGET:.0%}.",
    ]
    for how, sets in results.items():
        for name, scores in sets.items():
            lines += [
                "",
                f"## {name}: {how}",
                "",
                "| language | urgent | recall | near misses | false urgent | target | missed |",
                "|---|---|---|---|---|---|---|",
            ]
            for language, row in sorted(scores.items()):
                missed = ", ".join(f"{k} {n}" for k, n in sorted(row.missed_kinds.items()))
                lines.append(
                    f"| {language} | {row.urgent} | {_pct(row.recall)} | {row.calm} | "
                    f"{_pct(row.false_rate)} | {'met' if row.met else 'MISSED'} | "
                    f"{missed or '—'} |"
                )
    markdown = "\n".join(lines) + "\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.with_suffix(".md").write_text(markdown, encoding="utf-8")
    data: dict[str, Any] = {
        how: {
            name: {
                language: {
                    "urgent": row.urgent,
                    "recall": row.recall,
                    "near_misses": row.calm,
                    "false_urgent_rate": row.false_rate,
                    "met": row.met,
                    "missed_kinds": row.missed_kinds,
                }
                for language, row in sorted(scores.items())
            }
            for name, scores in sets.items()
        }
        for how, sets in results.items()
    }
    report.with_suffix(".json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return markdown


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
