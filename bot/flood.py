"""Per-user flood protection: above a rate, one polite notice and the excess is not processed.

In memory, per process (one bot instance per token): a sliding window of each user's recent
update times. Other users are never affected.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    NOTIFY = "notify"
    """Over the limit for the first time in this window: tell the user once."""
    DROP = "drop"


class FloodGuard:
    def __init__(
        self,
        *,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_users = max_users
        self._seen: dict[int, deque[float]] = {}
        self._notified: dict[int, float] = {}

    def check(self, user_id: int) -> Verdict:
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self.clock()
        times = self._seen.get(user_id)
        if times is None:
            if len(self._seen) >= self.max_users:
                self._forget_idle(now)
            times = self._seen[user_id] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return Verdict.ALLOW
        notified = self._notified.get(user_id)
        if notified is not None and notified > now - self.window:
            return Verdict.DROP
        self._notified[user_id] = now
        return Verdict.NOTIFY

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, t in self._seen.items() if not t or t[-1] <= now - self.window]
        for user_id in idle:
            self._seen.pop(user_id, None)
            self._notified.pop(user_id, None)
