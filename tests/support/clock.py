"""A clock for end-to-end tests: pinned to a chosen start, then running at the real pace.

The bot under test runs on a real event loop against the fake Bot API, so its time must go on
passing; but what it stores and compares (ticket ages, SLA, hours, outbox due times) is read from
this clock, so the test decides the date and can jump ahead. Nothing depends on today's date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import system_clock

MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""A Monday, 10:00 in Chisinau: inside any usual hotline hours."""


class TestClock:
    """Starts at `start` and advances with the wall clock; `advance` jumps ahead."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, start: datetime = MONDAY_MORNING) -> None:
        self.offset = start - system_clock()

    def __call__(self) -> datetime:
        return system_clock() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
