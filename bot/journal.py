"""The update journal: no Telegram update lost or handled twice.

python-telegram-bot confirms an update to Telegram (the next getUpdates offset) before the
handlers are done with it, so a crash mid-handler would lose it, and a restart between handling
and confirming would deliver it again. Each update is therefore recorded by `update_id` (unique)
before its side effects, with its payload, and marked done after (the payload is dropped then).
A repeated `update_id` is ignored; updates recorded but not done when the bot stopped are
finished at the next start.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.db import Sessions
from bot.models import ProcessedUpdate

log = logging.getLogger(__name__)


class UpdateJournal:
    def __init__(self, sessions: Sessions, *, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def begin(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Record an update before handling it; False when it was seen before."""
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

    async def unfinished(self) -> list[tuple[int, dict[str, Any] | None]]:
        """Updates recorded but never finished (the process stopped while handling them)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(ProcessedUpdate.update_id, ProcessedUpdate.payload)
                .where(ProcessedUpdate.state == "received")
                .order_by(ProcessedUpdate.update_id)
            )
            return [(update_id, payload) for update_id, payload in rows]

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
