"""The update journal: no Telegram update lost, handled twice, or answered twice.

Telegram forgets an update once the bot confirms it (the next getUpdates offset, or the 200
answer to a webhook request). Each update is therefore recorded by `update_id` (unique), with
its payload, when it is *received*, before that confirmation (bot/app.py's `JournalingQueue`),
and marked done after its handlers ran (the payload is dropped then). A repeated `update_id`
is ignored; updates recorded but not done when the bot stopped (killed while sending, or still
waiting in the queue) are handled at the next start, in the order they arrived.

Replies are counted per update (`ReplyLedger`): after each message Telegram confirmed, the
count is stored. When an interrupted update is handled again, its first replies are the ones
already delivered, and they are skipped. The one window left is a crash between Telegram's
confirmation and storing the count, a few milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.db import Sessions
from bot.models import ProcessedUpdate

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Unfinished:
    update_id: int
    payload: dict[str, Any] | None
    replies_sent: int


class UpdateJournal:
    def __init__(self, sessions: Sessions, *, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def receive(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Record an update as it arrives; False when it was received before."""
        try:
            async with self.sessions.begin() as session:
                session.add(
                    ProcessedUpdate(update_id=update_id, payload=payload, received_at=self.clock())
                )
        except IntegrityError:
            return False
        return True

    async def finish(self, update_id: int, *, failed: bool = False) -> None:
        """Mark an update handled (or failed: an unhandled error, already logged)."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.state == "received")
                .values(state="failed" if failed else "done", done_at=self.clock(), payload=None)
            )

    async def replied(self, update_id: int, count: int) -> None:
        """Remember that Telegram confirmed the first `count` replies to this update."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == update_id)
                .values(replies_sent=count)
            )

    async def unfinished(self) -> list[Unfinished]:
        """Updates recorded but never finished (the process stopped before or while handling)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    ProcessedUpdate.update_id,
                    ProcessedUpdate.payload,
                    ProcessedUpdate.replies_sent,
                )
                .where(ProcessedUpdate.state == "received")
                .order_by(ProcessedUpdate.update_id)
            )
            return [Unfinished(*row) for row in rows]

    async def purge(self, *, older_than: timedelta, now: datetime) -> int:
        """Forget finished updates older than this (Telegram never resends them after a day)."""
        cutoff = now - older_than
        async with self.sessions.begin() as session:
            result = await session.execute(
                delete(ProcessedUpdate).where(
                    ProcessedUpdate.state != "received", ProcessedUpdate.done_at < cutoff
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)


class ReplyLedger:
    """Counts the messages sent in answer to one update; skips those already delivered."""

    def __init__(self, journal: UpdateJournal, update_id: int, already_sent: int = 0) -> None:
        self.journal = journal
        self.update_id = update_id
        self.already_sent = already_sent
        self.sent = 0

    async def send(self, deliver: Callable[[], Awaitable[object]]) -> None:
        """Deliver the next reply unless a previous run of this update already did."""
        index = self.sent
        self.sent += 1
        if index < self.already_sent:
            log.info("update %s: reply %s was delivered before the restart", self.update_id, index)
            return
        await deliver()
        await self.journal.replied(self.update_id, index + 1)


current_ledger: ContextVar[ReplyLedger | None] = ContextVar("current_ledger", default=None)
"""The ledger of the update the current task is handling (set by the application)."""


async def send_once(deliver: Callable[[], Awaitable[object]]) -> None:
    """Send one reply through the current update's ledger (or directly outside an update)."""
    ledger = current_ledger.get()
    if ledger is None:
        await deliver()
    else:
        await ledger.send(deliver)
