"""Referral tickets: created idempotently, one open ticket per user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot.models import Ticket

OPEN_STATES = ("new", "claimed", "waiting_user", "referred")


@dataclass(frozen=True, slots=True)
class TicketRef:
    id: int
    created: bool
    """False when the user's open ticket (or the one for this same request) was reused."""


async def open_ticket(
    session: AsyncSession,
    *,
    idempotency_key: str,
    user_id: int,
    reason: str,
    language: str,
    country: str | None,
    topic: str | None,
    question: str | None,
    nlu: dict[str, Any] | None,
) -> TicketRef:
    """Create a ticket for the user, or return the one already open or already created."""
    same = await session.scalar(select(Ticket).where(Ticket.idempotency_key == idempotency_key))
    if same is not None:
        return TicketRef(same.id, created=False)
    existing = await session.scalar(
        select(Ticket)
        .where(Ticket.user_id == user_id, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    transcript = await events.transcript(session, user_id=user_id)
    if existing is not None:
        existing.transcript = transcript
        return TicketRef(existing.id, created=False)
    ticket = Ticket(
        idempotency_key=idempotency_key,
        user_id=user_id,
        reason=reason,
        language=language,
        country=country,
        topic=topic,
        question=question,
        nlu=nlu,
        transcript=transcript,
    )
    session.add(ticket)
    await session.flush()
    return TicketRef(ticket.id, created=True)
