"""Referral tickets, independent of Telegram: creation (idempotent, one open ticket per user),
the lifecycle and its audit trail.

    new ──claim──▶ claimed ──▶ waiting_user / referred ──▶ resolved
                      └──────────────────────────────────▶ resolved ──reopen──▶ claimed | new
    any open state ──the migrant withdraws (/cancel)──▶ withdrawn (never reopened)

Every change is a conditional UPDATE (`... WHERE id = :id AND state IN (...)`): of two staff
members acting at once exactly one changes the row, on SQLite and PostgreSQL alike, without
relying on row locks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot.models import Ticket, TicketEvent

MAX_ID = 2**31 - 1
"""Ticket ids fit a 32-bit INTEGER column (PostgreSQL's, and SQLite's rowid range)."""
_ID = re.compile(r"[1-9][0-9]{0,9}")


def parse_id(text: str) -> int | None:
    """A ticket number typed or carried in button data, or None when it cannot be one.

    Only ASCII digits: `str.isdigit()` also accepts "²", which `int()` refuses.
    """
    text = text.strip().lstrip("#")
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


OPEN_STATES = ("new", "claimed", "waiting_user", "referred")
CLOSED_STATES = ("resolved", "withdrawn")
STATES = (*OPEN_STATES, *CLOSED_STATES)
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "claimed": ("new", "waiting_user", "referred"),
    "waiting_user": ("claimed", "referred"),
    "referred": ("claimed", "waiting_user"),
    "resolved": ("claimed", "waiting_user", "referred"),
    "withdrawn": OPEN_STATES,
}
"""For each target state, the states a ticket may move to it from."""


@dataclass(frozen=True, slots=True)
class TicketRef:
    id: int
    created: bool
    """False when the user's open ticket (or the one for this same request) was reused."""
    replayed: bool = False
    """This very request (same idempotency key) created it before: an update handled again
    after a crash answers as its first handling did."""


async def open_ticket(
    session: AsyncSession,
    *,
    now: datetime,
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
        return TicketRef(same.id, created=False, replayed=True)
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
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    await audit(session, ticket_id=ticket.id, actor=f"user:{user_id}", action="created", now=now)
    return TicketRef(ticket.id, created=True)


async def claim(session: AsyncSession, *, ticket_id: int, staff_id: int, now: datetime) -> bool:
    """Claim a new ticket for one staff member; False when someone else was first."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.state == "new")
        .values(state="claimed", claimed_by=staff_id, claimed_at=now, updated_at=now)
    )
    if rowcount(result) != 1:
        return False
    await audit(session, ticket_id=ticket_id, actor=f"staff:{staff_id}", action="claimed", now=now)
    return True


async def move(
    session: AsyncSession, *, ticket_id: int, actor: str, to: str, now: datetime
) -> bool:
    """Move a ticket to state `to` if its current state allows it; False otherwise."""
    allowed = ALLOWED_FROM.get(to)
    if allowed is None:
        raise ValueError(f"unknown ticket state {to}")
    values: dict[str, Any] = {"state": to, "updated_at": now}
    if to in CLOSED_STATES:
        values["resolved_at"] = now
    result = await session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.state.in_(allowed)).values(**values)
    )
    if rowcount(result) != 1:
        return False
    await audit(
        session, ticket_id=ticket_id, actor=actor, action="state", detail={"to": to}, now=now
    )
    return True


async def reopen_recent(
    session: AsyncSession, *, user_id: int, window: timedelta, now: datetime
) -> int | None:
    """Reopen the user's ticket resolved within `window`; returns its id, or None.

    It goes back to the staff member who had it (`claimed`), or to the queue (`new`).
    """
    ticket = await session.scalar(
        select(Ticket)
        .where(
            Ticket.user_id == user_id,
            Ticket.state == "resolved",
            Ticket.resolved_at >= now - window,
        )
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    if ticket is None:
        return None
    to = "claimed" if ticket.claimed_by is not None else "new"
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.state == "resolved")
        .values(state=to, resolved_at=None, updated_at=now)
    )
    if rowcount(result) != 1:
        return None
    await audit(
        session,
        ticket_id=ticket.id,
        actor=f"user:{user_id}",
        action="reopened",
        detail={"to": to},
        now=now,
    )
    return ticket.id


async def queue(session: AsyncSession, *, limit: int = 20) -> list[Ticket]:
    """Open tickets, urgent ones first, then oldest first (the staff's /queue)."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return list(rows)


async def assigned_to(session: AsyncSession, *, staff_id: int, limit: int = 20) -> list[Ticket]:
    """Open tickets claimed by one staff member, urgent first, then oldest first (/mine)."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.claimed_by == staff_id, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return list(rows)


async def open_of_user(session: AsyncSession, *, user_id: int) -> int | None:
    """The id of the user's open ticket (none is reopened by asking)."""
    return await session.scalar(
        select(Ticket.id)
        .where(Ticket.user_id == user_id, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.id.desc())
        .limit(1)
    )


async def of_user(session: AsyncSession, *, user_id: int) -> list[int]:
    """The ids of every ticket of this user, oldest first."""
    rows = await session.scalars(
        select(Ticket.id).where(Ticket.user_id == user_id).order_by(Ticket.id)
    )
    return list(rows)


async def history(session: AsyncSession, *, ticket_id: int) -> list[TicketEvent]:
    """The audit trail, oldest first."""
    rows = await session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list(rows)


async def audit(
    session: AsyncSession,
    *,
    ticket_id: int,
    actor: str,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        TicketEvent(ticket_id=ticket_id, actor=actor, action=action, detail=detail, at=now)
    )


def rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


async def mark_urgent(session: AsyncSession, *, ticket_id: int, actor: str, now: datetime) -> bool:
    """Mark an open ticket urgent; False when it already was (so alerts go out once)."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.urgent.is_(False), Ticket.state.in_(OPEN_STATES))
        .values(urgent=True, updated_at=now)
    )
    if rowcount(result) != 1:
        return False
    await audit(session, ticket_id=ticket_id, actor=actor, action="urgent", now=now)
    return True


async def reopen_by_staff(
    session: AsyncSession, *, ticket_id: int, staff_id: int, now: datetime
) -> bool:
    """A staff member reopens a resolved ticket and holds it; False unless it was resolved."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.state == "resolved", Ticket.user_id.is_not(None))
        .values(state="claimed", claimed_by=staff_id, resolved_at=None, updated_at=now)
    )
    if rowcount(result) != 1:
        return False
    await audit(
        session, ticket_id=ticket_id, actor=f"staff:{staff_id}", action="reopened", now=now
    )
    return True
