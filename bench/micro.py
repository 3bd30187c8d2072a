"""Per-call latency of language detection and of the knowledge lookup."""

from __future__ import annotations

import random
import time
from typing import Any

from bench.questions import sample
from bench.stats import summary_us
from bot.settings import Settings
from knowledge import KnowledgeBase
from nlu.langdetect import LanguageDetector


def run_langdetect(
    settings: Settings, kb: KnowledgeBase, *, calls: int, seed: int
) -> dict[str, Any]:
    """Detect the language of held-out questions one call at a time (after a warm-up pass)."""
    started = time.perf_counter()
    detector = LanguageDetector(
        kb.languages,
        min_chars=settings.language_min_chars,
        min_confidence=settings.language_confidence,
    )
    build_s = time.perf_counter() - started
    questions = sample(calls, random.Random(seed))
    for question in questions[:50]:
        detector.detect(question.text, "en")
    durations: list[float] = []
    right = 0
    for question in questions:
        t0 = time.perf_counter()
        result = detector.detect(question.text, "en")
        durations.append(time.perf_counter() - t0)
        right += result.language == question.language
    return {
        "calls": len(durations),
        "build_s": round(build_s, 2),
        "latency_us": summary_us(durations),
        "accuracy": round(right / len(questions), 3),
    }


def lookups(kb: KnowledgeBase, count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    articles = sorted(kb.articles)
    return [
        (rng.choice(articles), rng.choice(tuple(kb.situations)), rng.choice(kb.languages))
        for _ in range(count)
    ]


def lookup_latency(kb: KnowledgeBase, *, calls: int, seed: int) -> dict[str, Any]:
    """KnowledgeBase.resolve per call, and the mean over a tight loop (timer overhead removed)."""
    keys = lookups(kb, calls, random.Random(seed))
    durations: list[float] = []
    found = 0
    for article, country, language in keys:
        t0 = time.perf_counter()
        answer = kb.resolve(article, country, language)
        durations.append(time.perf_counter() - t0)
        found += answer is not None
    t0 = time.perf_counter()
    for article, country, language in keys:
        kb.resolve(article, country, language)
    loop_mean_us = (time.perf_counter() - t0) / len(keys) * 1e6
    return {
        "calls": len(keys),
        "found": found,
        "latency_us": summary_us(durations),
        "loop_mean_us": round(loop_mean_us, 3),
    }
