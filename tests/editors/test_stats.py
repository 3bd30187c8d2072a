"""`stats`: questions, decisions, articles and ticket times from a fixture database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db import create_engine, create_sessions, migrate
from bot.models import Event, Feedback, Ticket, User
from bot.stats import ArticleUse, Stats, as_text, collect, duration, write_chart
from tests.test_cli import run_cli

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CHISINAU = ZoneInfo("Europe/Chisinau")  # UTC+2 in November


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def question(when: datetime, language: str, country: str, action: str, **extra: str) -> Event:
    return Event(
        user_id=1,
        created_at=when,
        direction="in",
        kind=extra.pop("kind", "text"),
        text="…",
        language=language,
        country=country,
        action=action,
        **extra,
    )


def ticket(number: int, opened: datetime, claim: int | None, resolve: int | None) -> Ticket:
    """A ticket claimed and resolved the given minutes after it was opened."""
    return Ticket(
        user_id=1,
        idempotency_key=f"t{number}",
        state="resolved" if resolve else "claimed" if claim else "new",
        reason="ask_human",
        language="ro",
        created_at=opened,
        updated_at=opened,
        claimed_at=opened + timedelta(minutes=claim) if claim is not None else None,
        resolved_at=opened + timedelta(minutes=resolve) if resolve is not None else None,
    )


def rows() -> list[object]:
    """A user, their questions and other events, feedback and tickets (fresh objects)."""
    return [
        User(id=1, telegram_id=100, created_at=at(1, 0), updated_at=at(1, 0)),
        question(at(14, 8), "ro", "md", "answer", article_id="doc_passport"),
        question(at(14, 9), "ru", "md", "clarify"),
        question(at(16, 10), "ru", "ge", "escalate"),
        question(at(19, 22, 30), "ro", "md", "answer", article_id="social_pension"),  # 20th in MD
        question(at(20, 11), "ru", "bg", "smalltalk"),
        # not questions, or not in the period:
        question(at(13, 21), "ro", "md", "answer", article_id="doc_passport"),  # 13th, 23:00 in MD
        question(at(15, 9), "ro", "md", "ticket"),  # passed on to an open ticket
        question(at(15, 10), "ro", "md", "answer", article_id="doc_passport", kind="button"),
        Event(user_id=1, created_at=at(15, 10), direction="out", kind="answer", action="answer"),
        *(
            Feedback(article_id="doc_passport", helpful=h, created_at=at(15, 11))
            for h in (1, 1, 1, 0)
        ),
        Feedback(article_id="social_pension", helpful=False, created_at=at(19, 23)),
        Feedback(article_id="health_mental", helpful=True, created_at=at(17, 8)),
        Feedback(article_id="health_mental", helpful=False, created_at=at(1, 8)),  # too old
        ticket(1, at(15, 10), claim=10, resolve=120),
        ticket(2, at(16, 10), claim=30, resolve=240),
        ticket(3, at(17, 10), claim=50, resolve=None),
        ticket(4, at(18, 10), claim=None, resolve=None),
        ticket(5, at(1, 10), claim=5, resolve=6),  # too old
    ]


@pytest.fixture
async def database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}"
    engine = create_engine(url)
    await migrate(engine)
    user, *others = rows()
    async with create_sessions(engine).begin() as session:
        session.add(user)
        await session.flush()
        session.add_all(others)
    await engine.dispose()
    return url


async def gather(url: str) -> Stats:
    engine = create_engine(url)
    try:
        return await collect(engine, days=7, now=NOW, zone=CHISINAU)
    finally:
        await engine.dispose()


async def test_questions_are_counted_per_day_language_country_and_decision(
    database: str,
) -> None:
    stats = await gather(database)

    assert (stats.first_day, stats.last_day) == (date(2026, 11, 14), date(2026, 11, 20))
    assert stats.per_day == {date(2026, 11, d): n for d, n in [(14, 2), (15, 0), (16, 1)]} | {
        date(2026, 11, d): n for d, n in [(17, 0), (18, 0), (19, 0), (20, 2)]
    }
    assert stats.questions == 5
    assert stats.per_language == Counter({"ru": 3, "ro": 2})
    assert stats.per_country == Counter({"md": 3, "ge": 1, "bg": 1})
    assert stats.decisions == Counter({"answer": 2, "clarify": 1, "escalate": 1, "smalltalk": 1})
    assert [stats.share(d) for d in ("answer", "clarify", "escalate")] == [0.4, 0.2, 0.2]


async def test_articles_and_their_helpful_rate(database: str) -> None:
    stats = await gather(database)

    assert stats.articles == [
        ArticleUse("doc_passport", after_question=1, from_menu=1, helpful=3, unhelpful=1),
        ArticleUse("social_pension", after_question=1, from_menu=0, helpful=0, unhelpful=1),
        ArticleUse("health_mental", after_question=0, from_menu=0, helpful=1, unhelpful=0),
    ]
    assert [a.helpful_rate for a in stats.articles] == [0.75, 0.0, 1.0]


async def test_ticket_medians(database: str) -> None:
    stats = await gather(database)

    assert (stats.tickets_opened, stats.tickets_claimed, stats.tickets_resolved) == (4, 3, 2)
    assert stats.median_to_claim == timedelta(minutes=30)
    assert stats.median_to_resolve == timedelta(hours=3)


async def test_the_report_is_a_readable_table(database: str, tmp_path: Path) -> None:
    stats = await gather(database)

    text = as_text(stats)
    write_chart(stats, tmp_path / "week.png")

    lines = [line.split() for line in text.splitlines()]
    assert text.splitlines()[0] == "Questions from 2026-11-14 to 2026-11-20: 5"
    assert ["answer", "2", "40", "%"] in lines
    assert ["doc_passport", "2", "1", "1", "3", "1", "75", "%"] in lines
    assert ["claimed", "3", "30", "min"] in lines
    assert ["resolved", "2", "3", "h", "00", "min"] in lines
    assert (tmp_path / "week.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_durations_read_well() -> None:
    assert [
        duration(timedelta(seconds=45)),
        duration(timedelta(minutes=30)),
        duration(timedelta(hours=2, minutes=5)),
        duration(timedelta(days=3, hours=4, minutes=10)),
        duration(None),
    ] == ["45 s", "30 min", "2 h 05 min", "3 d 4 h", "—"]


async def test_the_command_prints_the_table_and_writes_the_chart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'now.db'}"
    engine = create_engine(url)
    await migrate(engine)
    now = datetime.now(UTC)
    async with create_sessions(engine).begin() as session:
        session.add(User(id=1, telegram_id=100, created_at=now, updated_at=now))
        await session.flush()
        session.add(question(now - timedelta(minutes=5), "uk", "bg", "escalate"))
        session.add(ticket(1, now - timedelta(hours=1), claim=20, resolve=None))
    await engine.dispose()

    completed = run_cli(
        "stats", "--days", "3", "--png", str(tmp_path / "chart.png"), env={"DATABASE_URL": url}
    )

    assert completed.returncode == 0, completed.stderr
    lines = [line.split() for line in completed.stdout.splitlines()]
    assert ["uk", "1", "100", "%"] in lines
    assert ["escalate", "1", "100", "%"] in lines
    assert ["claimed", "1", "20", "min"] in lines
    assert (tmp_path / "chart.png").stat().st_size > 10_000
