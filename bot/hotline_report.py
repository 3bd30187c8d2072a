"""The hotline's numbers for supervisors (the web back office's /reports): requests per day,
language, country and topic; time to claim and to resolve (median and 90th percentile);
ratings. Counted over the requests opened in the last N days (UTC days)."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Ticket


@dataclass
class HotlineReport:
    first_day: date
    last_day: date
    per_day: dict[date, int] = field(default_factory=dict)
    per_language: Counter[str] = field(default_factory=Counter)
    per_country: Counter[str] = field(default_factory=Counter)
    per_topic: Counter[str] = field(default_factory=Counter)
    urgent: int = 0
    to_claim: list[timedelta] = field(default_factory=list)
    to_resolve: list[timedelta] = field(default_factory=list)
    ratings: Counter[int] = field(default_factory=Counter)

    @property
    def opened(self) -> int:
        return sum(self.per_day.values())

    def quantile(self, durations: list[timedelta], q: float) -> timedelta | None:
        """Nearest-rank quantile (q in 0..1); None without data."""
        if not durations:
            return None
        ordered = sorted(durations)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def mean_rating(self) -> float | None:
        count = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / count if count else None

    def as_csv(self) -> str:
        """One row per day, then the totals per language, country and topic."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "key", "requests"])
        for day, count in sorted(self.per_day.items()):
            writer.writerow(["day", day.isoformat(), count])
        for section, counter in (
            ("language", self.per_language),
            ("country", self.per_country),
            ("topic", self.per_topic),
        ):
            for key, count in counter.most_common():
                writer.writerow([section, key, count])
        return out.getvalue()


async def collect(session: AsyncSession, *, days: int, now: datetime) -> HotlineReport:
    last_day = now.astimezone(UTC).date()
    first_day = last_day - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    report = HotlineReport(first_day, last_day)
    report.per_day = {first_day + timedelta(days=i): 0 for i in range(days)}
    rows = await session.execute(
        select(
            Ticket.created_at,
            Ticket.claimed_at,
            Ticket.resolved_at,
            Ticket.state,
            Ticket.language,
            Ticket.country,
            Ticket.topic,
            Ticket.urgent,
            Ticket.rating,
        ).where(Ticket.created_at >= since)
    )
    for created, claimed, resolved, state, language, country, topic, urgent, rating in rows:
        created = _utc(created)
        day = created.date()
        if day in report.per_day:
            report.per_day[day] += 1
        report.per_language[language or "?"] += 1
        report.per_country[country or "?"] += 1
        report.per_topic[topic or "none"] += 1
        report.urgent += bool(urgent)
        if claimed is not None:
            report.to_claim.append(_utc(claimed) - created)
        if resolved is not None and state == "resolved":
            report.to_resolve.append(_utc(resolved) - created)
        if rating:
            report.ratings[int(rating)] += 1
    return report


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
