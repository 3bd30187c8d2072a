"""`python -m bot ask --jsonl`: questions on stdin, one JSON decision per line on stdout.

This is how the NLU is evaluated from outside; keep the output format stable (add keys, never
rename them): text, language, intent, confidence, action (answer, clarify, menu, escalate,
smalltalk), article, candidates [{intent, confidence}], topic (of the answer, the menu, or shared
by the clarify candidates; else null), urgent (immediate danger, decided before the NLU).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from bot.dialogue import Dialogue, Understanding
from bot.inputs import clean_text


def as_record(understanding: Understanding) -> dict[str, Any]:
    decision = understanding.decision
    if decision is None:
        return {
            "text": understanding.text,
            "language": understanding.language.language,
            "intent": None,
            "confidence": 0.0,
            "action": "escalate",
            "article": None,
            "candidates": [],
            "topic": None,
            "urgent": understanding.urgency.urgent,
            "error": "nlu_unavailable",
        }
    return {
        "text": understanding.text,
        "language": understanding.language.language,
        "intent": decision.intent,
        "confidence": round(decision.confidence, 4),
        "action": decision.action.value,
        "article": decision.article,
        "candidates": [
            {"intent": c.intent, "confidence": round(c.confidence, 4)} for c in decision.candidates
        ],
        "topic": decision.topic,
        "urgent": understanding.urgency.urgent,
    }


async def ask_lines(
    dialogue: Dialogue, lines: Iterable[str], *, country: str, language: str, out: TextIO
) -> int:
    """Write one JSON object per non-empty input line; return how many were written."""
    count = 0
    for line in lines:
        text = clean_text(line)
        if not text:
            continue
        understanding = await dialogue.understand(text, language, country)
        out.write(json.dumps(as_record(understanding), ensure_ascii=False) + "\n")
        out.flush()
        count += 1
    return count


def stdin_lines() -> Iterable[str]:
    return iter(sys.stdin.readline, "")
