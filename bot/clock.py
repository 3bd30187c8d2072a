"""The product's one clock.

Every time that is stored and later compared (ticket ages, outbox due times, the update journal,
retention, SLA, hotline hours) is read from a `Clock` the services hold and pass down; no column
default reads the wall clock. Tests pin it, so nothing passes or fails because of today's date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware in UTC."""


def system_clock() -> datetime:
    """The wall clock, in UTC: the production `Clock`."""
    return datetime.now(UTC)
