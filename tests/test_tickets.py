"""The ticket lifecycle on a real (SQLite) database migrated by Alembic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import profiles, tickets
from bot.db import Sessions, create_engine, create_sessions, migrate
from bot.models import Ticket

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
"""The pinned clock of these tests."""


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on a database migrated by Alembic (SQLite, then PostgreSQL)."""
    engine = create_engine(database_url)
    await migrate(engine)
    try:
        yield create_sessions(engine)
    finally:
        await engine.dispose()


async def new_ticket(sessions: Sessions, telegram_id: int = 7, key: str = "k1") -> tuple[int, int]:
    async with sessions.begin() as session:
        user = await profiles.get_or_create(session, telegram_id=telegram_id, now=NOW)
        ref = await tickets.open_ticket(
            session,
            now=NOW,
            idempotency_key=key,
            user_id=user.id,
            reason="ask_human",
            language="ro",
            country="md",
            topic=None,
            question="ajutor",
            nlu=None,
        )
    return user.id, ref.id


async def test_the_same_request_creates_one_ticket(sessions: Sessions) -> None:
    _, first = await new_ticket(sessions, key="tg:1")
    _, again = await new_ticket(sessions, key="tg:1")
    _, other = await new_ticket(sessions, key="tg:2")  # same user, ticket still open

    assert first == again == other


async def test_concurrent_claims_have_exactly_one_winner(sessions: Sessions) -> None:
    _, ticket_id = await new_ticket(sessions)

    claimers = 50
    start = asyncio.Barrier(claimers)

    async def claim(staff_id: int) -> bool:
        async with sessions.begin() as session:
            await session.connection()  # every claimer holds its connection ...
            await start.wait()  # ... and all press "Claim" at the same moment
            return await tickets.claim(session, ticket_id=ticket_id, staff_id=staff_id, now=NOW)

    results = await asyncio.gather(*(claim(1000 + i) for i in range(claimers)))

    assert results.count(True) == 1
    async with sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        trail = await tickets.history(session, ticket_id=ticket_id)
    assert ticket is not None and ticket.claimed_by == 1000 + results.index(True)
    assert [e.action for e in trail] == ["created", "claimed"]


async def test_lifecycle_and_audit_trail(sessions: Sessions) -> None:
    _, ticket_id = await new_ticket(sessions)
    async with sessions.begin() as session:
        assert await tickets.move(
            session, ticket_id=ticket_id, actor="staff:5", to="resolved", now=NOW
        ) is (False)  # a new ticket must be claimed first
        assert await tickets.claim(session, ticket_id=ticket_id, staff_id=5, now=NOW)
        assert await tickets.move(
            session, ticket_id=ticket_id, actor="staff:5", to="waiting_user", now=NOW
        )
        assert await tickets.move(
            session, ticket_id=ticket_id, actor="staff:5", to="resolved", now=NOW
        )
        assert not await tickets.claim(session, ticket_id=ticket_id, staff_id=6, now=NOW)

    async with sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        trail = await tickets.history(session, ticket_id=ticket_id)
    assert ticket is not None and ticket.state == "resolved" and ticket.resolved_at is not None
    assert [(e.actor, e.action, e.detail) for e in trail] == [
        (trail[0].actor, "created", None),
        ("staff:5", "claimed", None),
        ("staff:5", "state", {"to": "waiting_user"}),
        ("staff:5", "state", {"to": "resolved"}),
    ]


async def test_unknown_state_is_refused(sessions: Sessions) -> None:
    _, ticket_id = await new_ticket(sessions)
    async with sessions.begin() as session:
        with pytest.raises(ValueError):
            await tickets.move(
                session, ticket_id=ticket_id, actor="staff:5", to="deleted", now=NOW
            )


async def test_user_message_reopens_a_recently_resolved_ticket(sessions: Sessions) -> None:
    user_id, ticket_id = await new_ticket(sessions)
    async with sessions.begin() as session:
        await tickets.claim(session, ticket_id=ticket_id, staff_id=5, now=NOW)
        await tickets.move(session, ticket_id=ticket_id, actor="staff:5", to="resolved", now=NOW)

    async with sessions.begin() as session:
        too_late = await tickets.reopen_recent(
            session, user_id=user_id, window=timedelta(days=3), now=NOW + timedelta(days=4)
        )
        reopened = await tickets.reopen_recent(
            session, user_id=user_id, window=timedelta(days=3), now=NOW + timedelta(days=1)
        )

    async with sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
    assert (too_late, reopened) == (None, ticket_id)
    assert ticket is not None and (ticket.state, ticket.claimed_by) == ("claimed", 5)


async def test_forget_erases_everything_personal_and_keeps_a_redacted_stub(
    sessions: Sessions,
) -> None:
    from sqlalchemy import func, select

    from bot import events, outbox
    from bot.models import Event, Outbox, TicketEvent, TicketMessage, User

    user_id, ticket_id = await new_ticket(sessions)
    async with sessions.begin() as session:
        await events.record(
            session, user_id=user_id, direction="in", kind="text", text="Ion, Chișinău", now=NOW
        )
        session.add(
            TicketMessage(ticket_id=ticket_id, author="user", text="my phone is 0691", at=NOW)
        )
        await outbox.enqueue(
            session, key="u1", kind="to_user", chat_id=7, ticket_id=ticket_id, now=NOW
        )
        await tickets.claim(session, ticket_id=ticket_id, staff_id=99, now=NOW)

    async with sessions.begin() as session:
        await profiles.forget(session, user_id=user_id)

    async with sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (User, Event, TicketMessage, Outbox)
        ]
        actors = (await session.scalars(select(TicketEvent.actor).order_by(TicketEvent.id))).all()
    assert ticket is not None
    assert (ticket.user_id, ticket.question, ticket.transcript, ticket.nlu) == (None,) * 4
    assert (ticket.state, ticket.language, ticket.country) == ("claimed", "ro", "md")  # the stub
    assert counts == [0, 0, 0, 0]
    assert list(actors) == [f"user:{user_id}", "staff:99"]  # pseudonymous: the user row is gone
