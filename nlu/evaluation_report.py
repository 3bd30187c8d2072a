"""The `make eval` report: `nlu/reports/eval.md` for people, `eval.json` for tools, with the
targets checked per held-out set."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nlu.evaluate import SetEvaluation
from nlu.examples import STYLES


@dataclass(frozen=True, slots=True)
class Target:
    metric: str
    bound: float
    at_least: bool

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.bound if self.at_least else value <= self.bound

    def __str__(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.bound * 100:g} %"


TARGETS = {
    "answer_accuracy": Target("answer_accuracy", 0.92, True),
    "answer_or_clarify_accuracy": Target("answer_or_clarify_accuracy", 0.97, True),
    "wrong_answer_rate": Target("wrong_answer_rate", 0.02, False),
    "out_of_scope_recall": Target("out_of_scope_recall", 0.90, True),
    "false_escalation_rate": Target("false_escalation_rate", 0.05, False),
}
LATIN_TARGET = Target("answer_or_clarify_accuracy", 0.90, True)
GEORGIAN_GAP = 0.03
"""Georgian within this much of English, answered right and answered-or-clarified right."""

ROWS = {
    "answer_accuracy": "answered right",
    "answer_or_clarify_accuracy": "answered, or right article among clarify/menu",
    "wrong_answer_rate": "answered with a wrong article",
    "false_escalation_rate": "in-scope escalated (false escalation)",
    "menu_rate": "in-scope given a topic menu",
    "out_of_scope_recall": "out-of-scope escalated",
    "vague_topic_rate": "vague: right topic's menu or clarify (≥ 2, all in topic)",
    "vague_answered_rate": "vague: answered with one article",
    "dialogue_accuracy": "dialogue intents right",
    "language_confident_wrong": "language: confident wrong detections",
}
COUNTS = ("examples", "in_scope", "out_of_scope", "vague")


def checks(evaluation: SetEvaluation) -> list[dict[str, Any]]:
    """Every target of the issue, checked on one set (None: the set has no such examples)."""
    languages = {k: v.as_dict() for k, v in sorted(evaluation.languages.items())}
    result: list[dict[str, Any]] = []
    for metric, target in TARGETS.items():
        values = {k: row[metric] for k, row in languages.items() if row[metric] is not None}
        failing = sorted(k for k, v in values.items() if not target.met(v))
        result.append(
            {
                "check": f"{ROWS[metric]} {target} in every language",
                "met": None if not values else not failing,
                "detail": ", ".join(f"{k} {_pct(values[k])}" for k in failing) or "",
            }
        )
    latin = evaluation.styles.get("latin")
    value = latin.as_dict()["answer_or_clarify_accuracy"] if latin else None
    result.append(
        {
            "check": f"Latin-script answered or clarified right {LATIN_TARGET}",
            "met": LATIN_TARGET.met(value),
            "detail": _pct(value) if value is not None else "",
        }
    )
    for metric in ("answer_accuracy", "answer_or_clarify_accuracy"):
        ka, en = languages.get("ka", {}).get(metric), languages.get("en", {}).get(metric)
        gap = None if ka is None or en is None else en - ka
        result.append(
            {
                "check": f"Georgian {ROWS[metric]} within {GEORGIAN_GAP * 100:g} points of "
                "English",
                "met": None if gap is None else gap <= GEORGIAN_GAP + 1e-9,
                "detail": "" if gap is None else f"ka {_pct(ka)}, en {_pct(en)}",
            }
        )
    return result


def as_data(evaluation: SetEvaluation) -> dict[str, Any]:
    worst = evaluation.confusions.most_common(15)
    return {
        "macro_f1": round(evaluation.macro_f1(), 4),
        "all": evaluation.overall.as_dict(),
        "languages": {k: v.as_dict() for k, v in sorted(evaluation.languages.items())},
        "styles": {k: evaluation.styles[k].as_dict() for k in STYLES if k in evaluation.styles},
        "checks": checks(evaluation),
        "wrong_languages": [
            {"language": g, "detected": d, "count": n}
            for (g, d), n in evaluation.wrong_languages.most_common()
        ],
        "confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in worst],
    }


def write_report(
    evaluations: Sequence[SetEvaluation],
    target: Path,
    *,
    thresholds: Mapping[str, float],
    today: date,
) -> None:
    """Write `<target>.md` (for people) and `<target>.json` (for tools)."""
    sets = {e.name: as_data(e) for e in evaluations}
    data = {"date": today.isoformat(), "thresholds": dict(thresholds), "sets": sets}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_suffix(".json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    lines = [
        "# NLU evaluation on the held-out sets",
        "",
        f"Date: {data['date']}. Thresholds: "
        + ", ".join(f"{k}={v}" for k, v in thresholds.items())
        + ". Every example goes through `Dialogue.understand` (the user's chosen language "
        "being the example's), as in the bot.",
        "",
        "## Targets",
        "",
        "| check | " + " | ".join(sets) + " |",
        "|---|" + "---|" * len(sets),
    ]
    rows: dict[str, list[str]] = {}
    for set_data in sets.values():
        for check in set_data["checks"]:
            cell = {True: "✅", False: "❌", None: "—"}[check["met"]]
            if check["detail"]:
                cell += f" {check['detail']}"
            rows.setdefault(check["check"], []).append(cell)
    lines += [f"| {check} | " + " | ".join(cells) + " |" for check, cells in rows.items()]
    for evaluation in evaluations:
        lines += ["", *_set_section(evaluation, sets[evaluation.name])]
    target.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _set_section(evaluation: SetEvaluation, data: Mapping[str, Any]) -> list[str]:
    overall = evaluation.overall
    lines = [
        f"## {evaluation.name}: {overall.examples} examples",
        "",
        f"Macro-F1 over intents (top intent): {data['macro_f1']:.3f}.",
        "",
        "### Per language",
        "",
        *_table({**data["languages"], "all": data["all"]}),
    ]
    if data["styles"]:
        lines += ["", "### Per style (an example may have several)", "", *_table(data["styles"])]
    wrong = ", ".join(
        f"{w['language']}→{w['detected']} {w['count']}" for w in data["wrong_languages"]
    )
    lines += [
        "",
        "### Language detection",
        "",
        f"Confident wrong detections: {overall.detected_wrong} of {overall.examples}"
        + (f" ({wrong})" if wrong else "")
        + f"; detected confidently: {_pct(overall.as_dict()['language_confident_rate'])}.",
        "",
        "### Most frequent confusions (gold → predicted top intent)",
        "",
    ]
    lines += [f"- {c['gold']} → {c['predicted']}: {c['count']}" for c in data["confusions"]]
    return lines


def _table(columns: Mapping[str, Mapping[str, Any]]) -> list[str]:
    names = list(columns)
    lines = [
        "| | " + " | ".join(names) + " | target |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for key in COUNTS:
        lines.append(
            f"| {key.replace('_', ' ')} | "
            + " | ".join(str(columns[n][key]) for n in names)
            + " | |"
        )
    for metric, label in ROWS.items():
        target = TARGETS.get(metric)
        cells = []
        for name in names:
            value = columns[name][metric]
            if metric == "language_confident_wrong":
                cells.append(str(value))
                continue
            mark = (
                "" if target is None or value is None else (" ✅" if target.met(value) else " ❌")
            )
            cells.append(_pct(value) + mark)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target or ''} |")
    return lines


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
