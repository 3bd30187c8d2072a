"""The conversation log (events) and answer feedback."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Event, Feedback, MissedQuestion

TRANSCRIPT_LENGTH = 10


async def record(
    session: AsyncSession,
    *,
    now: datetime,
    user_id: int,
    direction: str,
    kind: str,
    text: str | None = None,
    language: str | None = None,
    country: str | None = None,
    intent: str | None = None,
    confidence: float | None = None,
    action: str | None = None,
    article_id: str | None = None,
    telegram_message_id: int | None = None,
) -> Event:
    event = Event(
        user_id=user_id,
        direction=direction,
        kind=kind,
        text=text,
        language=language,
        country=country,
        intent=intent,
        confidence=confidence,
        action=action,
        article_id=article_id,
        telegram_message_id=telegram_message_id,
        created_at=now,
    )
    session.add(event)
    await session.flush()  # the id: a button may refer to this message later
    return event


PENDING_FOR = timedelta(days=1)
"""A question typed before onboarding is answered after it if it came within this time."""


async def take_pending(session: AsyncSession, *, user_id: int, now: datetime) -> str | None:
    """The question typed before the language and country were chosen, once."""
    event = await session.scalar(
        select(Event)
        .where(
            Event.user_id == user_id,
            Event.action == "pending",
            Event.created_at >= now - PENDING_FOR,
            Event.text.is_not(None),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    event.action = "pending_answered"
    return event.text


async def last_question(session: AsyncSession, *, user_id: int) -> Event | None:
    """The user's most recent free-text message."""
    return await session.scalar(
        select(Event)
        .where(Event.user_id == user_id, Event.direction == "in", Event.kind == "text")
        .order_by(Event.id.desc())
        .limit(1)
    )


async def transcript(session: AsyncSession, *, user_id: int) -> list[dict[str, Any]]:
    """The last events of the conversation, oldest first, for a ticket."""
    rows = (
        await session.scalars(
            select(Event)
            .where(Event.user_id == user_id)
            .order_by(Event.id.desc())
            .limit(TRANSCRIPT_LENGTH)
        )
    ).all()
    return [
        {
            "at": row.created_at.isoformat(),
            "direction": row.direction,
            "kind": row.kind,
            "text": row.text,
            "article": row.article_id,
        }
        for row in reversed(rows)
    ]


async def record_feedback(
    session: AsyncSession,
    *,
    now: datetime,
    user_id: int,
    article_id: str,
    country: str | None,
    language: str | None,
    helpful: bool,
) -> None:
    session.add(
        Feedback(
            user_id=user_id,
            article_id=article_id,
            country=country,
            language=language,
            helpful=helpful,
            created_at=now,
        )
    )


async def last_attachment(session: AsyncSession, *, user_id: int) -> int | None:
    """The Telegram message id of the user's latest voice note or document."""
    return await session.scalar(
        select(Event.telegram_message_id)
        .where(
            Event.user_id == user_id,
            Event.direction == "in",
            Event.kind.in_(("voice", "document")),
            Event.telegram_message_id.is_not(None),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )


async def record_missed(
    session: AsyncSession,
    *,
    now: datetime,
    reason: str,
    text: str | None,
    language: str | None,
    country: str | None,
    intent: str | None,
    confidence: float | None,
    article_id: str | None,
) -> None:
    """Keep a question the assistant could not answer well, for editors (`kb gaps`).

    No user id: the row stays anonymous and survives /forget until the retention purge.
    """
    if not text:
        return
    session.add(
        MissedQuestion(
            reason=reason,
            text=text,
            language=language,
            country=country,
            intent=intent,
            confidence=confidence,
            article_id=article_id,
            created_at=now,
        )
    )
