"""Hotline hours: whether staff are at work now, and when they are next.

Configured as HOTLINE_HOURS, e.g. "mon-fri 09:00-18:00; sat 10:00-14:00", in HOTLINE_TIMEZONE.
Empty means always open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$"
)


@dataclass(frozen=True, slots=True)
class Shift:
    weekday: int  # Monday is 0
    start: time
    end: time


class HotlineHours:
    def __init__(self, shifts: list[Shift], zone: ZoneInfo) -> None:
        self.shifts = shifts
        self.zone = zone

    @classmethod
    def parse(cls, value: str, timezone: str) -> HotlineHours:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"HOTLINE_TIMEZONE '{timezone}' is not a known time zone") from None
        shifts = []
        for rule in filter(None, (part.strip().lower() for part in value.split(";"))):
            match = _RULE.match(rule)
            if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
                raise ConfigError(
                    f"HOTLINE_HOURS rule '{rule}' must look like 'mon-fri 09:00-18:00'"
                )
            first = DAYS.index(match["first"])
            last = DAYS.index(match["last"] or match["first"])
            try:
                start = time.fromisoformat(match["start"].zfill(5))
                end = time.fromisoformat(match["end"].zfill(5))
            except ValueError:
                raise ConfigError(f"HOTLINE_HOURS rule '{rule}' has an invalid time") from None
            if end <= start:
                raise ConfigError(f"HOTLINE_HOURS rule '{rule}' ends before it starts")
            day = first
            while True:
                shifts.append(Shift(day, start, end))
                if day == last:
                    break
                day = (day + 1) % 7
        return cls(shifts, zone)

    @property
    def always_open(self) -> bool:
        return not self.shifts

    def is_open(self, now: datetime) -> bool:
        if self.always_open:
            return True
        local = now.astimezone(self.zone)
        return any(
            s.weekday == local.weekday() and s.start <= local.time() < s.end for s in self.shifts
        )

    def next_opening(self, now: datetime) -> datetime:
        """When staff are next at work (`now` itself when they are)."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        for days_ahead in range(8):
            day = (local + timedelta(days=days_ahead)).date()
            starts = sorted(s.start for s in self.shifts if s.weekday == day.weekday())
            for start in starts:
                opening = datetime.combine(day, start, tzinfo=self.zone)
                if opening > local:
                    return opening
        raise AssertionError("a non-empty weekly schedule always opens within a week")
