"""Retention: conversation text older than RETENTION_DAYS is erased by a scheduled job.

What goes: the text of conversation events (the counts stay, for statistics), the questions
kept for editors, the texts of tickets closed before the cutoff (question, transcript and
messages; the stub stays), delivered outbox messages, and finished entries of the update
journal after two days. Open tickets keep their text: someone is still working on them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, null, select, update

from bot.clock import Clock
from bot.db import Sessions
from bot.journal import UpdateJournal
from bot.models import Event, MissedQuestion, Outbox, Ticket, TicketMessage
from bot.tickets import CLOSED_STATES

log = logging.getLogger(__name__)

JOURNAL_KEEP = timedelta(days=2)


async def purge(sessions: Sessions, *, days: int, now: datetime) -> dict[str, int]:
    """Erase what is older than `days`; returns how many rows each step touched."""
    cutoff = now - timedelta(days=days)
    counts: dict[str, int] = {}
    async with sessions.begin() as session:
        closed = (
            select(Ticket.id)
            .where(Ticket.state.in_(CLOSED_STATES), Ticket.updated_at < cutoff)
            .scalar_subquery()
        )
        steps = {
            "events": update(Event)
            .where(Event.created_at < cutoff, Event.text.is_not(None))
            .values(text=None),
            "missed_questions": delete(MissedQuestion).where(MissedQuestion.created_at < cutoff),
            "ticket_messages": update(TicketMessage)
            .where(TicketMessage.ticket_id.in_(closed), TicketMessage.text.is_not(None))
            .values(text=None),
            "tickets": update(Ticket)
            .where(
                Ticket.state.in_(CLOSED_STATES),
                Ticket.updated_at < cutoff,
                Ticket.question.is_not(None) | Ticket.transcript.is_not(None),
            )
            # null(): a plain None would store JSON 'null', which IS NOT NULL forever after
            .values(question=None, transcript=null()),
            "outbox": delete(Outbox).where(Outbox.sent_at.is_not(None), Outbox.sent_at < cutoff),
        }
        for name, statement in steps.items():
            result = await session.execute(statement)
            counts[name] = int(getattr(result, "rowcount", 0) or 0)
    counts["journal"] = await UpdateJournal(sessions, clock=lambda: now).purge(
        older_than=JOURNAL_KEEP, now=now
    )
    return counts


async def run_retention(
    sessions: Sessions,
    *,
    days: int,
    every: float,
    clock: Clock,
) -> None:
    """Purge now, then every `every` seconds, until cancelled."""
    while True:
        try:
            counts = await purge(sessions, days=days, now=clock())
            if any(counts.values()):
                log.info("retention purge: %s", counts)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention purge failed; retrying at the next run")
        await asyncio.sleep(every)
