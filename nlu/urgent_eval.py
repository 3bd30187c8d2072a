"""Scoring the urgency detector on the held-out urgent set (`nlu/tests/urgent/<lang>.yml`),
part of `make eval`: urgent recall ≥ 98 % and false urgent ≤ 3 % per language.

The set was written without reading the lexicons; never copy its sentences into them (fix a miss
with a word family or a concept that people use, and add your own example to
`tests/nlu/urgent_dev.yml`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import yaml

from nlu.urgent import Urgency

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


def score(detector: Detector, folder: Path) -> dict[str, LanguageScore]:
    """Per language: how many urgent messages were caught, how many calm ones flagged."""
    scores: dict[str, LanguageScore] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data.get("language") or path.stem)
        row = scores.setdefault(language, LanguageScore())
        for example in data.get("examples") or []:
            found = detector.detect(str(example["text"]), language).urgent
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


def write_report(scores: dict[str, LanguageScore], report: Path, *, today: date) -> str:
    """Write `<report>.md` and `<report>.json`; returns the Markdown."""
    lines = [
        "# Urgent detection on the held-out urgent set",
        "",
        f"Scored {today.isoformat()} by `make eval` (nlu/urgent_eval.py). Targets per language: "
        f"urgent recall ≥ {RECALL_TARGET:.0%}, false urgent ≤ {FALSE_URGENT_TARGET:.0%}.",
        "",
        "| language | urgent | recall | near misses | false urgent | target | missed kinds |",
        "|---|---|---|---|---|---|---|",
    ]
    for language, row in sorted(scores.items()):
        missed = ", ".join(f"{k} {n}" for k, n in sorted(row.missed_kinds.items())) or "—"
        lines.append(
            f"| {language} | {row.urgent} | {_pct(row.recall)} | {row.calm} | "
            f"{_pct(row.false_rate)} | {'met' if row.met else 'MISSED'} | {missed} |"
        )
    markdown = "\n".join(lines) + "\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.with_suffix(".md").write_text(markdown, encoding="utf-8")
    data: dict[str, Any] = {
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
    report.with_suffix(".json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return markdown


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
