"""Simulated users playing the bot at a fixed offered rate (an open-loop load generator).

Each simulated user is a script: /start, pick a language, pick a country, then questions (mostly
in their language, some in another), menu, topic and article buttons, and for some "Talk to a
person" followed by one more message (which goes to the ticket). A user sends the next update
only after all replies to the previous one arrived and a short think time passed. Updates are
offered on a fixed schedule: at each tick an idle user acts, and when every user is busy a new
one arrives, so a slow bot cannot slow the offered rate down (its backlog shows as latency).
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bench.fakeapi import TimedFakeBotApi
from bench.questions import Question
from bench.stats import summary_ms
from knowledge import KnowledgeBase
from tests.fake_telegram import FakeUser, SentMessage


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    """start, lang, country, question, menu, topic, article, escalate, forwarded."""
    payload: str
    """Text to send, or callback data to press."""
    replies: int
    """Messages (sent or edited) the bot must answer this update with."""

    @property
    def is_press(self) -> bool:
        return self.kind in ("lang", "country", "menu", "topic", "article", "escalate")


@dataclass
class SimUser:
    user: FakeUser
    steps: list[Step]
    position: int = 0
    expected: int = 0
    last: SentMessage | None = None
    failed: bool = False


@dataclass
class Sample:
    kind: str
    pushed: float
    offered: float | None
    done: float | None
    replies_expected: int


@dataclass
class Scenario:
    """What simulated users say: questions per language, the catalog's topics and articles."""

    questions: dict[str, list[Question]]
    kb: KnowledgeBase
    escalation_share: float
    think: tuple[float, float]

    def script(self, rng: random.Random) -> tuple[str, str, list[Step]]:
        # the languages there are questions for (the tidy held-out set), in catalog order
        languages = [language for language in self.kb.languages if language in self.questions]
        language = rng.choice(languages)
        country = rng.choice(self.kb.situations_for(language)).id
        steps = [
            Step("start", "/start", 1),
            Step("lang", f"lang:{language}", 1),  # the greeting becomes the country picker
            Step("country", f"country:{country}", 2),  # privacy notice + main menu
        ]
        articles = sorted(self.kb.articles)
        for _ in range(rng.randint(4, 8)):
            roll = rng.random()
            if roll < 0.6:
                asked_in = language if rng.random() < 0.75 else rng.choice(languages)
                steps.append(Step("question", rng.choice(self.questions[asked_in]).text, 1))
            elif roll < 0.7:
                steps.append(Step("menu", "menu", 1))
            elif roll < 0.85:
                steps.append(Step("topic", f"topic:{rng.choice(self.kb.topics_of(country))}", 1))
            else:
                steps.append(Step("article", f"art:{rng.choice(articles)}", 1))
        if rng.random() < self.escalation_share:
            steps.append(Step("escalate", "human", 1))
            steps.append(Step("forwarded", rng.choice(self.questions[language]).text, 1))
        return language, country, steps


@dataclass
class LoadRun:
    api: TimedFakeBotApi
    scenario: Scenario
    rng: random.Random
    reply_timeout: float
    next_user_id: int
    samples: list[Sample] = field(default_factory=list)
    users: list[SimUser] = field(default_factory=list)
    _idle: deque[SimUser] = field(default_factory=deque)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    outstanding: int = 0

    def _new_user(self) -> SimUser:
        language, _, steps = self.scenario.script(self.rng)
        self.next_user_id += 1
        user = SimUser(FakeUser(self.next_user_id, language_code=language), steps)
        self.users.append(user)
        return user

    async def _act(self, user: SimUser) -> None:
        step = user.steps[user.position]
        user.position += 1
        if step.is_press:
            assert user.last is not None
            update_id = await self.api.press(user.user, user.last, step.payload)
        else:
            update_id = await self.api.send_text(user.user, step.payload)
        user.expected += step.replies
        sample = Sample(step.kind, self.api.pushed_at[update_id], None, None, step.replies)
        self.samples.append(sample)
        self.outstanding += 1
        try:
            arrived = await self.api.until_received(
                user.user.id, user.expected, self.reply_timeout
            )
        finally:
            self.outstanding -= 1
        sample.offered = self.api.offered_at.get(update_id)
        if not arrived:
            user.failed = True  # later replies could not be told apart: retire the user
            return
        chat = self.api.arrivals[user.user.id]
        sample.done = chat[user.expected - 1].at
        user.last = chat[-1].message
        if user.position < len(user.steps):
            await asyncio.sleep(self.rng.uniform(*self.scenario.think))
            self._idle.append(user)

    async def offer(self, rate: float, duration: float, *, max_outstanding: int) -> dict[str, Any]:
        """Offer `rate` updates per second for `duration` seconds; stop early on overload."""
        loop = asyncio.get_running_loop()
        first = len(self.samples)
        start = loop.time()
        ticks = 0
        aborted = None
        while True:
            due = start + ticks / rate
            if due >= start + duration:
                break
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.outstanding > max_outstanding:
                aborted = round(loop.time() - start, 1)
                break
            user = self._idle.popleft() if self._idle else self._new_user()
            task = asyncio.create_task(self._act(user))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            ticks += 1
            # Let the task push its update now, so the schedule is kept to the tick.
            await asyncio.sleep(0)
        offered_s = loop.time() - start
        backlog_at_end = self.outstanding
        if self._tasks:
            await asyncio.gather(*list(self._tasks))
        return {
            "offered_updates": ticks,
            "offered_s": round(offered_s, 2),
            "aborted_after_s": aborted,
            "backlog_at_end": backlog_at_end,
            "first_sample": first,
        }

    def park_idle(self) -> None:
        """Forget idle users between runs (each run starts with new users arriving)."""
        self._idle.clear()


def analyse(
    run: LoadRun, first: int, *, rate: float, offered: dict[str, Any], p95_bound_ms: float
) -> dict[str, Any]:
    """Latency (offered in getUpdates → last expected reply), throughput, losses of one run."""
    samples = run.samples[first:]
    completed = [
        (s.pushed, s.done - s.offered, s.done, s.kind)
        for s in samples
        if s.done is not None and s.offered is not None
    ]
    completed.sort()
    latencies = [latency for _, latency, _, _ in completed]
    poll_delays = [s.offered - s.pushed for s in samples if s.offered is not None]
    lost = sum(1 for s in samples if s.done is None)
    if completed:
        span = max(done for _, _, done, _ in completed) - min(s.pushed for s in samples)
        throughput = len(completed) / span if span > 0 else 0.0
    else:
        throughput = 0.0
    by_kind: dict[str, list[float]] = {}
    for _, latency, _, kind in completed:
        by_kind.setdefault(kind, []).append(latency)
    third = max(1, len(latencies) // 3)
    head = summary_ms(latencies[:third]).get("p50", 0.0)
    tail = summary_ms(latencies[-third:]).get("p50", 0.0)
    summary = summary_ms(latencies)
    p95 = float(summary.get("p95", float("inf")))
    growing = float(tail) > 2 * float(head) + 50.0
    sustainable = (
        lost == 0
        and offered["aborted_after_s"] is None
        and p95 <= p95_bound_ms
        and throughput >= 0.95 * offered["offered_updates"] / max(offered["offered_s"], 1e-9)
        and not growing
    )
    return {
        "rate": rate,
        "offered_updates": offered["offered_updates"],
        "offered_s": offered["offered_s"],
        "aborted_after_s": offered["aborted_after_s"],
        "answered": len(completed),
        "lost": lost,
        "throughput_per_s": round(throughput, 1),
        "latency_ms": summary,
        "latency_ms_by_kind": {k: summary_ms(v) for k, v in sorted(by_kind.items())},
        "poll_delay_ms": summary_ms(poll_delays),
        "backlog_at_end": offered["backlog_at_end"],
        "p50_first_third_ms": head,
        "p50_last_third_ms": tail,
        "backlog_growing": growing,
        "sustainable": sustainable,
    }


def count_replies(run: LoadRun) -> dict[str, int]:
    """Across all users: replies expected vs received (after the grace period)."""
    expected = received = duplicated = missing = 0
    for user in run.users:
        got = run.api.received(user.user.id)
        expected += user.expected
        received += got
        duplicated += max(0, got - user.expected)
        missing += max(0, user.expected - got)
    return {
        "users": len(run.users),
        "expected": expected,
        "received": received,
        "duplicated": duplicated,
        "missing": missing,
    }
