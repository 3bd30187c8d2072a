"""`stats`: what migrants asked, how the assistant decided, and how fast the hotline answered.

Counted over the last N days (days start at midnight in the hotline's time zone):

- questions: free-text messages the assistant had to understand (`event` rows from the user of
  kind `text`; messages passed on to an open ticket are not questions to the assistant);
- decisions: the share of those questions answered, clarified, escalated, small talk, or met by
  an unreachable NLU;
- articles: answers shown, after a question or from the menu; helpful rate from 👍/👎;
- tickets opened in the period: how many were claimed and resolved, and the median time from
  opening to claim and to resolution.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Event, Feedback, Ticket

DECISIONS = ("answer", "clarify", "escalate", "smalltalk", "nlu_down")


@dataclass(frozen=True, slots=True)
class ArticleUse:
    article_id: str
    after_question: int = 0
    from_menu: int = 0
    helpful: int = 0
    unhelpful: int = 0

    @property
    def shown(self) -> int:
        return self.after_question + self.from_menu

    @property
    def helpful_rate(self) -> float | None:
        rated = self.helpful + self.unhelpful
        return self.helpful / rated if rated else None


@dataclass
class Stats:
    first_day: date
    last_day: date
    per_day: dict[date, int] = field(default_factory=dict)
    per_language: Counter[str] = field(default_factory=Counter)
    per_country: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    articles: list[ArticleUse] = field(default_factory=list)
    """Most shown first; articles only rated are included."""
    tickets_opened: int = 0
    tickets_claimed: int = 0
    tickets_resolved: int = 0
    median_to_claim: timedelta | None = None
    median_to_resolve: timedelta | None = None

    @property
    def questions(self) -> int:
        return sum(self.per_day.values())

    def share(self, decision: str) -> float:
        return self.decisions[decision] / self.questions if self.questions else 0.0


def period(days: int, now: datetime, zone: tzinfo) -> tuple[date, date, datetime]:
    """The first and last day of the last `days` days in `zone`, and when the first one began."""
    last = now.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    return first, last, datetime.combine(first, time(), zone).astimezone(UTC)


async def collect(engine: AsyncEngine, *, days: int, now: datetime, zone: tzinfo = UTC) -> Stats:
    """Read the period's events, feedback and tickets and count them."""
    first, last, since = period(days, now, zone)
    until = now.astimezone(UTC)
    stats = Stats(first, last, per_day={first + timedelta(d): 0 for d in range(days)})
    async with engine.connect() as connection:
        questions = await connection.execute(
            select(Event.created_at, Event.language, Event.country, Event.action).where(
                Event.direction == "in",
                Event.kind == "text",
                or_(Event.action.is_(None), Event.action != "ticket"),
                Event.created_at >= since,
                Event.created_at <= until,
            )
        )
        for created_at, language, country, action in questions:
            day = _utc(created_at).astimezone(zone).date()
            if day not in stats.per_day:
                continue
            stats.per_day[day] += 1
            stats.per_language[language or "?"] += 1
            stats.per_country[country or "?"] += 1
            stats.decisions[action or "?"] += 1
        shown = await connection.execute(
            select(Event.article_id, Event.kind).where(
                Event.direction == "in",
                Event.action == "answer",
                Event.article_id.is_not(None),
                Event.created_at >= since,
                Event.created_at <= until,
            )
        )
        after_question: Counter[str] = Counter()
        from_menu: Counter[str] = Counter()
        for article_id, kind in shown:
            if article_id is None:
                continue
            (after_question if kind == "text" else from_menu)[article_id] += 1
        rated = await connection.execute(
            select(Feedback.article_id, Feedback.helpful).where(
                Feedback.created_at >= since, Feedback.created_at <= until
            )
        )
        helpful: Counter[str] = Counter()
        unhelpful: Counter[str] = Counter()
        for article_id, was_helpful in rated:
            (helpful if was_helpful else unhelpful)[article_id] += 1
        tickets = (
            await connection.execute(
                select(Ticket.created_at, Ticket.claimed_at, Ticket.resolved_at).where(
                    Ticket.created_at >= since, Ticket.created_at <= until
                )
            )
        ).all()
    ids = set(after_question) | set(from_menu) | set(helpful) | set(unhelpful)
    uses = [ArticleUse(a, after_question[a], from_menu[a], helpful[a], unhelpful[a]) for a in ids]
    stats.articles = sorted(
        uses, key=lambda u: (-u.shown, -(u.helpful + u.unhelpful), u.article_id)
    )
    to_claim = [_utc(c) - _utc(o) for o, c, _ in tickets if c is not None]
    to_resolve = [_utc(r) - _utc(o) for o, _, r in tickets if r is not None]
    stats.tickets_opened = len(tickets)
    stats.tickets_claimed = len(to_claim)
    stats.tickets_resolved = len(to_resolve)
    stats.median_to_claim = _median(to_claim)
    stats.median_to_resolve = _median(to_resolve)
    return stats


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _median(durations: Sequence[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in durations))


# -- output -------------------------------------------------------------------------------------


def duration(value: timedelta | None) -> str:
    """`2 h 05 min`, `3 d 4 h`, `45 s`; — when there is nothing to measure."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


def table(rows: Sequence[Sequence[str]], *, right: int = 1) -> str:
    """Columns padded to their widest cell; columns from index `right` on align right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i < right else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def as_text(stats: Stats, *, top: int = 10) -> str:
    total = stats.questions
    parts = [
        f"Questions from {stats.first_day.isoformat()} to {stats.last_day.isoformat()}: {total}",
        "",
        table(
            [["day", "questions"], *([d.isoformat(), str(n)] for d, n in stats.per_day.items())]
        ),
        "",
        table(
            [
                ["language", "questions", "share"],
                *(
                    [lang, str(n), _percent(n, total)]
                    for lang, n in stats.per_language.most_common()
                ),
            ]
        ),
        "",
        table(
            [
                ["country", "questions", "share"],
                *([c, str(n), _percent(n, total)] for c, n in stats.per_country.most_common()),
            ]
        ),
        "",
        table(
            [
                ["decision", "questions", "share"],
                *(
                    [d, str(stats.decisions[d]), _percent(stats.decisions[d], total)]
                    for d in (*DECISIONS, *sorted(set(stats.decisions) - set(DECISIONS)))
                    if d in DECISIONS or stats.decisions[d]
                ),
            ]
        ),
        "",
        f"Top articles (answers shown; up/down: 👍/👎), {min(top, len(stats.articles))}"
        f" of {len(stats.articles)}:",
        table(
            [
                ["article", "shown", "after a question", "from the menu", "up", "down", "helpful"],
                *(
                    [
                        u.article_id,
                        str(u.shown),
                        str(u.after_question),
                        str(u.from_menu),
                        str(u.helpful),
                        str(u.unhelpful),
                        _percent(u.helpful, u.helpful + u.unhelpful),
                    ]
                    for u in stats.articles[:top]
                ),
            ]
        ),
        "",
        table(
            [
                ["tickets", "count", "median time"],
                ["opened", str(stats.tickets_opened), ""],
                ["claimed", str(stats.tickets_claimed), duration(stats.median_to_claim)],
                ["resolved", str(stats.tickets_resolved), duration(stats.median_to_resolve)],
            ]
        ),
    ]
    return "\n".join(parts)


def write_chart(stats: Stats, target: Path, *, top: int = 10) -> None:
    """A one-page PNG for the weekly report (matplotlib is imported only here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    figure.suptitle(
        f"Questions {stats.first_day.isoformat()} – {stats.last_day.isoformat()}: "
        f"{stats.questions}; tickets: {stats.tickets_opened} opened, median claim "
        f"{duration(stats.median_to_claim)}, resolve {duration(stats.median_to_resolve)}"
    )
    days, counts = list(stats.per_day), list(stats.per_day.values())
    axes[0][0].bar([d.strftime("%d.%m") for d in days], counts, color="#4c72b0")
    axes[0][0].set_title("Questions per day")
    axes[0][0].tick_params(axis="x", labelrotation=45)
    decisions = [d for d in DECISIONS if stats.decisions[d]]
    axes[0][1].bar(decisions, [100 * stats.share(d) for d in decisions], color="#55a868")
    axes[0][1].set_title("Decisions (% of questions)")
    languages = stats.per_language.most_common()
    axes[1][0].bar([k for k, _ in languages], [n for _, n in languages], color="#8172b2")
    axes[1][0].set_title("Questions per language")
    shown = [u for u in stats.articles if u.shown][:top][::-1]
    axes[1][1].barh([u.article_id for u in shown], [u.shown for u in shown], color="#dd8452")
    axes[1][1].set_title("Top articles (answers shown)")
    for counts_axis in (axes[0][0].yaxis, axes[1][0].yaxis, axes[1][1].xaxis):
        counts_axis.set_major_locator(MaxNLocator(integer=True))
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=100)
    plt.close(figure)
