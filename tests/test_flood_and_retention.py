"""Per-user flood protection, and the retention purge with a movable clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Sessions, create_engine, create_sessions, migrate
from bot.flood import FloodGuard, Verdict
from bot.models import Event, MissedQuestion, Outbox, Ticket, TicketMessage, User
from bot.retention import purge, run_retention
from tests.conftest import make_settings, running_bot
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.hotline import wait_until


def test_flood_guard_notifies_once_then_drops_until_the_window_passes() -> None:
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, clock=lambda: now[0])
    verdicts = [guard.check(1) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY, Verdict.DROP, Verdict.DROP]
    assert guard.check(2) is Verdict.ALLOW  # another user is not affected
    now[0] = 10.5
    assert guard.check(1) is Verdict.ALLOW


async def test_a_flooding_user_gets_one_notice_and_others_are_served(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    settings = make_settings(
        tmp_path, telegram_api_base_url=fake_api.url, flood_limit=5, flood_window=60
    )
    async with running_bot(settings):
        flooder, neighbour = FakeUser(140, language_code="ru"), FakeUser(141)
        for _ in range(9):
            await fake_api.send_text(flooder, "/help")
        [reply] = await fake_api.exchange(neighbour, "/help")
        assert "/human" in reply.text
        await wait_until(lambda: len(fake_api.sent_to(flooder.id)) >= 6)
        await asyncio.sleep(0.5)  # the dropped ones really are not answered later
        texts = [m.text for m in fake_api.sent_to(flooder.id)]
        assert len(texts) == 6
        assert sum("/human" in t for t in texts) == 5
        assert "Пожалуйста, подождите минуту" in texts[-1]


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'retention.db'}")
    await migrate(engine)
    try:
        yield create_sessions(engine)
    finally:
        await engine.dispose()


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=5)


async def seed(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        user = User(telegram_id=1, language="ro", country="md", created_at=OLD, updated_at=OLD)
        session.add(user)
        await session.flush()
        for when, text in ((OLD, "old question"), (RECENT, "recent question")):
            session.add(
                Event(user_id=user.id, direction="in", kind="text", text=text, created_at=when)
            )
            session.add(MissedQuestion(reason="escalate", text=text, created_at=when))
        for key, state in (("closed", "resolved"), ("open", "claimed")):
            ticket = Ticket(
                idempotency_key=key,
                user_id=user.id,
                state=state,
                reason="ask_human",
                language="ro",
                question=f"{key} ticket",
                transcript=[{"text": "hi"}],
                created_at=OLD,
                updated_at=OLD,
            )
            session.add(ticket)
            await session.flush()
            session.add(
                TicketMessage(ticket_id=ticket.id, author="user", text=f"{key} msg", at=OLD)
            )
        session.add(
            Outbox(
                key="sent",
                kind="to_user",
                chat_id=1,
                payload={},
                created_at=OLD,
                due_at=OLD,
                sent_at=OLD,
            )
        )
        session.add(
            Outbox(
                key="pending", kind="to_user", chat_id=1, payload={}, created_at=OLD, due_at=OLD
            )
        )


async def test_purge_erases_old_conversation_text_and_keeps_open_work(sessions: Sessions) -> None:
    await seed(sessions)

    counts = await purge(sessions, days=90, now=NOW)

    assert counts | {"journal": 0} == {
        "events": 1,
        "missed_questions": 1,
        "ticket_messages": 1,
        "tickets": 1,
        "outbox": 1,
        "journal": 0,
    }
    async with sessions() as session:
        events = (await session.scalars(select(Event.text).order_by(Event.id))).all()
        missed = (await session.scalars(select(MissedQuestion.text))).all()
        tickets = (
            await session.execute(
                select(Ticket.idempotency_key, Ticket.question).order_by(Ticket.id)
            )
        ).all()
        messages = (
            await session.scalars(select(TicketMessage.text).order_by(TicketMessage.id))
        ).all()
        outbox = (await session.scalars(select(Outbox.key))).all()
    assert list(events) == [None, "recent question"]  # the row stays for statistics
    assert list(missed) == ["recent question"]
    assert [tuple(t) for t in tickets] == [("closed", None), ("open", "open ticket")]
    assert list(messages) == [None, "open msg"]
    assert list(outbox) == ["pending"]  # never delivered yet: kept
    assert await purge(sessions, days=90, now=NOW) == dict.fromkeys(counts, 0)


async def test_the_scheduled_job_purges_on_its_own(sessions: Sessions) -> None:
    await seed(sessions)
    clock = [NOW - timedelta(days=50)]  # nothing is old enough yet
    job = asyncio.create_task(run_retention(sessions, days=90, every=0.05, clock=lambda: clock[0]))
    try:
        await asyncio.sleep(0.2)
        async with sessions() as session:
            assert await session.scalar(select(Event.text).where(Event.created_at == OLD))
        clock[0] = NOW  # time moves on
        await asyncio.sleep(0.3)
        async with sessions() as session:
            assert await session.scalar(select(Event.text).where(Event.created_at == OLD)) is None
    finally:
        job.cancel()
